/**
 * The access guard: the service layer's one "authorize, then load with the filter, or 404".
 *
 * Every service asks here before it touches a record. The user's handler for
 * `resource:action` runs first (it may deny with a 403, or return a filter); the record is then
 * loaded through that filter, so a record the filter hides is answered exactly like a missing
 * one (404, same message and code): another user's resource never reveals that it exists.
 * Creates and searches, which load nothing, take the filter from `filter()` and hand it to
 * storage.
 *
 * Assistants made from langgraph.json graphs (system assistants) are the graphs themselves:
 * anyone whose run authorization passes may run them, whatever the `assistants:read` filter says
 * (the tutorial's catch-all owner filter would otherwise hide "agent" from everybody). An
 * assistant a user created stays behind its `assistants:read` filter, for runs as for reads.
 */
import { AssistantNotFound, CronNotFound, ThreadNotFound } from "../errors.js";
import { systemAssistantId, type GraphRegistry } from "../graphs/registry.js";
import { matchesFilter } from "../storage/metadata-filter.js";
import type { Assistant, Cron, MetadataFilter, Storage, Thread } from "../storage/types.js";
import type { AuthContext } from "./authenticate.js";
import type { AuthResource, Authorizer } from "./authorize.js";

/** A record the caller may act on, and the filter the handler returned (for a follow-up write). */
export interface Granted<T> {
  record: T;
  filter: MetadataFilter | undefined;
}

export class AccessGuard {
  constructor(
    private readonly storage: Storage,
    private readonly authorizer: Authorizer,
    private readonly graphs: GraphRegistry,
  ) {}

  /** Runs the handler for `resource:action`; returns its filter (undefined: no restriction). */
  filter(auth: AuthContext | null, resource: AuthResource, action: string, value: Record<string, unknown>): Promise<MetadataFilter | undefined> {
    // Store events carry what the store has: namespace, key, value (no metadata).
    return this.authorizer.authorize(auth, resource, action, resource === "store" ? value : withMetadata(value));
  }

  /** The thread, if `threads:<action>` lets the caller see it; else ThreadNotFound. */
  async thread(auth: AuthContext | null, threadId: string, action: string, value: Record<string, unknown> = {}): Promise<Granted<Thread>> {
    const filter = await this.authorizer.authorize(auth, "threads", action, withMetadata({ ...value, thread_id: threadId }));
    const record = await this.storage.threads.get(threadId, filter);
    if (!record) throw new ThreadNotFound(threadId);
    return { record, filter };
  }

  /** The assistant (an id, or a graph id for its system assistant) behind `assistants:<action>`. */
  async assistant(auth: AuthContext | null, idOrGraph: string, action: string, value: Record<string, unknown> = {}): Promise<Granted<Assistant>> {
    const assistantId = this.graphs.resolveAssistantId(idOrGraph);
    const filter = await this.authorizer.authorize(auth, "assistants", action, withMetadata({ ...value, assistant_id: assistantId }));
    const record = await this.storage.assistants.get(assistantId, filter);
    if (!record) throw new AssistantNotFound();
    return { record, filter };
  }

  /**
   * The assistant a run (or a cron) will execute. A system assistant needs no `assistants:read`
   * (the run's own authorization decides); any other is read through the caller's filter.
   */
  async runnableAssistant(auth: AuthContext | null, idOrGraph: string): Promise<Assistant> {
    const assistantId = this.graphs.resolveAssistantId(idOrGraph);
    const assistant = await this.storage.assistants.get(assistantId);
    if (assistant && isSystemAssistant(assistant)) return assistant;
    const filter = await this.authorizer.authorize(auth, "assistants", "read", withMetadata({ assistant_id: assistantId }));
    if (!assistant || !matchesFilter(assistant.metadata, filter)) throw new AssistantNotFound();
    return assistant;
  }

  /** The cron behind `crons:<action>`; else CronNotFound. */
  async cron(auth: AuthContext | null, cronId: string, action: string, value: Record<string, unknown> = {}): Promise<Granted<Cron>> {
    const filter = await this.authorizer.authorize(auth, "crons", action, withMetadata({ ...value, cron_id: cronId }));
    const record = await this.storage.crons.get(cronId, filter);
    if (!record) throw new CronNotFound();
    return { record, filter };
  }
}

/**
 * Every thread, assistant and cron event carries a `metadata` object, as in LangGraph's Python
 * server: a handler ported literally (`value.metadata.owner = user.identity`) works on every
 * event, reads and deletes included (a stamp on an event that stores nothing is ignored).
 */
function withMetadata<T extends Record<string, unknown>>(value: T): T & { metadata: Record<string, unknown> } {
  if (value.metadata && typeof value.metadata === "object") return value as T & { metadata: Record<string, unknown> };
  return Object.assign(value, { metadata: {} });
}

/** One of the assistants the server made from langgraph.json (not a look-alike a user created). */
export function isSystemAssistant(assistant: Assistant): boolean {
  return assistant.metadata.created_by === "system" && assistant.assistant_id === systemAssistantId(assistant.graph_id);
}
