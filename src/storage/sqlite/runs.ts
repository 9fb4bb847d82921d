import { claimedAtCreation, dueForClaim, leaseEnd } from "../claim-at-creation.js";
import type {
  CancelAction,
  ClaimedRun,
  CreateRunInput,
  CreateRunResult,
  Run,
  RunInternal,
  RunOutcome,
  RunRepository,
  RunStatus,
} from "../types.js";
import type { Db } from "./database.js";
import type { GroupCommit } from "./group-commit.js";
import { fromJson, toJson } from "./json-columns.js";
import type { SqliteThreads } from "./threads.js";

interface RunRow {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  status: RunStatus;
  metadata: string;
  kwargs: string;
  multitask_strategy: Run["multitask_strategy"];
  created_at: string;
  updated_at: string;
  due_at: string;
  attempt: number;
  auth: string | null;
  owner: string | null;
  lease_expires_at: string | null;
  cancel_action: CancelAction | null;
}

function toRun(row: RunRow): Run {
  return {
    run_id: row.run_id,
    thread_id: row.thread_id,
    assistant_id: row.assistant_id,
    status: row.status,
    metadata: fromJson(row.metadata),
    kwargs: fromJson(row.kwargs),
    multitask_strategy: row.multitask_strategy,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export class SqliteRuns implements RunRepository {
  private readonly insert;
  private readonly inflight;
  private readonly byId;
  private readonly claimCandidate;
  private readonly markRunning;
  private readonly expiredCandidate;
  private readonly takeOver;
  private readonly updateStatus;
  private readonly touchThread;
  private readonly otherInflight;

  constructor(
    private readonly db: Db,
    private readonly group: GroupCommit,
    private readonly threads: SqliteThreads,
  ) {
    this.insert = db.prepare(
      `INSERT INTO runs (run_id, thread_id, assistant_id, status, metadata, kwargs, multitask_strategy, created_at, updated_at, due_at, attempt, auth)
       VALUES (@run_id, @thread_id, @assistant_id, @status, @metadata, @kwargs, @multitask_strategy, @created_at, @updated_at, @due_at, @attempt, @auth)`,
    );
    this.inflight = db.prepare<[string], RunRow>(
      `SELECT * FROM runs WHERE thread_id = ? AND status IN ('pending','running') ORDER BY created_at, rowid`,
    );
    this.byId = db.prepare<[string], RunRow>(`SELECT * FROM runs WHERE run_id = ?`);
    this.otherInflight = db.prepare<[string, string], { one: number }>(
      `SELECT 1 AS one FROM runs WHERE thread_id = ? AND status IN ('pending','running') AND run_id != ? LIMIT 1`,
    );
    // Oldest due run whose thread is not already running one: one active run per thread.
    this.claimCandidate = db.prepare<[string], RunRow>(
      `SELECT r.* FROM runs r
       WHERE r.status = 'pending' AND r.due_at <= ?
         AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.thread_id = r.thread_id AND o.status = 'running')
       ORDER BY r.due_at, r.rowid LIMIT 1`,
    );
    // The claim itself: atomic in one statement, still pending and its thread still not running one.
    this.markRunning = db.prepare(
      `UPDATE runs SET status = 'running', attempt = attempt + 1, updated_at = @now, owner = @owner, lease_expires_at = @lease
       WHERE run_id = @run_id AND status = 'pending'
         AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.thread_id = runs.thread_id AND o.status = 'running')`,
    );
    this.expiredCandidate = db.prepare<[string], RunRow>(
      `SELECT * FROM runs WHERE status = 'running' AND lease_expires_at < ? ORDER BY lease_expires_at LIMIT 1`,
    );
    this.takeOver = db.prepare(
      `UPDATE runs SET attempt = attempt + 1, updated_at = @now, owner = @owner, lease_expires_at = @lease
       WHERE run_id = @run_id AND status = 'running' AND lease_expires_at < @now`,
    );
    this.updateStatus = db.prepare(
      `UPDATE runs SET status = ?, updated_at = ?, owner = NULL, lease_expires_at = NULL WHERE run_id = ? AND owner = ? AND status = 'running'`,
    );
    this.touchThread = db.prepare(
      `UPDATE threads SET status = 'busy', metadata = json_patch(metadata, ?), config = ?, updated_at = ? WHERE thread_id = ?`,
    );
  }

  async create(input: CreateRunInput): Promise<CreateRunResult> {
    const { run, internal } = input;
    return this.group.write((): CreateRunResult => {
        const now = run.created_at;
        if (!this.threads.existsSync(run.thread_id)) {
          if (!input.createThreadWith) return { kind: "thread_missing" };
          this.threads.createSync({ thread_id: run.thread_id, metadata: input.createThreadWith }, now);
        } else if (input.threadFilter && Object.keys(input.threadFilter).length && !this.threads.getSync(run.thread_id, input.threadFilter)) {
          // Someone else's thread: missing, as far as this caller can tell.
          return { kind: "thread_missing" };
        }
        const inflight = this.inflight.all(run.thread_id).map(toRun);
        if (run.multitask_strategy === "reject" && inflight.length > 0) return { kind: "busy", inflight };
        this.insert.run({
          ...run,
          metadata: toJson(run.metadata),
          kwargs: toJson(run.kwargs),
          due_at: now,
          attempt: internal.attempt,
          auth: internal.auth ? toJson(internal.auth) : null,
        });
        this.touchThread.run(toJson(input.threadMetadata), toJson(input.threadConfig), now, run.thread_id);
        const claim = input.claimFor;
        if (inflight.length === 0 && dueForClaim(run, claim)) {
          this.markRunning.run({ now: claim.now.toISOString(), owner: claim.owner, lease: leaseEnd(claim), run_id: run.run_id });
          return { kind: "created", run, inflight, claimed: claimedAtCreation(run, internal, claim) };
        }
        return { kind: "created", run, inflight };
    });
  }

  async get(runId: string, threadId?: string): Promise<Run | null> {
    const row = this.byId.get(runId);
    if (!row || (threadId !== undefined && row.thread_id !== threadId)) return null;
    return toRun(row);
  }

  async getInternal(runId: string): Promise<RunInternal | null> {
    const row = this.byId.get(runId);
    return row ? { attempt: row.attempt, auth: fromJson(row.auth) } : null;
  }

  async listByThread(
    threadId: string,
    query: { limit: number; offset: number; status?: RunStatus },
  ): Promise<Run[]> {
    const rows = this.db
      .prepare<unknown[], RunRow>(
        `SELECT * FROM runs WHERE thread_id = ? ${query.status ? "AND status = ?" : ""}
         ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`,
      )
      .all(...[threadId, ...(query.status ? [query.status] : []), query.limit, query.offset]);
    return rows.map(toRun);
  }

  async claimNext(owner: string, now: Date, leaseMs: number): Promise<ClaimedRun | null> {
    const stamp = now.toISOString();
    // An empty queue costs one read, no write. The claim itself is the guarded UPDATE, so two
    // claimers never get the same run (nor two runs of one thread).
    if (!this.expiredCandidate.get(stamp) && !this.claimCandidate.get(stamp)) return null;
    const lease = new Date(now.getTime() + leaseMs).toISOString();
    return this.group.write((): ClaimedRun | null => {
      for (;;) {
        const expired = this.expiredCandidate.get(stamp);
        const row = expired ?? this.claimCandidate.get(stamp);
        if (!row) return null;
        const claim = expired ? this.takeOver : this.markRunning;
        if (claim.run({ now: stamp, owner, lease, run_id: row.run_id }).changes === 1) {
          const attempt = row.attempt + 1;
          return { ...toRun(row), status: "running", updated_at: stamp, attempt, internal: { attempt, auth: fromJson(row.auth) }, cancel: row.cancel_action };
        }
      }
    });
  }

  async renewLeases(owner: string, runIds: string[], now: Date, leaseMs: number): Promise<Array<{ runId: string; cancel: CancelAction | null }>> {
    if (runIds.length === 0) return [];
    const lease = new Date(now.getTime() + leaseMs).toISOString();
    const renew = this.db.prepare<[string, string, string], { run_id: string; cancel_action: CancelAction | null }>(
      `UPDATE runs SET lease_expires_at = ? WHERE run_id = ? AND owner = ? AND status = 'running' RETURNING run_id, cancel_action`,
    );
    return this.group.write(() =>
      runIds.flatMap((id) => renew.all(lease, id, owner).map((r) => ({ runId: r.run_id, cancel: r.cancel_action }))),
    );
  }

  async finish(outcome: RunOutcome): Promise<boolean> {
    const fenced = this.db.prepare(`DELETE FROM runs WHERE run_id = ? AND owner = ? AND status = 'running'`);
    return this.group.write(() => {
      const now = new Date().toISOString();
      const recorded =
        outcome.status === "deleted"
          ? fenced.run(outcome.runId, outcome.owner).changes
          : this.updateStatus.run(outcome.status, now, outcome.runId, outcome.owner).changes;
      if (recorded === 0) return false;
      if (outcome.thread === "delete") {
        this.threads.deleteSync(outcome.threadId);
        return true;
      }
      const others = this.otherInflight.get(outcome.threadId, outcome.runId) !== undefined;
      this.threads.setStateSync(outcome.threadId, { ...outcome.thread, status: others ? "busy" : outcome.thread.status });
      return true;
    });
  }

  async release(owner: string, runIds: string[]): Promise<string[]> {
    const release = this.db.prepare(
      `UPDATE runs SET status = 'pending', owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE run_id = ? AND owner = ? AND status = 'running'`,
    );
    return this.group.write(() => {
      const now = new Date().toISOString();
      return runIds.filter((id) => release.run(now, id, owner).changes > 0);
    });
  }

  async hasInflight(threadId: string, exceptRunId?: string): Promise<boolean> {
    return this.inflight.all(threadId).some((r) => r.run_id !== exceptRunId);
  }

  async listByStatus(status: RunStatus): Promise<Run[]> {
    return this.db.prepare<[string], RunRow>(`SELECT * FROM runs WHERE status = ? ORDER BY created_at, rowid`).all(status).map(toRun);
  }

  async cancelPending(runId: string, outcome: "interrupted" | "delete"): Promise<boolean> {
    const stmt =
      outcome === "delete"
        ? this.db.prepare(`DELETE FROM runs WHERE run_id = ? AND status = 'pending' RETURNING thread_id`)
        : this.db.prepare(`UPDATE runs SET status = 'interrupted', updated_at = ? WHERE run_id = ? AND status = 'pending' RETURNING thread_id`);
    const settle = this.db.prepare(
      `UPDATE threads SET status = 'idle', updated_at = ? WHERE thread_id = ? AND status = 'busy'
         AND NOT EXISTS (SELECT 1 FROM runs WHERE thread_id = ? AND status IN ('pending','running'))`,
    );
    return this.group.write(() => {
      const now = new Date().toISOString();
      const row = (outcome === "delete" ? stmt.get(runId) : stmt.get(now, runId)) as { thread_id: string } | undefined;
      if (!row) return false;
      settle.run(now, row.thread_id, row.thread_id);
      return true;
    });
  }

  async requestCancel(runId: string, action: CancelAction): Promise<boolean> {
    const stmt = this.db.prepare(`UPDATE runs SET cancel_action = ? WHERE run_id = ? AND status = 'running'`);
    return this.group.write(() => stmt.run(action, runId).changes > 0);
  }

  async requeueRunning(): Promise<string[]> {
    return this.group.write(() => {
      const ids = this.db
        .prepare<[], { run_id: string }>(`SELECT run_id FROM runs WHERE status = 'running'`)
        .all()
        .map((r) => r.run_id);
      this.db
        .prepare(`UPDATE runs SET status = 'pending', owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE status = 'running'`)
        .run(new Date().toISOString());
      return ids;
    });
  }

  async nextDueAt(): Promise<Date | null> {
    const row = this.db
      .prepare<[], { due: string | null }>(`SELECT min(due_at) AS due FROM runs WHERE status = 'pending'`)
      .get();
    return row?.due ? new Date(row.due) : null;
  }

  async delete(runId: string): Promise<boolean> {
    return this.group.write(() => this.db.prepare(`DELETE FROM runs WHERE run_id = ?`).run(runId).changes > 0);
  }
}
