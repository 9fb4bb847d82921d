/**
 * Assistants: system assistants (one per graph) and the whole assistants API. Every call goes
 * through the access guard before storage is touched; a filter the handler returns goes down to
 * storage, so a hidden assistant behaves exactly like a missing one.
 */
import type { Logger } from "pino";
import { v7 as uuidv7 } from "uuid";
import type { AccessGuard } from "../auth/access.js";
import type { AuthContext } from "../auth/authenticate.js";
import { AssistantNotFound, AssistantVersionNotFound, Conflict, GraphNotFound } from "../errors.js";
import type { GraphSchemas, GraphSchemaService } from "../graphs/graph-schemas.js";
import { drawGraph } from "../graphs/introspect.js";
import type { GraphRegistry, RunnableGraph } from "../graphs/registry.js";
import type { Assistant, AssistantPatch, AssistantSearchQuery, AssistantVersion, IfExists, Metadata, Page, Storage } from "../storage/types.js";

export interface AssistantCreateBody {
  graph_id: string;
  assistant_id?: string;
  config?: Record<string, unknown>;
  context?: Record<string, unknown>;
  metadata?: Metadata;
  if_exists?: IfExists;
  name?: string;
  description?: string | null;
}

/** The PATCH body has exactly the storage patch's fields. */
export type AssistantPatchBody = AssistantPatch;

export interface AssistantSearchBody {
  graph_id?: string;
  metadata?: Metadata;
  name?: string;
  limit: number;
  offset: number;
  sort_by?: AssistantSearchQuery["sortBy"];
  sort_order?: AssistantSearchQuery["sortOrder"];
}

export class AssistantService {
  constructor(
    private readonly storage: Storage,
    private readonly graphs: GraphRegistry,
    private readonly access: AccessGuard,
    private readonly logger: Logger,
    private readonly graphSchemas: GraphSchemaService,
  ) {}

  /** Creates each graph's system assistant if missing; `LANGGRAPH_CONFIG` seeds config/context. */
  async ensureSystemAssistants(): Promise<void> {
    const seeds = parseLanggraphConfigEnv(process.env.LANGGRAPH_CONFIG, this.logger);
    for (const g of this.graphs.graphs) {
      const { context, ...config } = (seeds[g.graphId] ?? {}) as { context?: Record<string, unknown> } & Record<string, unknown>;
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

  async create(auth: AuthContext | null, body: AssistantCreateBody): Promise<Assistant> {
    if (!this.graphs.has(body.graph_id)) throw new GraphNotFound(body.graph_id);
    const value = {
      assistant_id: body.assistant_id ?? uuidv7(),
      graph_id: body.graph_id,
      config: body.config ?? {},
      context: body.context ?? {},
      metadata: { ...(body.metadata ?? {}) },
      if_exists: body.if_exists ?? "raise",
      name: body.name ?? "Untitled",
      description: body.description ?? null,
    };
    const filter = await this.access.filter(auth, "assistants", "create", value);
    const now = new Date().toISOString();
    const result = await this.storage.assistants.put(
      {
        assistant_id: value.assistant_id,
        graph_id: value.graph_id,
        config: value.config,
        context: value.context,
        metadata: value.metadata ?? {},
        name: value.name,
        description: value.description,
        version: 1,
        created_at: now,
        updated_at: now,
      },
      value.if_exists,
      filter,
    );
    if (result.kind === "conflict") throw new Conflict(`Assistant ${value.assistant_id} already exists`, "assistant_exists");
    return result.record;
  }

  async get(auth: AuthContext | null, idOrGraph: string): Promise<Assistant> {
    return (await this.access.assistant(auth, idOrGraph, "read")).record;
  }

  async update(auth: AuthContext | null, idOrGraph: string, body: AssistantPatchBody): Promise<Assistant> {
    const assistantId = this.graphs.resolveAssistantId(idOrGraph);
    if (body.graph_id !== undefined && !this.graphs.has(body.graph_id)) throw new GraphNotFound(body.graph_id);
    const value = { assistant_id: assistantId, ...body, metadata: { ...(body.metadata ?? {}) } };
    const filter = await this.access.filter(auth, "assistants", "update", value);
    // The handler may have stamped metadata (value.metadata): that is what gets merged.
    const updated = await this.storage.assistants.update(assistantId, { ...body, metadata: value.metadata }, filter);
    if (!updated) throw new AssistantNotFound();
    return updated;
  }

  async delete(auth: AuthContext | null, idOrGraph: string, deleteThreads: boolean): Promise<string> {
    const assistantId = this.graphs.resolveAssistantId(idOrGraph);
    const filter = await this.access.filter(auth, "assistants", "delete", { assistant_id: assistantId });
    if (!(await this.storage.assistants.delete(assistantId, { deleteThreads, filter }))) throw new AssistantNotFound();
    return assistantId;
  }

  async search(auth: AuthContext | null, body: AssistantSearchBody): Promise<Page<Assistant>> {
    const value = { graph_id: body.graph_id, metadata: body.metadata ?? {}, limit: body.limit, offset: body.offset };
    const filter = await this.access.filter(auth, "assistants", "search", value);
    return this.storage.assistants.search({
      graphId: body.graph_id,
      metadata: body.metadata,
      name: body.name,
      limit: body.limit,
      offset: body.offset,
      sortBy: body.sort_by,
      sortOrder: body.sort_order,
      filter,
    });
  }

  async count(auth: AuthContext | null, body: { graph_id?: string; metadata?: Metadata; name?: string }): Promise<number> {
    const value = { graph_id: body.graph_id, metadata: body.metadata ?? {}, limit: 0, offset: 0 };
    const filter = await this.access.filter(auth, "assistants", "search", value);
    return this.storage.assistants.count({ graphId: body.graph_id, metadata: body.metadata, name: body.name, filter });
  }

  async versions(
    auth: AuthContext | null,
    idOrGraph: string,
    query: { limit: number; offset: number; metadata?: Metadata },
  ): Promise<AssistantVersion[]> {
    const { record, filter } = await this.access.assistant(auth, idOrGraph, "read");
    return this.storage.assistants.listVersions(record.assistant_id, { ...query, filter });
  }

  async setLatest(auth: AuthContext | null, idOrGraph: string, version: number): Promise<Assistant> {
    const { record, filter } = await this.access.assistant(auth, idOrGraph, "update", { version });
    const updated = await this.storage.assistants.setLatest(record.assistant_id, version, filter);
    if (!updated) throw new AssistantVersionNotFound();
    return updated;
  }

  /** The assistant's graph, built with its config (factories see it), for introspection. */
  private async graphOf(auth: AuthContext | null, idOrGraph: string): Promise<{ assistant: Assistant; graph: RunnableGraph }> {
    const assistant = await this.get(auth, idOrGraph);
    if (!this.graphs.has(assistant.graph_id)) throw new GraphNotFound(assistant.graph_id);
    const graph = await this.graphs.get(assistant.graph_id, assistant.config, {});
    return { assistant, graph };
  }

  async drawGraph(auth: AuthContext | null, idOrGraph: string, xray: boolean | number): Promise<Record<string, unknown>> {
    const { graph } = await this.graphOf(auth, idOrGraph);
    return drawGraph(graph, xray);
  }

  async schemas(auth: AuthContext | null, idOrGraph: string): Promise<GraphSchemas & { graph_id: string }> {
    const { assistant, graph } = await this.graphOf(auth, idOrGraph);
    return { graph_id: assistant.graph_id, ...(await this.graphSchemas.schemas(assistant.graph_id, graph)) };
  }

  async subgraphs(auth: AuthContext | null, idOrGraph: string, namespace: string | undefined, recurse: boolean) {
    const { assistant, graph } = await this.graphOf(auth, idOrGraph);
    return this.graphSchemas.subgraphs(assistant.graph_id, graph, namespace, recurse);
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
