import type {
  ExpiredThread,
  IfExists,
  Metadata,
  MetadataFilter,
  Page,
  PutResult,
  Thread,
  ThreadRepository,
  ThreadSearchQuery,
  ThreadStatus,
  ThreadTtl,
  ThreadTtlSetting,
  ThreadTtlStrategy,
} from "../types.js";
import type { Db } from "./database.js";
import type { GroupCommit } from "./group-commit.js";
import { fromJson, toJson } from "./json-columns.js";
import { countWhere, pageWhere } from "./paging.js";
import { indexable, isOperator, metadataFilterSql, type MetadataIndex, type SqlCondition } from "./metadata-filter.js";

type ThreadStateUpdate = { status: ThreadStatus; values?: unknown; interrupts?: Record<string, unknown[]> };

export interface ThreadRow {
  thread_id: string;
  created_at: string;
  updated_at: string;
  state_updated_at: string;
  metadata: string;
  status: ThreadStatus;
  config: string;
  state_values: string | null;
  interrupts: string | null;
  ttl_strategy: ThreadTtlStrategy | null;
  ttl_minutes: number | null;
  expires_at: string | null;
}

export function toThread(row: ThreadRow): Thread {
  const thread: Thread = {
    thread_id: row.thread_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    state_updated_at: row.state_updated_at,
    metadata: fromJson(row.metadata),
    status: row.status,
    config: fromJson(row.config),
  };
  // As the reference shows them: values and interrupts appear once a run has finished.
  if (row.state_values != null) thread.values = fromJson(row.state_values);
  if (row.interrupts != null) thread.interrupts = fromJson(row.interrupts);
  return thread;
}

const META_INDEX: MetadataIndex = { table: "thread_meta", idColumn: "thread_id", ownerColumn: "threads.thread_id" };
const SORT_COLUMNS = new Set(["thread_id", "status", "created_at", "updated_at", "state_updated_at"]);
/** Tables holding a thread's rows, deleted with it. */
const THREAD_TABLES = ["runs", "checkpoints", "writes"] as const;

/** When a TTL set at `now` runs out. */
function expiryOf(ttl: ThreadTtlSetting, now: string): string {
  return new Date(Date.parse(now) + ttl.minutes * 60_000).toISOString();
}

export class SqliteThreads implements ThreadRepository {
  private readonly insert;
  private readonly byId;
  private readonly exists;
  private readonly updateState;

  constructor(
    private readonly db: Db,
    private readonly group: GroupCommit,
  ) {
    this.insert = db.prepare(
      `INSERT INTO threads (thread_id, created_at, updated_at, state_updated_at, metadata, status, config, state_values, interrupts, ttl_strategy, ttl_minutes, expires_at)
       VALUES (@thread_id, @created_at, @updated_at, @state_updated_at, @metadata, @status, @config, @state_values, @interrupts, @ttl_strategy, @ttl_minutes, @expires_at)
       ON CONFLICT(thread_id) DO NOTHING`,
    );
    this.byId = db.prepare<[string], ThreadRow>(`SELECT * FROM threads WHERE thread_id = ?`);
    this.exists = db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM threads WHERE thread_id = ?`);
    // The state's time moves only when the state does (a status change alone is not one).
    this.updateState = db.prepare(
      `UPDATE threads SET status = @status, updated_at = @now,
         state_updated_at = CASE WHEN state_values IS @values AND interrupts IS @interrupts THEN state_updated_at ELSE @now END,
         state_values = @values, interrupts = @interrupts
       WHERE thread_id = @id`,
    );
  }

  /** Synchronous core, shared with the run repository's transaction. */
  /** Inserts the thread unless its id exists; answers the row written (null: the id exists). */
  createSync(thread: { thread_id: string; metadata: Metadata; ttl?: ThreadTtlSetting }, now: string): ThreadRow | null {
    const row: ThreadRow = {
      thread_id: thread.thread_id,
      created_at: now,
      updated_at: now,
      state_updated_at: now,
      metadata: toJson(thread.metadata),
      status: "idle",
      config: "{}",
      state_values: null,
      interrupts: null,
      ttl_strategy: thread.ttl?.strategy ?? null,
      ttl_minutes: thread.ttl?.minutes ?? null,
      expires_at: thread.ttl ? expiryOf(thread.ttl, now) : null,
    };
    return this.insert.run(row).changes > 0 ? row : null;
  }

  getSync(threadId: string, filter?: MetadataFilter): Thread | null {
    if (!filter || Object.keys(filter).length === 0) {
      const row = this.byId.get(threadId);
      return row ? toThread(row) : null;
    }
    const cond = metadataFilterSql("metadata", filter);
    const row = this.db
      .prepare<unknown[], ThreadRow>(`SELECT * FROM threads WHERE thread_id = ? AND ${cond.sql}`)
      .get(threadId, ...cond.params);
    return row ? toThread(row) : null;
  }

  async create(
    thread: { thread_id: string; metadata: Metadata; ttl?: ThreadTtlSetting },
    ifExists: IfExists,
    filter?: MetadataFilter,
  ): Promise<PutResult<Thread>> {
    return this.group.write((): PutResult<Thread> => {
      // The new thread is what was written: no need to read it back.
      const created = this.createSync(thread, new Date().toISOString());
      if (created) return { kind: "created", record: toThread(created) };
      const existing = this.getSync(thread.thread_id, filter);
      // An existing thread the caller may not see is reported as a conflict, never shown.
      if (ifExists === "raise" || !existing) return { kind: "conflict" };
      return { kind: "existing", record: existing };
    });
  }

  async get(threadId: string, filter?: MetadataFilter): Promise<Thread | null> {
    return this.getSync(threadId, filter);
  }

  async update(threadId: string, patch: { metadata?: Metadata; ttl?: ThreadTtlSetting }, filter?: MetadataFilter): Promise<Thread | null> {
    return this.group.write(() => {
      const current = this.getSync(threadId, filter);
      if (!current) return null;
      const now = new Date().toISOString();
      this.db
        .prepare(`UPDATE threads SET metadata = ?, updated_at = ? WHERE thread_id = ?`)
        .run(toJson({ ...current.metadata, ...patch.metadata }), now, threadId);
      if (patch.ttl) {
        this.db
          .prepare(`UPDATE threads SET ttl_strategy = ?, ttl_minutes = ?, expires_at = ? WHERE thread_id = ?`)
          .run(patch.ttl.strategy, patch.ttl.minutes, expiryOf(patch.ttl, now), threadId);
      }
      return this.getSync(threadId);
    });
  }

  async getTtl(threadId: string): Promise<ThreadTtl | null> {
    const row = this.byId.get(threadId);
    if (!row?.ttl_strategy || row.expires_at == null) return null;
    return { strategy: row.ttl_strategy, ttl_minutes: row.ttl_minutes!, expires_at: row.expires_at };
  }

  async setState(threadId: string, update: ThreadStateUpdate): Promise<void> {
    return this.group.write(() => this.setStateSync(threadId, update));
  }

  /** Synchronous core, shared with the run repository's transaction. */
  setStateSync(threadId: string, update: ThreadStateUpdate): void {
    this.updateState.run({
      status: update.status,
      values: update.values === undefined ? null : toJson(update.values),
      interrupts: update.interrupts === undefined ? null : toJson(update.interrupts),
      now: new Date().toISOString(),
      id: threadId,
    });
  }

  async delete(threadId: string, filter?: MetadataFilter): Promise<boolean> {
    return this.group.write(() => {
      if (filter && Object.keys(filter).length > 0 && !this.getSync(threadId, filter)) return false;
      return this.deleteSync(threadId);
    });
  }

  /** Deletes the thread and its runs and checkpoints (no authorization: callers have done it). */
  deleteSync(threadId: string): boolean {
    for (const table of THREAD_TABLES) this.db.prepare(`DELETE FROM ${table} WHERE thread_id = ?`).run(threadId);
    return this.db.prepare(`DELETE FROM threads WHERE thread_id = ?`).run(threadId).changes > 0;
  }

  async pruneCheckpoints(threadId: string, filter?: MetadataFilter): Promise<boolean> {
    return this.group.write(() => {
      if (!this.getSync(threadId, filter)) return false;
      this.pruneCheckpointsSync(threadId);
      return true;
    });
  }

  /** Checkpoint ids are time-ordered: the newest of each namespace is its greatest id. */
  private pruneCheckpointsSync(threadId: string): void {
    const latest = `(SELECT checkpoint_ns, max(checkpoint_id) FROM checkpoints WHERE thread_id = @id GROUP BY checkpoint_ns)`;
    for (const table of ["writes", "checkpoints"]) {
      this.db.prepare(`DELETE FROM ${table} WHERE thread_id = @id AND (checkpoint_ns, checkpoint_id) NOT IN ${latest}`).run({ id: threadId });
    }
  }

  async expired(now: Date, limit: number): Promise<ExpiredThread[]> {
    return this.db
      .prepare<[string, number], ExpiredThread>(
        `SELECT thread_id, ttl_strategy AS strategy FROM threads WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`,
      )
      .all(now.toISOString(), limit);
  }

  async nextExpiry(): Promise<Date | null> {
    const row = this.db.prepare<[], { at: string | null }>(`SELECT min(expires_at) AS at FROM threads`).get();
    return row?.at ? new Date(row.at) : null;
  }

  async sweep(threadId: string, now: Date): Promise<"deleted" | "pruned" | null> {
    const stamp = now.toISOString();
    return this.group.write(() => {
      const row = this.byId.get(threadId);
      if (!row || row.expires_at == null || row.expires_at > stamp) return null;
      if (row.ttl_strategy !== "keep_latest") {
        this.deleteSync(threadId);
        return "deleted";
      }
      this.pruneCheckpointsSync(threadId);
      const next = expiryOf({ strategy: "keep_latest", minutes: row.ttl_minutes ?? 0 }, stamp);
      this.db.prepare(`UPDATE threads SET expires_at = ? WHERE thread_id = ?`).run(next, threadId);
      return "pruned";
    });
  }

  /** Whether the thread exists, without reading it. */
  existsSync(threadId: string): boolean {
    return this.exists.get(threadId) !== undefined;
  }

  private where(query: Omit<ThreadSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): SqlCondition {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (query.ids?.length) {
      parts.push(`threads.thread_id IN (${query.ids.map(() => "?").join(",")})`);
      params.push(...query.ids);
    }
    if (query.status) {
      parts.push("status = ?");
      params.push(query.status);
    }
    const conds = [
      metadataFilterSql("metadata", this.bySelectivity([query.metadata, query.filter]), META_INDEX),
      ...(query.values && Object.keys(query.values).length
        ? [{ sql: `state_values IS NOT NULL AND json_type(state_values) = 'object'`, params: [] }, metadataFilterSql("state_values", query.values)]
        : []),
    ];
    for (const c of conds) {
      parts.push(c.sql);
      params.push(...c.params);
    }
    return { sql: parts.join(" AND ") || "1", params };
  }

  /**
   * Splits the filters into one-key filters, most selective first (a bounded count on the
   * metadata index per key), so the nested index lookup starts from the smallest set.
   */
  private bySelectivity(filters: Array<MetadataFilter | undefined>): MetadataFilter[] {
    const entries = filters.flatMap((f) => Object.entries(f ?? {}));
    if (entries.length < 2) return entries.map(([k, v]) => ({ [k]: v }));
    const probe = this.db.prepare<[string, string], { n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM thread_meta WHERE key = ? AND value = ? LIMIT 200)`,
    );
    const cost = ([key, expected]: [string, unknown]) => {
      const value = isOperator(expected, "$eq") ? expected.$eq : expected;
      return !isOperator(expected, "$contains") && indexable(value) ? probe.get(key, JSON.stringify(value))!.n : Infinity;
    };
    return entries
      .map((e) => ({ e, c: cost(e) }))
      .sort((a, b) => a.c - b.c)
      .map(({ e: [k, v] }) => ({ [k]: v }));
  }

  async search(query: ThreadSearchQuery): Promise<Page<Thread>> {
    return pageWhere(this.db, "threads", this.where(query), { ...query, sortColumns: SORT_COLUMNS }, toThread);
  }

  async count(query: Omit<ThreadSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder" | "ids">): Promise<number> {
    return countWhere(this.db, "threads", this.where(query));
  }

  async copy(sourceId: string, target: { thread_id: string; metadata: Metadata }): Promise<Thread | null> {
    return this.group.write(() => {
      const source = this.getSync(sourceId);
      if (!source) return null;
      const now = new Date().toISOString();
      this.db
        .prepare(
          `INSERT INTO threads (thread_id, created_at, updated_at, state_updated_at, metadata, status, config, state_values, interrupts)
           SELECT ?, ?, ?, ?, ?, 'idle', config, state_values, interrupts FROM threads WHERE thread_id = ?`,
        )
        .run(target.thread_id, now, now, now, toJson(target.metadata), sourceId);
      this.db
        .prepare(
          `INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
           SELECT ?, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata FROM checkpoints WHERE thread_id = ?`,
        )
        .run(target.thread_id, sourceId);
      this.db
        .prepare(
          `INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value)
           SELECT ?, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value FROM writes WHERE thread_id = ?`,
        )
        .run(target.thread_id, sourceId);
      return this.getSync(target.thread_id);
    });
  }

  async truncate(options: { threads: boolean; runs: boolean; checkpoints: boolean }): Promise<void> {
    return this.group.write(() => {
      if (options.runs || options.threads) this.db.prepare(`DELETE FROM runs`).run();
      if (options.checkpoints || options.threads) {
        this.db.prepare(`DELETE FROM checkpoints`).run();
        this.db.prepare(`DELETE FROM writes`).run();
      }
      if (options.threads) this.db.prepare(`DELETE FROM threads`).run();
    });
  }
}
