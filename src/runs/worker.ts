/**
 * The worker pool: claims pending runs from storage and executes them, `concurrency` at a time.
 *
 * Run state machine:
 *
 *   pending ──claim──▶ running ──▶ success | error | interrupted (cancel: interrupt)
 *      ▲                  │  ├──▶ timeout     (it ran longer than the run timeout, when one is set)
 *      │                  │  └──▶ (deleted)   (cancel: rollback — the run and its checkpoints go)
 *      └── restart ───────┘       (a crash leaves `running`; start-up puts it back to `pending`)
 *
 * Claims are woken by run creation (no polling delay) and by a timer for the next
 * `after_seconds` run; a slow fallback tick covers anything else. A run claimed for the
 * (MAX_ATTEMPTS+1)th time ends `error` without executing. Every failure inside one run is caught
 * and recorded on that run: nothing a graph, a deleted thread or a webhook does stops a slot.
 */
import { AsyncResource } from "node:async_hooks";
import type { Logger } from "pino";
import { serialize, toPlain } from "../graphs/serialize.js";
import { storageBinding, type GraphRegistry, type RunnableGraph } from "../graphs/registry.js";
import type { Run, RunOutcome, RunStatus, Storage } from "../storage/types.js";
import { interruptsOf, statusAfterRun, toThreadState, type ThreadState } from "../threads/state.js";
import type { RunBroker } from "./broker.js";
import { CoalescingTrigger } from "./coalescing-trigger.js";
import { buildRunConfig, executeRun, isInterruptMarker, type StreamOutcome } from "./executor.js";
import type { WebhookSender } from "./webhooks.js";

export const MAX_ATTEMPTS = 3;
const FALLBACK_TICK_MS = 5_000;

export type CancelAction = "interrupt" | "rollback";
/** Why a run's execution was aborted: a cancel, the server stopping, or the run timeout. */
type AbortReason = CancelAction | "shutdown" | "timeout";

export class WorkerPool {
  private active = new Map<string, { threadId: string; controller: AbortController; done: Promise<void> }>();
  private readonly claimer = new CoalescingTrigger(() => this.fill());
  private stopped = true;
  private dueTimer?: NodeJS.Timeout;
  private tick?: NodeJS.Timeout;

  constructor(
    private readonly storage: Storage,
    private readonly graphs: GraphRegistry,
    private readonly broker: RunBroker,
    private readonly logger: Logger,
    private readonly concurrency: number,
    private readonly webhooks: WebhookSender,
    /** Longest a run may execute before it ends `timeout`; none when undefined. */
    private readonly runTimeoutMs?: number,
  ) {}

  /**
   * The async context the pool was made in. Runs start from it, never from the context of what
   * woke the pool (an in-process request, a custom route's caller): a run is its own user's.
   */
  private readonly root = new AsyncResource("agent-server.worker");

  /** Puts runs a crash left `running` back in the queue, then starts claiming. */
  async start(): Promise<void> {
    const requeued = await this.storage.runs.requeueRunning();
    if (requeued.length) this.logger.info({ runs: requeued }, "resuming runs interrupted by a restart");
    this.stopped = false;
    this.tick = setInterval(() => this.wake(), FALLBACK_TICK_MS);
    this.tick.unref();
    this.wake();
  }

  /** Claims as many due runs as there are free slots. Safe to call any number of times. */
  wake(): void {
    if (!this.stopped) this.root.runInAsyncScope(() => this.claimer.trigger());
  }

  /** Whether this pool is executing the run now. */
  isExecuting(runId: string): boolean {
    return this.active.has(runId);
  }

  private async fill(): Promise<void> {
    try {
      let drained = false;
      while (!this.stopped && this.active.size < this.concurrency) {
        const run = await this.storage.runs.claimNext(new Date());
        if (!run) {
          drained = true;
          break;
        }
        const controller = new AbortController();
        const timeout = this.runTimeoutMs === undefined ? undefined : setTimeout(() => controller.abort("timeout" satisfies AbortReason), this.runTimeoutMs);
        const done = this.execute(run, run.attempt, controller.signal).finally(() => {
          clearTimeout(timeout);
          this.active.delete(run.run_id);
          this.wake();
        });
        this.active.set(run.run_id, { threadId: run.thread_id, controller, done });
      }
      // With every slot taken, a finishing run wakes us; only a drained queue needs the timer
      // for runs due later (after_seconds).
      if (drained) await this.scheduleDue();
    } catch (err) {
      this.logger.error({ err }, "claiming runs failed");
    }
  }

  private async scheduleDue(): Promise<void> {
    const due = await this.storage.runs.nextDueAt();
    if (this.dueTimer) clearTimeout(this.dueTimer);
    if (!due) return;
    const delay = Math.max(0, due.getTime() - Date.now());
    this.dueTimer = setTimeout(() => this.wake(), Math.min(delay + 5, FALLBACK_TICK_MS));
    this.dueTimer.unref();
  }

  /** Aborts a running run; returns false if this process is not executing it. */
  abort(runId: string, action: CancelAction): boolean {
    const entry = this.active.get(runId);
    if (!entry) return false;
    entry.controller.abort(action);
    return true;
  }

  /** Aborts every run this process executes on the thread and waits until they have stopped. */
  async stopThreadRuns(threadId: string): Promise<void> {
    const entries = [...this.active.values()].filter((a) => a.threadId === threadId);
    for (const entry of entries) entry.controller.abort("interrupt");
    await Promise.all(entries.map((e) => e.done));
  }

  get activeCount(): number {
    return this.active.size;
  }

  /**
   * Stops claiming and waits up to `graceMs` for running runs; runs still going are aborted and
   * left `running` in storage, so the next start resumes them.
   */
  async stop(graceMs = 0): Promise<void> {
    this.stopped = true;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    if (this.tick) clearInterval(this.tick);
    const all = Promise.all([...this.active.values()].map((a) => a.done));
    if (graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    for (const entry of this.active.values()) entry.controller.abort("shutdown");
    await all;
  }

  private async execute(run: Run, attempt: number, signal: AbortSignal): Promise<void> {
    const started = Date.now();
    this.broker.open(run.run_id);
    let status: RunStatus = "success";
    let failed = false;
    let error: string | undefined;
    let graphId = "?";
    let graph: RunnableGraph | undefined;
    const streamed: StreamOutcome = {};
    let lastValuesJson: string | undefined;
    try {
      // First, so readers see the run start at once.
      this.broker.publish(run.run_id, "metadata", serialize({ run_id: run.run_id, attempt }));
      if (attempt > MAX_ATTEMPTS) throw new Error(`Run ${run.run_id} exceeded max attempts (${MAX_ATTEMPTS})`);
      const [assistant, internal] = await Promise.all([
        this.storage.assistants.get(run.assistant_id),
        this.storage.runs.getInternal(run.run_id),
      ]);
      if (!assistant) throw new Error(`Assistant ${run.assistant_id} no longer exists`);
      graphId = assistant.graph_id;
      const runInternal = internal ?? { attempt };
      // A graph factory is built with the run's whole config: the assistant's, the run's, the server's keys.
      graph = await this.graphs.get(assistant.graph_id, buildRunConfig(run, assistant, runInternal).config, storageBinding(this.storage));
      for await (const chunk of executeRun(graph, run, assistant, runInternal, signal, streamed)) {
        const json = serialize(chunk.data);
        if (chunk.data === streamed.lastValues) lastValuesJson = json;
        this.broker.publish(run.run_id, chunk.event, json);
      }
    } catch (err) {
      const reason = signal.aborted ? (signal.reason as AbortReason) : undefined;
      if (reason === "shutdown") {
        // Left `running` on purpose: the next start re-queues it and it resumes from its checkpoint.
        this.broker.finish(run.run_id, { stopped: true });
        return;
      }
      if (reason === "interrupt" || reason === "rollback") {
        status = "interrupted";
      } else if (reason === "timeout") {
        status = "timeout";
        failed = true;
        error = `Run exceeded the run timeout of ${(this.runTimeoutMs ?? 0) / 1000} s`;
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
    const outcome = await this.finish(run, graph, status, failed, signal.reason === "rollback", completed);
    if (run.kwargs.webhook) {
      this.webhooks.send(
        run.kwargs.webhook,
        { ...run, status, run_started_at: new Date(started).toISOString(), run_ended_at: new Date().toISOString(), values: outcome.values ?? null, ...(error ? { error } : {}) },
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
   * Records the outcome on the run and its thread; never throws (a deleted thread is fine). A
   * rollback first deletes the run and every checkpoint it wrote.
   */
  private async finish(
    run: Run,
    graph: RunnableGraph | undefined,
    status: RunStatus,
    failed: boolean,
    rollback: boolean,
    completed?: { values: unknown },
  ): Promise<{ values?: unknown }> {
    let values: unknown;
    try {
      if (rollback) {
        const head = await this.headBefore(run);
        await this.storage.runs.delete(run.run_id);
        await this.storage.deleteCheckpointsAfter(run.thread_id, head);
      }
      let thread: Exclude<RunOutcome["thread"], "delete">;
      if (completed) {
        values = completed.values;
        thread = { status: "idle", values, interrupts: {} };
      } else {
        const state = graph ? await this.readState(run, graph) : null;
        values = state ? toPlain(state.values) : undefined;
        thread = { status: statusAfterRun(state, failed), values, interrupts: state ? interruptsOf(state) : undefined };
      }
      await this.storage.runs.finish({ runId: run.run_id, threadId: run.thread_id, status, thread: run.kwargs.temporary ? "delete" : thread });
    } catch (err) {
      this.logger.error({ err, runId: run.run_id, threadId: run.thread_id }, "recording the run's outcome failed");
    } finally {
      this.broker.finish(run.run_id, { resumable: run.kwargs.resumable });
    }
    return { values };
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
