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
import { iso, Params, type Database, type Queryable } from "./database.js";
import { toJsonb } from "./jsonb.js";
import { metadataFilterSql } from "./metadata-filter.js";
import { countWhere, pageWhere } from "./paging.js";
import { deleteOrphanBlobs } from "./checkpoint-blobs.js";

type ThreadStateUpdate = { status: ThreadStatus; values?: unknown; interrupts?: Record<string, unknown[]> };

interface ThreadRow {
  thread_id: string;
  created_at: Date;
  updated_at: Date;
  state_updated_at: Date;
  ttl_strategy: ThreadTtlStrategy | null;
  ttl_minutes: number | null;
  expires_at: Date | null;
  metadata: Metadata;
  status: ThreadStatus;
  config: Record<string, unknown>;
  state_values: unknown;
  interrupts: Record<string, unknown[]> | null;
}

function toThread(row: ThreadRow): Thread {
  const thread: Thread = {
    thread_id: row.thread_id,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
    state_updated_at: iso(row.state_updated_at)!,
    metadata: row.metadata,
    status: row.status,
    config: row.config,
  };
  // As the reference shows them: values and interrupts appear once a run has finished.
  if (row.state_values !== null) thread.values = row.state_values;
  if (row.interrupts !== null) thread.interrupts = row.interrupts;
  return thread;
}

const SORT_COLUMNS = new Set(["thread_id", "status", "created_at", "updated_at", "state_updated_at"]);

/** When a TTL set at `now` runs out. */
function expiryOf(ttl: ThreadTtlSetting, now: Date): Date {
  return new Date(now.getTime() + ttl.minutes * 60_000);
}

/** LangGraph's checkpoint tables, keyed by thread_id like ours. */
export const CHECKPOINT_TABLES = ["checkpoints", "checkpoint_blobs", "checkpoint_writes"] as const;

/** Deletes threads with their runs and checkpoints (no authorization: callers have done it). */
export async function deleteThreadRows(db: Queryable, threadIds: string[]): Promise<number> {
  if (threadIds.length === 0) return 0;
  // One statement (each table in a data-modifying CTE): one round trip, not five.
  const ctes = ["runs", ...CHECKPOINT_TABLES].map((table) => `d_${table} AS (DELETE FROM ${table} WHERE thread_id = ANY($1))`);
  return (await db.query(`WITH ${ctes.join(", ")} DELETE FROM threads WHERE thread_id = ANY($1)`, [threadIds])).rowCount ?? 0;
}

/**
 * Deletes the thread's checkpoints (and writes) but the newest of each namespace (checkpoint ids
 * are time-ordered), and the channel values no checkpoint left refers to.
 */
async function pruneCheckpointRows(db: Queryable, threadId: string): Promise<void> {
  const latest = `(SELECT checkpoint_ns, max(checkpoint_id) FROM checkpoints WHERE thread_id = $1 GROUP BY checkpoint_ns)`;
  await db.query(
    `WITH w AS (DELETE FROM checkpoint_writes WHERE thread_id = $1 AND (checkpoint_ns, checkpoint_id) NOT IN ${latest})
     DELETE FROM checkpoints WHERE thread_id = $1 AND (checkpoint_ns, checkpoint_id) NOT IN ${latest}`,
    [threadId],
  );
  await deleteOrphanBlobs(db, threadId);
}

/**
 * Sets a thread's status, values and interrupts (stored as given, null when absent). What a run
 * leaves on its thread is recorded by agent_server_finish_run (migrations/postgres/0004).
 */
export async function setThreadState(db: Queryable, threadId: string, update: ThreadStateUpdate): Promise<void> {
  const p = new Params();
  const id = p.add(threadId);
  const status = p.add(update.status);
  const values = `${p.add(update.values === undefined ? null : toJsonb(update.values))}::jsonb`;
  const interrupts = `${p.add(update.interrupts === undefined ? null : toJsonb(update.interrupts))}::jsonb`;
  const now = p.add(new Date().toISOString());
  // The state's time moves only when the state does (a status change alone is not one).
  await db.query(
    `UPDATE threads SET status = ${status}, updated_at = ${now},
       state_updated_at = CASE WHEN state_values IS NOT DISTINCT FROM ${values} AND interrupts IS NOT DISTINCT FROM ${interrupts}
         THEN state_updated_at ELSE ${now}::timestamptz END,
       state_values = ${values}, interrupts = ${interrupts}
     WHERE thread_id = ${id}`,
    p.values,
  );
}

export class PostgresThreads implements ThreadRepository {
  constructor(private readonly pool: Database) {}

  private async getWith(db: Queryable, threadId: string, filter?: MetadataFilter): Promise<Thread | null> {
    const p = new Params();
    const id = p.add(threadId);
    const { rows } = await db.query<ThreadRow>(`SELECT * FROM threads WHERE thread_id = ${id} AND ${metadataFilterSql("metadata", filter, p)}`, p.values);
    return rows[0] ? toThread(rows[0]) : null;
  }

  async create(
    thread: { thread_id: string; metadata: Metadata; ttl?: ThreadTtlSetting },
    ifExists: IfExists,
    filter?: MetadataFilter,
  ): Promise<PutResult<Thread>> {
    const now = new Date();
    const { rows } = await this.pool.query<ThreadRow>(
      `INSERT INTO threads (thread_id, created_at, updated_at, state_updated_at, metadata, status, config, ttl_strategy, ttl_minutes, expires_at)
       VALUES ($1, $2, $2, $2, $3::jsonb, 'idle', '{}', $4, $5, $6) ON CONFLICT (thread_id) DO NOTHING RETURNING *`,
      [thread.thread_id, now, toJsonb(thread.metadata), thread.ttl?.strategy ?? null, thread.ttl?.minutes ?? null, thread.ttl ? expiryOf(thread.ttl, now) : null],
    );
    if (rows[0]) return { kind: "created", record: toThread(rows[0]) };
    const existing = await this.getWith(this.pool, thread.thread_id, filter);
    // An existing thread the caller may not see is reported as a conflict, never shown.
    if (ifExists === "raise" || !existing) return { kind: "conflict" };
    return { kind: "existing", record: existing };
  }

  async get(threadId: string, filter?: MetadataFilter): Promise<Thread | null> {
    return this.getWith(this.pool, threadId, filter);
  }

  async update(threadId: string, patch: { metadata?: Metadata; ttl?: ThreadTtlSetting }, filter?: MetadataFilter): Promise<Thread | null> {
    const p = new Params();
    const id = p.add(threadId);
    const now = new Date();
    const ttl = patch.ttl
      ? `, ttl_strategy = ${p.add(patch.ttl.strategy)}, ttl_minutes = ${p.add(patch.ttl.minutes)}, expires_at = ${p.add(expiryOf(patch.ttl, now))}`
      : "";
    const { rows } = await this.pool.query<ThreadRow>(
      `UPDATE threads SET metadata = metadata || ${p.json(patch.metadata ?? {})}, updated_at = ${p.add(now)}${ttl}
       WHERE thread_id = ${id} AND ${metadataFilterSql("metadata", filter, p)} RETURNING *`,
      p.values,
    );
    return rows[0] ? toThread(rows[0]) : null;
  }

  async getTtl(threadId: string): Promise<ThreadTtl | null> {
    const { rows } = await this.pool.query<ThreadRow>(`SELECT ttl_strategy, ttl_minutes, expires_at FROM threads WHERE thread_id = $1`, [threadId]);
    const row = rows[0];
    if (!row?.ttl_strategy || row.expires_at == null) return null;
    return { strategy: row.ttl_strategy, ttl_minutes: row.ttl_minutes!, expires_at: iso(row.expires_at)! };
  }

  async pruneCheckpoints(threadId: string, filter?: MetadataFilter): Promise<boolean> {
    return this.pool.transaction(async (db) => {
      const p = new Params();
      const id = p.add(threadId);
      const { rowCount } = await db.query(`SELECT 1 FROM threads WHERE thread_id = ${id} AND ${metadataFilterSql("metadata", filter, p)} FOR UPDATE`, p.values);
      if (!rowCount) return false;
      await pruneCheckpointRows(db, threadId);
      return true;
    });
  }

  async expired(now: Date, limit: number): Promise<ExpiredThread[]> {
    const { rows } = await this.pool.query<ExpiredThread>(
      `SELECT thread_id, ttl_strategy AS strategy FROM threads WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2`,
      [now, limit],
    );
    return rows;
  }

  async nextExpiry(): Promise<Date | null> {
    const { rows } = await this.pool.query<{ at: Date | null }>(`SELECT min(expires_at) AS at FROM threads`);
    return rows[0]?.at ?? null;
  }

  async sweep(threadId: string, now: Date): Promise<"deleted" | "pruned" | null> {
    return this.pool.transaction(async (db) => {
      // Locked and re-checked: another instance's sweep, or a TTL renewed meanwhile, comes first.
      const { rows } = await db.query<ThreadRow>(`SELECT ttl_strategy, ttl_minutes, expires_at FROM threads WHERE thread_id = $1 FOR UPDATE`, [threadId]);
      const row = rows[0];
      if (!row || row.expires_at == null || row.expires_at > now) return null;
      if (row.ttl_strategy !== "keep_latest") {
        await deleteThreadRows(db, [threadId]);
        return "deleted";
      }
      await pruneCheckpointRows(db, threadId);
      await db.query(`UPDATE threads SET expires_at = $2 WHERE thread_id = $1`, [threadId, expiryOf({ strategy: "keep_latest", minutes: row.ttl_minutes ?? 0 }, now)]);
      return "pruned";
    });
  }

  async setState(threadId: string, update: ThreadStateUpdate): Promise<void> {
    await setThreadState(this.pool, threadId, update);
  }

  async delete(threadId: string, filter?: MetadataFilter): Promise<boolean> {
    return this.pool.transaction(async (db) => {
      const p = new Params();
      const id = p.add(threadId);
      const { rowCount } = await db.query(`SELECT 1 FROM threads WHERE thread_id = ${id} AND ${metadataFilterSql("metadata", filter, p)} FOR UPDATE`, p.values);
      if (!rowCount) return false;
      return (await deleteThreadRows(db, [threadId])) > 0;
    });
  }

  private where(query: Omit<ThreadSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): { sql: string; params: Params } {
    const p = new Params();
    const parts: string[] = [];
    if (query.ids?.length) parts.push(`thread_id = ANY(${p.add(query.ids)})`);
    if (query.status) parts.push(`status = ${p.add(query.status)}`);
    parts.push(metadataFilterSql("metadata", [query.metadata, query.filter], p));
    if (query.values && Object.keys(query.values).length) {
      parts.push(`jsonb_typeof(state_values) = 'object'`, metadataFilterSql("state_values", query.values, p));
    }
    return { sql: parts.join(" AND "), params: p };
  }

  async search(query: ThreadSearchQuery): Promise<Page<Thread>> {
    const { sql, params } = this.where(query);
    return pageWhere(this.pool, "threads", sql, params, { ...query, sortColumns: SORT_COLUMNS }, toThread);
  }

  async count(query: Omit<ThreadSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder" | "ids">): Promise<number> {
    const { sql, params } = this.where(query);
    return countWhere(this.pool, "threads", sql, params);
  }

  async copy(sourceId: string, target: { thread_id: string; metadata: Metadata }): Promise<Thread | null> {
    return this.pool.transaction(async (db) => {
      const now = new Date().toISOString();
      const { rows } = await db.query<ThreadRow>(
        `INSERT INTO threads (thread_id, created_at, updated_at, state_updated_at, metadata, status, config, state_values, interrupts)
         SELECT $1, $2, $2, $2, $3::jsonb, 'idle', config, state_values, interrupts FROM threads WHERE thread_id = $4
         RETURNING *`,
        [target.thread_id, now, toJsonb(target.metadata), sourceId],
      );
      if (!rows[0]) return null;
      await db.query(
        `INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
         SELECT $1, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata FROM checkpoints WHERE thread_id = $2`,
        [target.thread_id, sourceId],
      );
      await db.query(
        `INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
         SELECT $1, checkpoint_ns, channel, version, type, blob FROM checkpoint_blobs WHERE thread_id = $2`,
        [target.thread_id, sourceId],
      );
      await db.query(
        `INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
         SELECT $1, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob FROM checkpoint_writes WHERE thread_id = $2`,
        [target.thread_id, sourceId],
      );
      return toThread(rows[0]);
    });
  }

  async truncate(options: { threads: boolean; runs: boolean; checkpoints: boolean }): Promise<void> {
    await this.pool.transaction(async (db) => {
      if (options.runs || options.threads) await db.query(`DELETE FROM runs`);
      if (options.checkpoints || options.threads) for (const table of CHECKPOINT_TABLES) await db.query(`DELETE FROM ${table}`);
      if (options.threads) await db.query(`DELETE FROM threads`);
    });
  }
}
