/**
 * The worker pool: claims runs (through the run lifecycle, see lifecycle.ts) and executes them,
 * `concurrency` at a time: the graph's stream goes to the run's readers through the broker, the
 * outcome to the lifecycle, the webhook to its sender.
 *
 * Claims are woken by run creation here or on another instance (a signal), by a timer for the
 * next `after_seconds` run, by a run ending, and by the lifecycle's heartbeat (for runs whose
 * instance died); a slow fallback tick covers anything else. Every failure inside one run is caught and recorded
 * on that run: nothing a graph, a deleted thread or a webhook does stops a slot.
 */
import { AsyncResource } from "node:async_hooks";
import type { Logger } from "pino";
import { serialize } from "../graphs/serialize.js";
import { storageBinding, type GraphRegistry, type RunnableGraph } from "../graphs/registry.js";
import type { ClaimFor } from "../storage/claim-at-creation.js";
import type { CancelAction, ClaimedRun, Run, RunStatus, Storage } from "../storage/types.js";
import type { RunBroker } from "./broker.js";
import { CoalescingTrigger } from "./coalescing-trigger.js";
import { buildRunConfig, executeRun, isInterruptMarker, type StreamOutcome } from "./executor.js";
import { MAX_ATTEMPTS, RunLifecycle, type AbortReason, type Execution } from "./lifecycle.js";
import type { WebhookSender } from "./webhooks.js";

const FALLBACK_TICK_MS = 5_000;

export interface WorkerOptions {
  /** How many runs this instance executes at once. */
  concurrency: number;
  /** Longest a run may execute before it ends `timeout`; none when undefined. */
  runTimeoutMs?: number;
  /** How long a claim holds without renewal (a dead instance's runs wait this long). */
  leaseMs?: number;
}

export class WorkerPool {
  readonly lifecycle: RunLifecycle;
  private readonly claimer = new CoalescingTrigger(() => this.fill());
  private stopped = true;
  private dueTimer?: NodeJS.Timeout;
  private dueAt?: number;
  /** The last claim stopped at the concurrency limit, not at an empty queue. */
  private saturated = false;
  private tick?: NodeJS.Timeout;
  /** Runs stopped by the shutdown, to give back to the queue. */
  private readonly stoppedRuns: string[] = [];
  /** Slots held for runs being created here, to be claimed as they are created. */
  private reserved = 0;

  constructor(
    private readonly storage: Storage,
    private readonly graphs: GraphRegistry,
    private readonly broker: RunBroker,
    private readonly logger: Logger,
    private readonly webhooks: WebhookSender,
    private readonly options: WorkerOptions,
  ) {
    this.lifecycle = new RunLifecycle(
      storage,
      logger,
      (dueAt) => (dueAt && dueAt.getTime() > Date.now() ? this.wakeAt(dueAt) : this.wake()),
      (runId) => broker.finish(runId),
      options.leaseMs,
    );
  }

  /**
   * The async context the pool was made in. Runs start from it, never from the context of what
   * woke the pool (an in-process request, a custom route's caller): a run is its own user's.
   */
  private readonly root = new AsyncResource("agent-server.worker");

  /** Starts the lifecycle (requeue, signals, heartbeat), then claiming. */
  async start(): Promise<void> {
    await this.lifecycle.start();
    this.stopped = false;
    const tick = () => {
      this.wake();
      void this.scheduleDue();
    };
    this.tick = setInterval(tick, FALLBACK_TICK_MS);
    this.tick.unref();
    tick();
  }

  /** Claims as many due runs as there are free slots. Safe to call any number of times. */
  wake(): void {
    if (!this.stopped) this.root.runInAsyncScope(() => this.claimer.trigger());
  }

  /** Whether this pool is executing the run now. */
  isExecuting(runId: string): boolean {
    return this.lifecycle.isExecuting(runId);
  }

  /**
   * A run was created here, due at `dueAt`: claim it now, or set the timer for it. (Other
   * instances learn of it from storage's signal.)
   */
  runCreated(dueAt: Date): void {
    if (dueAt.getTime() > Date.now()) this.wakeAt(dueAt);
    // A shared backend's signal wakes every instance, this one included: no second claim here.
    else if (this.storage.exclusive) this.wake();
  }

  /** Claims at `at` (the timer keeps the earliest of the times asked for). */
  private wakeAt(at: Date): void {
    if (this.stopped) return;
    if (this.dueAt !== undefined && this.dueAt <= at.getTime() && this.dueAt > Date.now()) return;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueAt = at.getTime();
    // Capped: the fallback tick looks again anyway.
    this.dueTimer = setTimeout(() => this.wake(), Math.min(Math.max(0, at.getTime() - Date.now()) + 5, FALLBACK_TICK_MS));
    this.dueTimer.unref();
  }

  private async fill(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.lifecycle.activeCount + this.reserved >= this.options.concurrency) {
          this.saturated = true;
          break;
        }
        const execution = await this.lifecycle.claim();
        if (!execution) {
          this.saturated = false;
          break;
        }
        this.launch(execution);
      }
    } catch (err) {
      this.logger.error({ err }, "claiming runs failed");
    }
  }

  /**
   * For a run about to be created here: holds a free slot for it and answers what storage needs
   * to claim the run as it creates it (see CreateRunInput.claimFor), which saves the claim's
   * round trip and wake-up; undefined when no slot is free. `created` must follow, whatever the
   * creation gave.
   */
  reserveForCreation(): ClaimFor | undefined {
    if (this.stopped || this.lifecycle.activeCount + this.reserved >= this.options.concurrency) return undefined;
    this.reserved++;
    return this.lifecycle.claimAtCreation();
  }

  /** The creation that reserved a slot is over: executes the run it claimed, or frees the slot. */
  created(claimed: ClaimedRun | undefined): void {
    this.reserved--;
    if (!claimed) {
      if (this.saturated) this.wake();
      return;
    }
    // Stopping meanwhile: back to the queue, as the shutdown does with the runs it stops.
    if (this.stopped) void this.lifecycle.release([claimed.run_id]);
    else this.root.runInAsyncScope(() => this.launch(this.lifecycle.adopt(claimed)));
  }

  private launch(execution: Execution): void {
    const { runTimeoutMs } = this.options;
    const timeout = runTimeoutMs === undefined ? undefined : setTimeout(() => execution.abort("timeout"), runTimeoutMs);
    execution.done = this.execute(execution).finally(() => {
      clearTimeout(timeout);
      this.lifecycle.forget(execution.run.run_id);
      // A free slot matters if runs were left waiting for one; a run ending on a thread may
      // let that thread's next run go. (A stateless run's thread has no next run.)
      if (this.storage.exclusive || this.saturated || !execution.run.kwargs.temporary) this.wake();
    });
  }

  /**
   * The timer for the earliest run due later (after_seconds), from storage: at start and on the
   * fallback tick. Runs created since are timed by runCreated here, and by signals elsewhere.
   */
  private async scheduleDue(): Promise<void> {
    try {
      const due = await this.storage.runs.nextDueAt();
      if (due) this.wakeAt(due);
    } catch (err) {
      this.logger.error({ err }, "reading when the next run is due failed");
    }
  }

  /** Aborts a running run; returns false if this process is not executing it. */
  abort(runId: string, action: CancelAction): boolean {
    return this.lifecycle.abort(runId, action);
  }

  /** Aborts every run this process executes on the thread and waits until they have stopped. */
  async stopThreadRuns(threadId: string): Promise<void> {
    const executions = this.lifecycle.executions(threadId);
    for (const execution of executions) execution.abort("interrupt");
    await Promise.all(executions.map((e) => e.done));
  }

  get activeCount(): number {
    return this.lifecycle.activeCount;
  }

  /**
   * Stops claiming and waits up to `graceMs` for running runs; runs still going are stopped and
   * released to the queue, so another instance (or the next start) resumes them from their last
   * checkpoint.
   */
  async stop(graceMs = 0): Promise<void> {
    this.stopped = true;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    if (this.tick) clearInterval(this.tick);
    const all = () => Promise.all(this.lifecycle.executions().map((e) => e.done));
    if (graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    for (const execution of this.lifecycle.executions()) execution.abort("shutdown");
    await all();
    await this.lifecycle.release(this.stoppedRuns.splice(0));
    this.lifecycle.stop();
  }

  private async execute(execution: Execution): Promise<void> {
    const { run, signal } = execution;
    const attempt = run.attempt;
    const started = Date.now();
    let status: RunStatus = "success";
    let failed = false;
    let error: string | undefined;
    let graphId = "?";
    let graph: RunnableGraph | undefined;
    const streamed: StreamOutcome = {};
    let lastValuesJson: string | undefined;
    try {
      await this.broker.open(run.run_id, attempt);
      // First, so readers see the run start at once.
      this.broker.publish(run.run_id, "metadata", serialize({ run_id: run.run_id, attempt }));
      if (attempt > MAX_ATTEMPTS) throw new Error(`Run ${run.run_id} exceeded max attempts (${MAX_ATTEMPTS})`);
      const assistant = run.assistant !== undefined ? run.assistant : await this.storage.assistants.get(run.assistant_id);
      if (!assistant) throw new Error(`Assistant ${run.assistant_id} no longer exists`);
      graphId = assistant.graph_id;
      // A graph factory is built with the run's whole config: the assistant's, the run's, the server's keys.
      graph = await this.graphs.get(assistant.graph_id, buildRunConfig(run, assistant, run.internal).config, storageBinding(this.storage));
      const emit = (event: string, data: unknown, ready?: string) => {
        const json = ready ?? serialize(data);
        if (data === streamed.lastValues) lastValuesJson = json;
        this.broker.publish(run.run_id, event, json);
      };
      await executeRun(graph, run, assistant, run.internal, signal, emit, streamed);
    } catch (err) {
      const reason = signal.aborted ? (signal.reason as AbortReason) : undefined;
      if (reason === "shutdown" || reason === "lost") {
        // Not finished: released (shutdown) or already another instance's (lost), it resumes
        // from its last checkpoint.
        if (reason === "shutdown") this.stoppedRuns.push(run.run_id);
        await this.broker.flush(run.run_id);
        await this.endElsewhere(run);
        return;
      }
      if (reason === "interrupt" || reason === "rollback") {
        status = "interrupted";
      } else if (reason === "timeout") {
        status = "timeout";
        failed = true;
        error = `Run exceeded the run timeout of ${(this.options.runTimeoutMs ?? 0) / 1000} s`;
        this.logger.warn({ runId: run.run_id, threadId: run.thread_id }, `run ${run.run_id} timed out`);
        this.broker.publish(run.run_id, "error", serialize({ error: "TimeoutError", message: error }));
      } else {
        status = "error";
        failed = true;
        const e = err as Error;
        error = e?.message ?? String(err);
        this.logger.warn({ err, runId: run.run_id, threadId: run.thread_id }, "run failed");
        this.broker.publish(run.run_id, "error", serialize({ error: e?.name ?? "Error", message: e?.message ?? String(err) }));
      }
    }
    // A run that completed without stopping at an interrupt has nothing left to do, and its
    // last values are its state: no need to read the state back.
    const completed =
      status === "success" && streamed.lastValues !== undefined && !isInterruptMarker(streamed.lastValues)
        ? { values: JSON.parse(lastValuesJson ?? serialize(streamed.lastValues)) as unknown }
        : undefined;
    // Readers elsewhere must find every event once they see the run ended.
    await this.broker.flush(run.run_id);
    const outcome = await this.lifecycle.finish(execution, { status, failed, rollback: signal.reason === "rollback", graph, completed });
    if (!outcome.recorded) {
      await this.endElsewhere(run);
      return;
    }
    this.broker.finish(run.run_id, { resumable: run.kwargs.resumable });
    if (run.kwargs.webhook) {
      // The run as the API shows it: not the claim's internals (the caller's auth, the lease).
      const { attempt: _attempt, internal: _internal, cancel: _cancel, assistant: _assistant, ...shown } = run;
      this.webhooks.send(
        run.kwargs.webhook,
        { ...shown, status, run_started_at: new Date(started).toISOString(), run_ended_at: new Date().toISOString(), values: outcome.values ?? null, ...(error ? { error } : {}) },
        { runId: run.run_id },
      );
    }
    const queueMs = Math.max(0, started - new Date(run.created_at).getTime());
    this.logger.info(
      { runId: run.run_id, threadId: run.thread_id, graphId, status, queueMs, execMs: Date.now() - started },
      `run ${run.run_id} ${graphId} ${status} (queued ${queueMs} ms, ran ${Date.now() - started} ms)`,
    );
  }

  /**
   * Ends this instance's log of a run it stops executing without an outcome. If the run resumes
   * (here after a restart, or on another instance) its readers here are told so, rather than
   * handed a partial result; if it is gone (its thread was deleted), its readers simply end.
   */
  private async endElsewhere(run: Run): Promise<void> {
    const exists = await this.storage.runs.get(run.run_id).then(Boolean, () => true);
    this.broker.finish(run.run_id, exists ? { stopped: true } : {});
  }
}
