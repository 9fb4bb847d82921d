import type { CancelAction, ClaimedRun, CreateRunInput, CreateRunResult, Run, RunInternal, RunOutcome, RunRepository, RunStatus } from "../types.js";
import { iso, Params, type Database } from "./database.js";
import { toJsonb } from "./jsonb.js";
import { metadataFilterSql } from "./metadata-filter.js";
import { channelName } from "./notifications.js";
import { CHECKPOINT_TABLES, setThreadState } from "./threads.js";

interface RunRow {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  status: RunStatus;
  metadata: Run["metadata"];
  kwargs: Run["kwargs"];
  multitask_strategy: Run["multitask_strategy"];
  created_at: Date;
  updated_at: Date;
  attempt: number;
  auth: RunInternal["auth"];
  cancel_action: CancelAction | null;
}

function toRun(row: RunRow): Run {
  return {
    run_id: row.run_id,
    thread_id: row.thread_id,
    assistant_id: row.assistant_id,
    status: row.status,
    metadata: row.metadata,
    kwargs: row.kwargs,
    multitask_strategy: row.multitask_strategy,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

function claimed(row: RunRow): ClaimedRun {
  return { ...toRun(row), attempt: row.attempt, internal: { attempt: row.attempt, auth: row.auth }, cancel: row.cancel_action };
}

/** Postgres's unique_violation: a second running run on a thread (runs_one_running_per_thread). */
const UNIQUE_VIOLATION = "23505";
const INFLIGHT = `status IN ('pending', 'running')`;
const RUNS_CHANNEL = channelName("runs");
/** Tells readers on every instance that the run ended (its row's `run_id`), as the statement commits. */
const NOTIFY_ENDED = `pg_notify('${channelName("events")}', run_id) AS ended`;

export class PostgresRuns implements RunRepository {
  constructor(private readonly pool: Database) {}

  async create(input: CreateRunInput): Promise<CreateRunResult> {
    const { internal } = input;
    const calledAt = Date.now();
    return this.pool.transaction(async (db): Promise<CreateRunResult> => {
      let run = input.run;
      const now = run.created_at;
      const created = input.createThreadWith
        ? await db.query(
            `INSERT INTO threads (thread_id, created_at, updated_at, state_updated_at, metadata, status, config)
             VALUES ($1, $2, $2, $2, $3::jsonb, 'idle', '{}') ON CONFLICT (thread_id) DO NOTHING`,
            [run.thread_id, now, toJsonb(input.createThreadWith)],
          )
        : undefined;
      // The thread's row lock orders run creations on one thread, across every instance: the
      // in-flight runs read next are exactly those committed before us. A thread that existed
      // and the caller's filter hides is missing, as far as this caller can tell.
      const p = new Params();
      const id = p.add(run.thread_id);
      const visible = created?.rowCount ? "TRUE" : metadataFilterSql("metadata", input.threadFilter, p);
      const locked = await db.query(`SELECT 1 FROM threads WHERE thread_id = ${id} AND ${visible} FOR UPDATE`, p.values);
      if (!locked.rowCount) return { kind: "thread_missing" };
      const inflight = (await db.query<RunRow>(`SELECT * FROM runs WHERE thread_id = $1 AND ${INFLIGHT} ORDER BY created_at, seq`, [run.thread_id])).rows.map(toRun);
      if (run.multitask_strategy === "reject" && inflight.length > 0) return { kind: "busy", inflight };
      // Creations on one thread are ordered by its lock, which concurrent requests (on any
      // instance) may reach in another order than they read the clock. A run admitted after
      // another sorts after it ("the latest run" is the one that saw the others in flight):
      // stamped just after the latest in-flight run that is not delayed, if that one is later.
      const latest = Math.max(...inflight.map((r) => Date.parse(r.created_at)).filter((t) => t <= calledAt + 1_000));
      if (latest >= Date.parse(run.created_at)) {
        const createdAt = new Date(latest + 1).toISOString();
        run = { ...run, created_at: createdAt, updated_at: createdAt };
      }
      // The insert, the thread's update and the signal to every instance that there is a run to
      // claim (sent as the transaction commits), in one statement.
      await db.query(
        `WITH inserted AS (
           INSERT INTO runs (run_id, thread_id, assistant_id, status, metadata, kwargs, multitask_strategy, created_at, updated_at, due_at, attempt, auth)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $8, $10, $11::jsonb))
         UPDATE threads SET status = 'busy', metadata = metadata || $12::jsonb, config = $13::jsonb, updated_at = $8 WHERE thread_id = $2
         RETURNING pg_notify($14, $15)`,
        [
          run.run_id,
          run.thread_id,
          run.assistant_id,
          run.status,
          toJsonb(run.metadata),
          toJsonb(run.kwargs),
          run.multitask_strategy,
          run.created_at,
          run.updated_at,
          internal.attempt,
          internal.auth ? toJsonb(internal.auth) : null,
          toJsonb(input.threadMetadata),
          toJsonb(input.threadConfig),
          RUNS_CHANNEL,
          run.created_at,
        ],
      );
      return { kind: "created", run, inflight };
    });
  }

  async get(runId: string, threadId?: string): Promise<Run | null> {
    const { rows } = await this.pool.query<RunRow>(`SELECT * FROM runs WHERE run_id = $1`, [runId]);
    const row = rows[0];
    if (!row || (threadId !== undefined && row.thread_id !== threadId)) return null;
    return toRun(row);
  }

  async getInternal(runId: string): Promise<RunInternal | null> {
    const { rows } = await this.pool.query<RunRow>(`SELECT attempt, auth FROM runs WHERE run_id = $1`, [runId]);
    return rows[0] ? { attempt: rows[0].attempt, auth: rows[0].auth } : null;
  }

  async listByThread(threadId: string, query: { limit: number; offset: number; status?: RunStatus }): Promise<Run[]> {
    const { rows } = await this.pool.query<RunRow>(
      `SELECT * FROM runs WHERE thread_id = $1 AND ($2::text IS NULL OR status = $2)
       ORDER BY created_at DESC, seq DESC LIMIT $3 OFFSET $4`,
      [threadId, query.status ?? null, query.limit, query.offset],
    );
    return rows.map(toRun);
  }

  async claimNext(owner: string, now: Date, leaseMs: number): Promise<ClaimedRun | null> {
    // One statement. First a run whose owner went silent (it has waited longest), else the
    // oldest due run whose thread runs nothing; each locked so that concurrent claimers (any
    // instance) skip it. COALESCE looks for the second only when there is no first. Two claimers
    // taking two runs of one thread at once: the unique index refuses the second, which tries
    // again and finds the thread busy.
    for (let tries = 0; ; tries++) {
      try {
        const { rows } = await this.pool.query<RunRow>(
          `UPDATE runs SET status = 'running', attempt = attempt + 1, owner = $2, lease_expires_at = $3, updated_at = $1
           WHERE run_id = COALESCE(
             (SELECT run_id FROM runs WHERE status = 'running' AND lease_expires_at < $1
              ORDER BY lease_expires_at LIMIT 1 FOR UPDATE SKIP LOCKED),
             (SELECT r.run_id FROM runs r
              WHERE r.status = 'pending' AND r.due_at <= $1
                AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.thread_id = r.thread_id AND o.status = 'running')
              ORDER BY r.due_at, r.seq LIMIT 1 FOR UPDATE SKIP LOCKED))
             AND (status = 'pending' OR lease_expires_at < $1)
           RETURNING *`,
          [now, owner, new Date(now.getTime() + leaseMs)],
        );
        return rows[0] ? claimed(rows[0]) : null;
      } catch (err) {
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION || tries >= 10) throw err;
      }
    }
  }

  async renewLeases(owner: string, runIds: string[], now: Date, leaseMs: number): Promise<Array<{ runId: string; cancel: CancelAction | null }>> {
    if (runIds.length === 0) return [];
    const { rows } = await this.pool.query<{ run_id: string; cancel_action: CancelAction | null }>(
      `UPDATE runs SET lease_expires_at = $3 WHERE run_id = ANY($1) AND owner = $2 AND status = 'running' RETURNING run_id, cancel_action`,
      [runIds, owner, new Date(now.getTime() + leaseMs)],
    );
    return rows.map((r) => ({ runId: r.run_id, cancel: r.cancel_action }));
  }

  async finish(outcome: RunOutcome): Promise<boolean> {
    const fence = `run_id = $1 AND owner = $2 AND status = 'running'`;
    if (outcome.thread === "delete") {
      // A stateless run's thread goes with it: one statement, every part of it conditional on
      // the run still being this owner's.
      const held = `EXISTS (SELECT 1 FROM fenced)`;
      const ctes = ["runs", ...CHECKPOINT_TABLES, "threads"].map((table) => `d_${table} AS (DELETE FROM ${table} WHERE thread_id = $3 AND ${held})`);
      const { rowCount } = await this.pool.query(
        `WITH fenced AS (SELECT run_id FROM runs WHERE ${fence} FOR UPDATE), ${ctes.join(", ")}
         SELECT ${NOTIFY_ENDED} FROM fenced`,
        [outcome.runId, outcome.owner, outcome.threadId],
      );
      return (rowCount ?? 0) > 0;
    }
    const thread = outcome.thread;
    return this.pool.transaction(async (db) => {
      // The thread first: run creation locks it too, so "are other runs in flight" is read after
      // any creation that got there first has committed.
      await db.query(`SELECT 1 FROM threads WHERE thread_id = $1 FOR UPDATE`, [outcome.threadId]);
      const { rowCount } =
        outcome.status === "deleted"
          ? await db.query(`DELETE FROM runs WHERE ${fence} RETURNING ${NOTIFY_ENDED}`, [outcome.runId, outcome.owner])
          : await db.query(`UPDATE runs SET status = $3, owner = NULL, lease_expires_at = NULL, updated_at = $4 WHERE ${fence} RETURNING ${NOTIFY_ENDED}`, [
              outcome.runId,
              outcome.owner,
              outcome.status,
              new Date().toISOString(),
            ]);
      if (!rowCount) return false;
      await setThreadState(db, outcome.threadId, thread, outcome.runId);
      return true;
    });
  }

  async release(owner: string, runIds: string[]): Promise<string[]> {
    if (runIds.length === 0) return [];
    const { rows } = await this.pool.query<{ run_id: string }>(
      `UPDATE runs SET status = 'pending', owner = NULL, lease_expires_at = NULL, updated_at = $3
       WHERE run_id = ANY($1) AND owner = $2 AND status = 'running' RETURNING run_id`,
      [runIds, owner, new Date().toISOString()],
    );
    return rows.map((r) => r.run_id);
  }

  async hasInflight(threadId: string, exceptRunId?: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`SELECT 1 FROM runs WHERE thread_id = $1 AND ${INFLIGHT} AND run_id <> $2 LIMIT 1`, [
      threadId,
      exceptRunId ?? "",
    ]);
    return (rowCount ?? 0) > 0;
  }

  async listByStatus(status: RunStatus): Promise<Run[]> {
    const { rows } = await this.pool.query<RunRow>(`SELECT * FROM runs WHERE status = $1 ORDER BY created_at, seq`, [status]);
    return rows.map(toRun);
  }

  async cancelPending(runId: string, outcome: "interrupted" | "delete"): Promise<boolean> {
    return this.pool.transaction(async (db) => {
      const { rows } =
        outcome === "delete"
          ? await db.query<{ thread_id: string }>(`DELETE FROM runs WHERE run_id = $1 AND status = 'pending' RETURNING thread_id, ${NOTIFY_ENDED}`, [runId])
          : await db.query<{ thread_id: string }>(
              `UPDATE runs SET status = 'interrupted', updated_at = $2 WHERE run_id = $1 AND status = 'pending' RETURNING thread_id, ${NOTIFY_ENDED}`,
              [runId, new Date().toISOString()],
            );
      if (!rows[0]) return false;
      // As in finish: the thread's lock orders this against run creations on it.
      await db.query(`SELECT 1 FROM threads WHERE thread_id = $1 FOR UPDATE`, [rows[0].thread_id]);
      await db.query(
        `UPDATE threads SET status = 'idle', updated_at = $2 WHERE thread_id = $1 AND status = 'busy'
           AND NOT EXISTS (SELECT 1 FROM runs WHERE thread_id = $1 AND ${INFLIGHT})`,
        [rows[0].thread_id, new Date().toISOString()],
      );
      return true;
    });
  }

  async requestCancel(runId: string, action: CancelAction): Promise<boolean> {
    const { rowCount } = await this.pool.query(`UPDATE runs SET cancel_action = $2 WHERE run_id = $1 AND status = 'running'`, [runId, action]);
    return (rowCount ?? 0) > 0;
  }

  async requeueRunning(): Promise<string[]> {
    const { rows } = await this.pool.query<{ run_id: string }>(
      `UPDATE runs SET status = 'pending', owner = NULL, lease_expires_at = NULL, updated_at = $1 WHERE status = 'running' RETURNING run_id`,
      [new Date().toISOString()],
    );
    return rows.map((r) => r.run_id);
  }

  async nextDueAt(): Promise<Date | null> {
    const { rows } = await this.pool.query<{ due: Date | null }>(`SELECT min(due_at) AS due FROM runs WHERE status = 'pending'`);
    return rows[0]?.due ?? null;
  }

  async delete(runId: string): Promise<boolean> {
    return ((await this.pool.query(`DELETE FROM runs WHERE run_id = $1`, [runId])).rowCount ?? 0) > 0;
  }
}
