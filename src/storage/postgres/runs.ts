import { claimedAtCreation, dueForClaim, leaseEnd } from "../claim-at-creation.js";
import type { CancelAction, ClaimedRun, CreateRunInput, CreateRunResult, Run, RunInternal, RunOutcome, RunRepository, RunStatus } from "../types.js";
import { type AssistantRow, toAssistant } from "./assistants.js";
import { ArgParams, iso, type Database } from "./database.js";
import { toJsonb } from "./jsonb.js";
import { metadataFilterSql } from "./metadata-filter.js";
import { channelName } from "./notifications.js";
import { CHECKPOINT_TABLES } from "./threads.js";

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

function claimed(row: RunRow & { assistant_row?: AssistantRow | null }): ClaimedRun {
  const assistant = row.assistant_row ? toAssistant(row.assistant_row) : null;
  return { ...toRun(row), attempt: row.attempt, internal: { attempt: row.attempt, auth: row.auth }, cancel: row.cancel_action, assistant };
}

/** A new run's columns as the first eight parameters ($1-$8) of both ways to create one. */
function runParams(run: Run): unknown[] {
  return [run.run_id, run.thread_id, run.assistant_id, run.status, toJsonb(run.metadata), toJsonb(run.kwargs), run.multitask_strategy, run.created_at];
}

/** What agent_server_create_run answers (migrations/postgres/0004, 0006); runs as `to_jsonb` of their rows. */
type CreateRunAnswer =
  | { kind: "thread_missing" }
  | { kind: "busy"; inflight: RunRow[] }
  | { kind: "created"; created_at: string; inflight: RunRow[]; claimed?: boolean };


/** Postgres's unique_violation: a second running run on a thread (runs_one_running_per_thread). */
const UNIQUE_VIOLATION = "23505";
const INFLIGHT = `status IN ('pending', 'running')`;
const RUNS_CHANNEL = channelName("runs");
/** Tells readers on every instance that the run ended (its row's `run_id`), as the statement commits. */
const NOTIFY_ENDED = `pg_notify('${channelName("events")}', run_id) AS ended`;

export class PostgresRuns implements RunRepository {
  constructor(private readonly pool: Database) {}

  async create(input: CreateRunInput): Promise<CreateRunResult> {
    const { run, internal, claimFor } = input;
    if (input.createThreadWith) {
      const created = await this.createOnNewThread(input);
      if (created) return { kind: "created", run, inflight: [], ...(created === "claimed" ? { claimed: claimedAtCreation(run, internal, claimFor!) } : {}) };
    }
    // One round trip: see migrations/postgres/0004 and 0006 (the thread's lock, its in-flight
    // runs, the multitask strategy, the run — claimed when it can start at once — and the
    // thread, the signal).
    const filter = new ArgParams();
    const visible = metadataFilterSql("metadata", input.threadFilter, filter);
    const { rows } = await this.pool.query<{ result: CreateRunAnswer }>(
      `SELECT agent_server_create_run($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13::jsonb, $14, $15, $16, $17) AS result`,
      [
        ...runParams(run),
        (claimFor?.now ?? new Date()).toISOString(),
        internal.attempt,
        internal.auth ? toJsonb(internal.auth) : null,
        toJsonb(input.threadMetadata),
        toJsonb(input.threadConfig),
        visible,
        filter.values,
        claimFor?.owner ?? null,
        claimFor ? leaseEnd(claimFor) : null,
      ],
    );
    const answer = rows[0]!.result;
    if (answer.kind === "thread_missing") return answer;
    const inflight = answer.inflight.map(toRun);
    if (answer.kind === "busy") return { kind: "busy", inflight };
    const created = { ...run, created_at: answer.created_at, updated_at: answer.created_at };
    return { kind: "created", run: created, inflight, ...(answer.claimed ? { claimed: claimedAtCreation(created, internal, claimFor!) } : {}) };
  }

  /**
   * A run on a thread that does not exist yet (stateless runs, `if_not_exists: "create"`): the
   * thread (already busy, with the run's metadata and config) and the run in one statement, with
   * no transaction around it. Nothing can be in flight on a thread that this statement creates,
   * and another creation of the same thread id waits on the unique index until it commits. False
   * when the thread exists: the caller goes the general way.
   */
  private async createOnNewThread(input: CreateRunInput): Promise<"created" | "claimed" | false> {
    const { run, internal, claimFor } = input;
    // Claimed at once when it is due now: nothing else can be in flight on a new thread.
    const claim = dueForClaim(run, claimFor) ? claimFor : undefined;
    const { rowCount } = await this.pool.query(
      `WITH thread AS (
         INSERT INTO threads (thread_id, created_at, updated_at, state_updated_at, metadata, status, config)
         VALUES ($2, $8, $8, $8, $12::jsonb || $13::jsonb, 'busy', $14::jsonb)
         ON CONFLICT (thread_id) DO NOTHING RETURNING thread_id),
       inserted AS (
         INSERT INTO runs (run_id, thread_id, assistant_id, status, metadata, kwargs, multitask_strategy, created_at, updated_at, due_at, attempt, auth, owner, lease_expires_at)
         SELECT $1, thread_id, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $8, $10, $11::jsonb, $17, $18 FROM thread RETURNING created_at)
       SELECT CASE WHEN $17::text IS NULL THEN pg_notify($15, $16) END FROM inserted`,
      [
        ...runParams(claim ? { ...run, status: "running" } : run),
        claim ? claim.now.toISOString() : run.updated_at,
        internal.attempt + (claim ? 1 : 0),
        internal.auth ? toJsonb(internal.auth) : null,
        toJsonb(input.createThreadWith),
        toJsonb(input.threadMetadata),
        toJsonb(input.threadConfig),
        RUNS_CHANNEL,
        run.created_at,
        claim?.owner ?? null,
        claim ? leaseEnd(claim) : null,
      ],
    );
    return rowCount === 1 && (claim ? "claimed" : "created");
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
    // instance) skip it. COALESCE looks for the second only when there is no first. Only a
    // thread's first pending run is a candidate: a claimer that skips the first (locked by another
    // claimer) must not take the second, which would run before it. Two claimers taking two runs
    // of one thread at once: the unique index refuses the second, which tries again and finds the
    // thread busy.
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
                AND NOT EXISTS (SELECT 1 FROM runs e WHERE e.thread_id = r.thread_id AND e.status = 'pending' AND (e.due_at, e.seq) < (r.due_at, r.seq))
              ORDER BY r.due_at, r.seq LIMIT 1 FOR UPDATE SKIP LOCKED))
             AND (status = 'pending' OR lease_expires_at < $1)
           RETURNING *, (SELECT to_jsonb(a) FROM assistants a WHERE a.assistant_id = runs.assistant_id) AS assistant_row`,
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
    // One round trip: see migrations/postgres/0004 (the thread's lock, the run, the thread's
    // state, the signals).
    const { thread } = outcome;
    const { rows } = await this.pool.query<{ recorded: boolean }>(`SELECT agent_server_finish_run($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb) AS recorded`, [
      outcome.runId,
      outcome.owner,
      outcome.threadId,
      outcome.status,
      new Date().toISOString(),
      thread.status,
      thread.values === undefined ? null : toJsonb(thread.values),
      thread.interrupts === undefined ? null : toJsonb(thread.interrupts),
    ]);
    return rows[0]?.recorded === true;
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
