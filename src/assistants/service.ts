/**
 * Assistants: system assistants (one per graph) and the read side the runs need. Every call is
 * authorized here, before storage is touched; a filter the handler returns goes down to storage.
 */
import type { Logger } from "pino";
import type { AuthContext } from "../auth/authenticate.js";
import type { Authorizer } from "../auth/authorize.js";
import { NotFound } from "../errors.js";
import type { GraphRegistry } from "../graphs/registry.js";
import type { Assistant, Metadata, Storage } from "../storage/types.js";

export class AssistantService {
  constructor(
    private readonly storage: Storage,
    private readonly graphs: GraphRegistry,
    private readonly authorizer: Authorizer,
    private readonly logger: Logger,
  ) {}

  /** Creates each graph's system assistant if missing; `LANGGRAPH_CONFIG` seeds config/context. */
  async ensureSystemAssistants(): Promise<void> {
    const seeds = parseLanggraphConfigEnv(process.env.LANGGRAPH_CONFIG, this.logger);
    for (const g of this.graphs.graphs) {
      const seed = seeds[g.graphId] ?? {};
      const { context, ...config } = seed as { context?: Record<string, unknown> } & Record<string, unknown>;
      const now = new Date().toISOString();
      await this.storage.assistants.put(
        {
          assistant_id: g.assistantId,
          graph_id: g.graphId,
          config,
          context: context ?? {},
          metadata: { created_by: "system" },
          name: g.graphId,
          description: g.description ?? null,
          version: 1,
          created_at: now,
          updated_at: now,
        },
        "do_nothing",
      );
    }
  }

  async get(auth: AuthContext | null, idOrGraph: string): Promise<Assistant> {
    const assistantId = this.graphs.resolveAssistantId(idOrGraph);
    const filter = await this.authorizer.authorize(auth, "assistants", "read", { assistant_id: assistantId });
    const assistant = await this.storage.assistants.get(assistantId, filter);
    if (!assistant) throw new NotFound("Assistant not found");
    return assistant;
  }

  async search(
    auth: AuthContext | null,
    query: { graph_id?: string; metadata?: Metadata; limit: number; offset: number },
  ): Promise<{ items: Assistant[]; total: number }> {
    const value = { graph_id: query.graph_id, metadata: query.metadata ?? {}, limit: query.limit, offset: query.offset };
    const filter = await this.authorizer.authorize(auth, "assistants", "search", value);
    return this.storage.assistants.search({
      graphId: query.graph_id,
      metadata: query.metadata,
      limit: query.limit,
      offset: query.offset,
      filter,
    });
  }
}

function parseLanggraphConfigEnv(raw: string | undefined, logger: Logger): Record<string, Record<string, unknown>> {
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
  } catch {
    // fall through to the warning
  }
  logger.warn("LANGGRAPH_CONFIG is not a JSON object keyed by graph id; ignored");
  return {};
}
