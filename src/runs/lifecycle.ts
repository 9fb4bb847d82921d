/**
 * The run lifecycle, the same on every backend: claim with a lease, heartbeat, finish, cancel,
 * release, take-over, and the thread's state after a run.
 *
 *   pending ──claim──▶ running ──finish──▶ success | error | interrupted | timeout
 *      ▲  ▲              │  │                (rollback: the run and its checkpoints are deleted)
 *      │  └── release ───┘  └── lease expired (its instance died) ──▶ claimed again, attempt + 1
 *      └── a restart of the one process that owns the database (SQLite) requeues at once
 *
 * The instance executing a run holds its lease and renews it (a heartbeat every third of the
 * lease). If it cannot renew in time, or finds the run taken over or deleted, it stops executing
 * it: a run is never executed by two instances at once for longer than it takes to notice. Only
 * the lease holder records the outcome. A run claimed for the (MAX_ATTEMPTS+1)th time ends
 * `error` without executing.
 *
 * Cancels reach the run wherever it is: executing here, it is aborted; pending, it is cancelled
 * in storage (atomically against a claim); executing on another instance, the cancel is recorded
 * on the run and signalled to that instance (its heartbeat also finds it).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { RunnableGraph } from "../graphs/registry.js";
import { toPlain } from "../graphs/serialize.js";
import type { ClaimFor } from "../storage/claim-at-creation.js";
import type { CancelAction, ClaimedRun, Run, RunOutcome, RunStatus, Storage } from "../storage/types.js";
import { interruptsOf, statusAfterRun, toThreadState, type ThreadState } from "../threads/state.js";

export const MAX_ATTEMPTS = 3;
export const DEFAULT_LEASE_MS = 30_000;

/** Why a run's execution was aborted: a cancel, the server stopping, the run timeout, or a lost lease. */
export type AbortReason = CancelAction | "shutdown" | "timeout" | "lost";

/** A run this instance executes. */
export interface Execution {
  run: ClaimedRun;
  signal: AbortSignal;
  abort(reason: AbortReason): void;
  /** Settles when the execution is over (set by the worker). */
  done?: Promise<void>;
}

/** How a run ended, as the worker saw it. */
export interface RunEnding {
  status: RunStatus;
  failed: boolean;
  rollback: boolean;
  /** The graph that ran, to read the thread's state with (absent when it never started). */
  graph?: RunnableGraph;
  /** A run that completed: its last values, so the state need not be read back. */
  completed?: { values: unknown };
}

export class RunLifecycle {
  /** This instance, as the owner of the runs it claims. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly executing = new Map<string, Execution & { controller: AbortController }>();
  private heartbeat?: NodeJS.Timeout;
  private lastRenewal = Date.now();
  private renewing = false;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly storage: Storage,
    private readonly logger: Logger,
    /** Called when runs may have become claimable (here or by signal from another instance), or will be at `dueAt`. */
    private readonly onClaimable: (dueAt?: Date) => void,
    /** Called when a run ended without executing here (cancelled while pending), for its readers. */
    private readonly onEndedElsewhere: (runId: string) => void,
    readonly leaseMs = DEFAULT_LEASE_MS,
  ) {}

  /** Requeues what a previous process left running (when this one owns the data), listens, beats. */
  async start(): Promise<void> {
    if (this.storage.exclusive) {
      const requeued = await this.storage.runs.requeueRunning();
      if (requeued.length) this.logger.info({ runs: requeued }, "resuming runs interrupted by a restart");
    }
    const { signals } = this.storage;
    this.unsubscribe.push(
      signals.subscribe("runs", (payload) => this.onClaimable(payload ? new Date(payload) : undefined)),
      signals.subscribe("cancel", (payload) => {
        const [runId, action] = payload.split(" ") as [string, CancelAction];
        this.abort(runId, action);
      }),
      signals.onReconnect(() => this.onClaimable()),
    );
    this.lastRenewal = Date.now();
    this.heartbeat = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.heartbeat.unref();
  }

  /** Claims the next run for this instance, or null when there is none to claim. */
  async claim(): Promise<Execution | null> {
    const run = await this.storage.runs.claimNext(this.owner, new Date(), this.leaseMs);
    return run ? this.adopt(run) : null;
  }

  /** What run creation passes to storage to claim the run for this instance at once (see CreateRunInput.claimFor). */
  claimAtCreation(): ClaimFor {
    return { owner: this.owner, now: new Date(), leaseMs: this.leaseMs };
  }

  /** A run this instance has claimed (by claim, or at its creation): executing here from now on, lease renewed. */
  adopt(run: ClaimedRun): Execution {
    const controller = new AbortController();
    const execution = { run, signal: controller.signal, controller, abort: (reason: AbortReason) => controller.abort(reason) };
    this.executing.set(run.run_id, execution);
    if (run.cancel) controller.abort(run.cancel);
    return execution;
  }

  /** The execution is over (whatever happened): this instance no longer renews its lease. */
  forget(runId: string): void {
    this.executing.delete(runId);
  }

  /** Aborts a run executing here; false when this instance is not executing it. */
  abort(runId: string, reason: AbortReason): boolean {
    const execution = this.executing.get(runId);
    if (!execution) return false;
    execution.controller.abort(reason);
    return true;
  }

  isExecuting(runId: string): boolean {
    return this.executing.has(runId);
  }

  /** The runs executing here (all of them, or a thread's). */
  executions(threadId?: string): Execution[] {
    return [...this.executing.values()].filter((e) => threadId === undefined || e.run.thread_id === threadId);
  }

  get activeCount(): number {
    return this.executing.size;
  }

  /**
   * Renews the leases of the runs executing here. Runs this instance no longer holds are
   * aborted; so is everything when the last renewal is older than the lease (it may have been
   * taken over meanwhile). Cancels recorded by other instances are acted on here too.
   */
  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      const ids = [...this.executing.keys()];
      if (Date.now() - this.lastRenewal > this.leaseMs && ids.length) {
        this.logger.warn({ runs: ids }, "could not renew run leases in time; stopping those runs (another instance takes them over)");
        for (const id of ids) this.abort(id, "lost");
      }
      const held = await this.storage.runs.renewLeases(this.owner, ids, new Date(), this.leaseMs);
      this.lastRenewal = Date.now();
      const still = new Set(held.map((h) => h.runId));
      for (const id of ids) if (!still.has(id)) this.abort(id, "lost");
      for (const { runId, cancel } of held) if (cancel) this.abort(runId, cancel);
      // Runs of a silent instance become claimable when their leases expire: look for them.
      this.onClaimable();
    } catch (err) {
      this.logger.error({ err }, "renewing run leases failed");
    } finally {
      this.renewing = false;
    }
  }

  /** Tells every instance (this one included) that runs may be claimable. */
  announce(): void {
    this.storage.signals.publish("runs", "").catch((err) => this.logger.warn({ err }, "signalling new runs failed"));
  }

  /** Interrupts or rolls back in-flight runs, wherever they are (the multitask strategies and the cancel routes). */
  async cancel(runs: Run[], action: CancelAction): Promise<void> {
    for (const run of runs) {
      if (this.abort(run.run_id, action)) continue;
      if (await this.storage.runs.cancelPending(run.run_id, action === "rollback" ? "delete" : "interrupted")) {
        this.onEndedElsewhere(run.run_id);
        continue;
      }
      // It started meanwhile (here, or on another instance), or it has already ended.
      if (this.abort(run.run_id, action)) continue;
      if (await this.storage.runs.requestCancel(run.run_id, action)) {
        await this.storage.signals.publish("cancel", `${run.run_id} ${action}`);
      }
    }
  }

  /**
   * Records how a run ended: its status (a rollback first deletes the checkpoints it wrote, then
   * the run), and its thread's state — values, interrupts, and the status the run leaves — or the
   * thread's deletion for a stateless run. Never throws. Returns the thread's values, and whether
   * the outcome was recorded (false: the run was no longer this instance's).
   */
  async finish(execution: Execution, ending: RunEnding): Promise<{ values?: unknown; recorded: boolean }> {
    const { run } = execution;
    let values: unknown;
    try {
      if (ending.rollback) await this.storage.deleteCheckpointsAfter(run.thread_id, await this.headBefore(run));
      let thread: Exclude<RunOutcome["thread"], "delete">;
      if (ending.completed) {
        values = ending.completed.values;
        thread = { status: "idle", values, interrupts: {} };
      } else {
        const state = ending.graph ? await this.readState(run, ending.graph) : null;
        values = state ? toPlain(state.values) : undefined;
        thread = { status: statusAfterRun(state, ending.failed), values, interrupts: state ? interruptsOf(state) : undefined };
      }
      const recorded = await this.storage.runs.finish({
        runId: run.run_id,
        threadId: run.thread_id,
        owner: this.owner,
        status: ending.rollback ? "deleted" : ending.status,
        thread: run.kwargs.temporary ? "delete" : thread,
      });
      // A run queued behind this one on its thread may now be claimed: a shared backend's finish
      // tells every instance so; this one looks anyway once the execution is over.
      if (!recorded) this.logger.warn({ runId: run.run_id }, "the run was taken over or deleted meanwhile; its outcome here is not recorded");
      return { values, recorded };
    } catch (err) {
      this.logger.error({ err, runId: run.run_id, threadId: run.thread_id }, "recording the run's outcome failed");
      return { values, recorded: false };
    }
  }

  /** Gives runs stopped by a shutdown back to the queue, for any instance to resume at once. */
  async release(runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    try {
      const released = await this.storage.runs.release(this.owner, runIds);
      if (released.length) {
        this.logger.info({ runs: released }, "released runs stopped by the shutdown; they resume from their last checkpoint");
        if (!this.storage.exclusive) this.announce();
      }
    } catch (err) {
      this.logger.error({ err, runs: runIds }, "releasing runs failed; they resume once their leases expire");
    }
  }

  stop(): void {
    clearInterval(this.heartbeat);
    for (const stop of this.unsubscribe.splice(0)) stop();
  }

  /**
   * The thread's newest checkpoint written before this run (every checkpoint a run writes carries
   * its run_id), also across the run's earlier attempts.
   */
  private async headBefore(run: Run): Promise<string | null> {
    let tuple = await this.storage.checkpointer.getTuple({ configurable: { thread_id: run.thread_id, checkpoint_ns: "" } });
    while (tuple && (tuple.metadata as { run_id?: string } | undefined)?.run_id === run.run_id) {
      tuple = tuple.parentConfig ? await this.storage.checkpointer.getTuple(tuple.parentConfig) : undefined;
    }
    return (tuple?.config.configurable?.checkpoint_id as string | undefined) ?? null;
  }

  /** The thread's state after the run, read with the graph that ran it. */
  private async readState(run: Run, graph: RunnableGraph): Promise<ThreadState | null> {
    try {
      const snapshot = await graph.getState({ configurable: { thread_id: run.thread_id, checkpoint_ns: "" } });
      return snapshot.config?.configurable?.checkpoint_id ? toThreadState(snapshot) : null;
    } catch (err) {
      this.logger.warn({ err, runId: run.run_id }, "reading the thread's state after the run failed");
      return null;
    }
  }
}
