/**
 * Threads: the whole threads API. Every call goes through the access guard before storage is
 * touched: a thread hidden by a handler's filter is reported exactly like a missing one (404), an
 * explicit deny is a 403.
 */
import { v7 as uuidv7 } from "uuid";
import type { AccessGuard } from "../auth/access.js";
import type { AuthContext } from "../auth/authenticate.js";
import { BadRequest, CheckpointNotFound, Conflict, ThreadNotFound } from "../errors.js";
import { applyIdentity, threadCheckpointConfig, type CheckpointFields, type ConfigIdentity } from "../graphs/configurable.js";
import { storageBinding, type GraphRegistry, type RunnableGraph } from "../graphs/registry.js";
import { toPlain } from "../graphs/serialize.js";
import type { IfExists, Metadata, Page, Storage, Thread, ThreadSearchQuery, ThreadStatus } from "../storage/types.js";
import { EMPTY_STATE, interruptsOf, toThreadState, type ThreadState } from "./state.js";

/** LangGraph refuses an update it cannot apply (an `as_node` the graph does not have): the caller's mistake. */
async function refusedAsBadRequest<T>(update: Promise<T>): Promise<T> {
  try {
    return await update;
  } catch (err) {
    if ((err as Error)?.name === "InvalidUpdateError") throw new BadRequest((err as Error).message, "invalid_update");
    throw err;
  }
}

export interface ThreadCreateBody {
  thread_id?: string;
  metadata?: Metadata;
  if_exists?: IfExists;
  supersteps?: Array<{ updates: Array<{ values?: unknown; command?: unknown; as_node: string }> }>;
}

export interface ThreadSearchBody {
  metadata?: Metadata;
  ids?: string[];
  status?: ThreadStatus;
  values?: Record<string, unknown>;
  limit: number;
  offset: number;
  sort_by?: ThreadSearchQuery["sortBy"];
  sort_order?: ThreadSearchQuery["sortOrder"];
}

/**
 * A caller's checkpoint reference; only its `checkpoint_*` fields are ever used. The id and map may
 * be null, as the API returns checkpoints (null means none: the namespace's latest).
 */
export type CheckpointRef = { [K in keyof CheckpointFields]?: CheckpointFields[K] | null } & Record<string, unknown>;

/** Stops a thread's in-flight runs (and waits for them) before the thread goes away. */
export type StopThreadRuns = (threadId: string) => Promise<void>;

export class ThreadService {
  constructor(
    private readonly storage: Storage,
    private readonly graphs: GraphRegistry,
    private readonly access: AccessGuard,
    private readonly stopThreadRuns: StopThreadRuns,
  ) {}

  async create(auth: AuthContext | null, body: ThreadCreateBody): Promise<Thread> {
    const value = {
      thread_id: body.thread_id ?? uuidv7(),
      metadata: { ...(body.metadata ?? {}) },
      if_exists: body.if_exists ?? "raise",
    };
    const graphId = value.metadata.graph_id;
    if (body.supersteps?.length && (typeof graphId !== "string" || !this.graphs.has(graphId))) {
      throw new BadRequest(`Thread ${value.thread_id} has no graph ID: set metadata.graph_id to apply supersteps`);
    }
    const filter = await this.access.filter(auth, "threads", "create", value);
    const result = await this.storage.threads.create({ thread_id: value.thread_id, metadata: value.metadata ?? {} }, value.if_exists, filter);
    if (result.kind === "conflict") throw new Conflict(`Thread ${value.thread_id} already exists`, "thread_exists");
    const thread = result.record;
    if (result.kind === "existing" || !body.supersteps?.length) return thread;
    const graph = await this.graphFor(thread, auth);
    await refusedAsBadRequest(
      graph.bulkUpdateState!(
        { configurable: { thread_id: thread.thread_id, checkpoint_ns: "" } },
        body.supersteps.map((s) => ({ updates: s.updates.map((u) => ({ values: u.values, asNode: u.as_node })) })),
      ),
    );
    await this.refreshFromCheckpoint(thread, graph);
    return (await this.storage.threads.get(thread.thread_id))!;
  }

  async get(auth: AuthContext | null, threadId: string): Promise<Thread> {
    return (await this.access.thread(auth, threadId, "read")).record;
  }

  async update(auth: AuthContext | null, threadId: string, body: { metadata?: Metadata }): Promise<Thread> {
    const value = { thread_id: threadId, metadata: { ...(body.metadata ?? {}) } };
    const filter = await this.access.filter(auth, "threads", "update", value);
    const updated = await this.storage.threads.update(threadId, { metadata: value.metadata ?? {} }, filter);
    if (!updated) throw new ThreadNotFound(threadId);
    return updated;
  }

  async delete(auth: AuthContext | null, threadId: string): Promise<void> {
    const { filter } = await this.access.thread(auth, threadId, "delete");
    await this.stopThreadRuns(threadId);
    if (!(await this.storage.threads.delete(threadId, filter))) throw new ThreadNotFound(threadId);
  }

  async search(auth: AuthContext | null, body: ThreadSearchBody): Promise<Page<Thread>> {
    const value = { metadata: body.metadata ?? {}, ids: body.ids, status: body.status, values: body.values, limit: body.limit, offset: body.offset };
    const filter = await this.access.filter(auth, "threads", "search", value);
    return this.storage.threads.search({
      metadata: body.metadata,
      ids: body.ids,
      status: body.status,
      values: body.values,
      limit: body.limit,
      offset: body.offset,
      sortBy: body.sort_by,
      sortOrder: body.sort_order,
      filter,
    });
  }

  async count(auth: AuthContext | null, body: { metadata?: Metadata; status?: ThreadStatus; values?: Record<string, unknown> }): Promise<number> {
    const value = { metadata: body.metadata ?? {}, status: body.status, values: body.values, limit: 0, offset: 0 };
    const filter = await this.access.filter(auth, "threads", "search", value);
    return this.storage.threads.count({ ...body, filter });
  }

  async copy(auth: AuthContext | null, threadId: string): Promise<Thread> {
    const source = await this.get(auth, threadId);
    const newId = uuidv7();
    const value = { thread_id: newId, metadata: { ...source.metadata, thread_id: newId } };
    await this.access.filter(auth, "threads", "create", value);
    const copied = await this.storage.threads.copy(threadId, { thread_id: newId, metadata: value.metadata ?? {} });
    if (!copied) throw new ThreadNotFound(threadId);
    return copied;
  }

  async getState(
    auth: AuthContext | null,
    threadId: string,
    options: { checkpoint?: CheckpointRef; subgraphs?: boolean } = {},
  ): Promise<ThreadState> {
    const thread = await this.get(auth, threadId);
    if (!this.hasGraph(thread)) return EMPTY_STATE;
    const graph = await this.graphFor(thread, auth);
    const snapshot = await graph.getState(threadCheckpointConfig(threadId, options.checkpoint), { subgraphs: options.subgraphs ?? false });
    return toThreadState(snapshot);
  }

  async updateState(
    auth: AuthContext | null,
    threadId: string,
    body: { values?: unknown; as_node?: string; checkpoint_id?: string; checkpoint?: CheckpointRef },
  ): Promise<{ checkpoint: Record<string, unknown> }> {
    const thread = (await this.access.thread(auth, threadId, "update", { values: body.values, as_node: body.as_node })).record;
    if (await this.storage.runs.hasInflight(threadId)) throw new Conflict("Thread is busy", "thread_busy");
    if (!this.hasGraph(thread)) throw new BadRequest(`Thread ${threadId} has no graph ID`);
    const graph = await this.graphFor(thread, auth);
    const checkpoint = { ...(body.checkpoint ?? {}), ...(body.checkpoint_id ? { checkpoint_id: body.checkpoint_id } : {}) };
    const next = await refusedAsBadRequest(graph.updateState(threadCheckpointConfig(threadId, checkpoint), body.values ?? null, body.as_node));
    await this.refreshFromCheckpoint(thread, graph);
    return { checkpoint: (next as { configurable?: Record<string, unknown> }).configurable ?? {} };
  }

  /** Merges metadata into one checkpoint (`PATCH /threads/:id/state`). */
  async patchState(auth: AuthContext | null, threadId: string, body: { checkpoint?: CheckpointRef; checkpoint_id?: string; metadata: Metadata }): Promise<void> {
    await this.access.thread(auth, threadId, "update", { metadata: body.metadata });
    let checkpointId = body.checkpoint_id ?? body.checkpoint?.checkpoint_id;
    const ns = body.checkpoint?.checkpoint_ns ?? "";
    if (!checkpointId) {
      const latest = await this.storage.checkpointer.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: ns } });
      checkpointId = latest?.config.configurable?.checkpoint_id as string | undefined;
    }
    if (!checkpointId || !(await this.storage.patchCheckpointMetadata(threadId, { checkpoint_id: checkpointId, checkpoint_ns: ns }, body.metadata))) {
      throw new CheckpointNotFound(threadId);
    }
  }

  async history(
    auth: AuthContext | null,
    threadId: string,
    query: { limit: number; before?: string | CheckpointRef; metadata?: Metadata; checkpoint?: CheckpointRef },
  ): Promise<ThreadState[]> {
    const thread = await this.get(auth, threadId);
    if (!this.hasGraph(thread)) return [];
    const graph = await this.graphFor(thread, auth);
    const before = typeof query.before === "string" ? { checkpoint_id: query.before } : query.before;
    const states: ThreadState[] = [];
    for await (const snapshot of graph.getStateHistory(threadCheckpointConfig(threadId, query.checkpoint), {
      limit: query.limit,
      ...(before?.checkpoint_id ? { before: threadCheckpointConfig(threadId, before) } : {}),
      ...(query.metadata && Object.keys(query.metadata).length ? { filter: query.metadata } : {}),
    })) {
      states.push(toThreadState(snapshot));
    }
    return states;
  }

  private hasGraph(thread: Thread): boolean {
    const graphId = thread.metadata.graph_id;
    return typeof graphId === "string" && this.graphs.has(graphId);
  }

  /**
   * The thread's graph. A factory is built as for the thread's last run: with the configurable the
   * run kept on the thread (see RunService.create), then the server's keys, the caller's identity.
   */
  private async graphFor(thread: Thread, auth: AuthContext | null): Promise<RunnableGraph> {
    const { graph_id, assistant_id } = thread.metadata;
    const config = thread.config as { configurable?: Record<string, unknown> };
    const configurable = { ...config.configurable, thread_id: thread.thread_id, graph_id, ...(assistant_id ? { assistant_id } : {}) };
    applyIdentity(configurable, auth as ConfigIdentity | null);
    return this.graphs.get(graph_id as string, { ...config, configurable }, storageBinding(this.storage));
  }

  /** After a direct state edit, the thread shows the new values (and interrupts) like after a run. */
  private async refreshFromCheckpoint(thread: Thread, graph: RunnableGraph): Promise<void> {
    const state = toThreadState(await graph.getState(threadCheckpointConfig(thread.thread_id)));
    await this.storage.threads.setState(thread.thread_id, {
      status: state.next.length ? "interrupted" : "idle",
      values: toPlain(state.values),
      interrupts: interruptsOf(state),
    });
  }
}
