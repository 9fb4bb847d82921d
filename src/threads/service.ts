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
import type {
  IfExists,
  Metadata,
  MetadataFilter,
  Page,
  Storage,
  Thread,
  ThreadSearchQuery,
  ThreadStatus,
  ThreadTtl,
  ThreadTtlSetting,
  ThreadTtlStrategy,
} from "../storage/types.js";
import { extractFrom, parseExtract } from "./extract.js";
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

/** A thread's `ttl` as the API takes it: minutes (strategy `delete`), or `{ttl, strategy}`. */
export type TtlBody = number | { ttl: number; strategy?: ThreadTtlStrategy };

function ttlSetting(ttl: TtlBody | undefined): ThreadTtlSetting | undefined {
  if (ttl === undefined) return undefined;
  return typeof ttl === "number" ? { strategy: "delete", minutes: ttl } : { strategy: ttl.strategy ?? "delete", minutes: ttl.ttl };
}

export interface ThreadCreateBody {
  thread_id?: string;
  metadata?: Metadata;
  if_exists?: IfExists;
  supersteps?: Array<{ updates: Array<{ values?: unknown; command?: unknown; as_node: string }> }>;
  ttl?: TtlBody;
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
  /** Values to pick out of each thread, by alias (see extract.ts); returned as `extracted`. */
  extract?: Record<string, string>;
}

/** A thread as a search returns it: with `extracted` when the search asked for values. */
export type SearchedThread = Thread & { extracted?: Record<string, unknown> };

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
    /** Told when a thread's time-to-live is set, so the sweeper can wake for it. */
    private readonly ttlSet: () => void = () => {},
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
    const ttl = ttlSetting(body.ttl);
    const result = await this.storage.threads.create({ thread_id: value.thread_id, metadata: value.metadata ?? {}, ttl }, value.if_exists, filter);
    if (result.kind === "conflict") throw new Conflict(`Thread ${value.thread_id} already exists`, "thread_exists");
    if (result.kind === "created" && ttl) this.ttlSet();
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

  /** The thread; `include: ["ttl"]` adds its time-to-live when it has one. */
  async get(auth: AuthContext | null, threadId: string, options: { include?: string[] } = {}): Promise<Thread & { ttl?: ThreadTtl }> {
    const thread = (await this.access.thread(auth, threadId, "read")).record;
    if (!options.include?.includes("ttl")) return thread;
    const ttl = await this.storage.threads.getTtl(threadId);
    return ttl ? { ...thread, ttl } : thread;
  }

  async update(auth: AuthContext | null, threadId: string, body: { metadata?: Metadata; ttl?: TtlBody }): Promise<Thread> {
    const value = { thread_id: threadId, metadata: { ...(body.metadata ?? {}) } };
    const filter = await this.access.filter(auth, "threads", "update", value);
    const ttl = ttlSetting(body.ttl);
    const updated = await this.storage.threads.update(threadId, { metadata: value.metadata ?? {}, ttl }, filter);
    if (!updated) throw new ThreadNotFound(threadId);
    if (ttl) this.ttlSet();
    return updated;
  }

  async delete(auth: AuthContext | null, threadId: string): Promise<void> {
    const { filter } = await this.access.thread(auth, threadId, "delete");
    if (!(await this.deleteGranted(threadId, filter))) throw new ThreadNotFound(threadId);
  }

  /** A delete the caller is authorized for: the thread's running runs are stopped first. */
  private async deleteGranted(threadId: string, filter: MetadataFilter | undefined): Promise<boolean> {
    await this.stopThreadRuns(threadId);
    return this.storage.threads.delete(threadId, filter);
  }

  /**
   * `POST /threads/prune`: `delete` deletes each thread (authorized as `threads:delete`),
   * `keep_latest` keeps only its latest checkpoints (authorized as `threads:update`). Every
   * thread is authorized before any is touched, so a refusal (403) leaves them all as they were;
   * threads missing or hidden from the caller are skipped. Returns how many were pruned.
   */
  async prune(auth: AuthContext | null, body: { thread_ids: string[]; strategy?: ThreadTtlStrategy }): Promise<{ pruned_count: number }> {
    const strategy = body.strategy ?? "delete";
    const granted: Array<{ threadId: string; filter: MetadataFilter | undefined }> = [];
    for (const threadId of new Set(body.thread_ids)) {
      try {
        const { filter } = await this.access.thread(auth, threadId, strategy === "delete" ? "delete" : "update", { strategy });
        granted.push({ threadId, filter });
      } catch (err) {
        if (!(err instanceof ThreadNotFound)) throw err;
      }
    }
    let pruned = 0;
    for (const { threadId, filter } of granted) {
      const done = strategy === "delete" ? await this.deleteGranted(threadId, filter) : await this.storage.threads.pruneCheckpoints(threadId, filter);
      if (done) pruned++;
    }
    return { pruned_count: pruned };
  }

  async search(auth: AuthContext | null, body: ThreadSearchBody): Promise<Page<SearchedThread>> {
    const extract = body.extract && Object.keys(body.extract).length ? parseExtract(body.extract) : undefined;
    const value = { metadata: body.metadata ?? {}, ids: body.ids, status: body.status, values: body.values, limit: body.limit, offset: body.offset };
    const filter = await this.access.filter(auth, "threads", "search", value);
    const page = await this.storage.threads.search({
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
    if (!extract) return page;
    return { ...page, items: page.items.map((thread) => ({ ...thread, extracted: extractFrom(thread, extract) })) };
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
