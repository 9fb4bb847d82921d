/**
 * Per-run event logs with fan-out. The worker publishes each event once; every reader (stream,
 * join, wait — any number at once) iterates the whole log from its start or from a
 * `Last-Event-ID`, then follows live events until the run finishes.
 *
 * Memory: a log lives while its run executes and for a grace period after it ends (so a reader
 * that arrives just after the end still gets the events), then it is dropped: `retainMs` for
 * ordinary runs, longer for resumable ones, whose clients may reconnect with Last-Event-ID.
 */
import { ServerStopping } from "../errors.js";

export interface RunEvent {
  /** Per-run sequence number, 0 for the `metadata` event. */
  id: number;
  event: string;
  /** The event's data, already serialised as JSON. */
  data: string;
}

interface RunLog {
  events: RunEvent[];
  done: boolean;
  /** Ended by the server stopping, not by the run: readers get ServerStopping. */
  stopped?: boolean;
  wakers: Set<() => void>;
  dropTimer?: NodeJS.Timeout;
}

export class RunBroker {
  private readonly logs = new Map<string, RunLog>();

  constructor(
    private readonly retainMs = 5_000,
    private readonly resumableRetainMs = 60_000,
    private readonly recheckMs = 5_000,
  ) {}

  private log(runId: string): RunLog {
    let log = this.logs.get(runId);
    if (!log) {
      log = { events: [], done: false, wakers: new Set() };
      this.logs.set(runId, log);
    }
    return log;
  }

  /** Starts a fresh log for a run attempt (a resumed run replays from its new start). */
  open(runId: string): void {
    const old = this.logs.get(runId);
    if (old?.dropTimer) clearTimeout(old.dropTimer);
    const log = this.log(runId);
    log.done = false;
    log.stopped = false;
  }

  publish(runId: string, event: string, data: string): void {
    const log = this.log(runId);
    log.events.push({ id: log.events.length, event, data });
    this.wake(log);
  }

  /** The run's log is complete; `stopped`: the server is stopping and the run will resume later. */
  finish(runId: string, options: { resumable?: boolean; stopped?: boolean } = {}): void {
    const log = this.log(runId);
    log.done = true;
    log.stopped = options.stopped;
    this.wake(log);
    if (log.dropTimer) clearTimeout(log.dropTimer);
    const retain = options.resumable ? Math.max(this.retainMs, this.resumableRetainMs) : this.retainMs;
    log.dropTimer = setTimeout(() => this.logs.delete(runId), retain);
    log.dropTimer.unref();
  }

  /**
   * Yields the run's events after `afterId` (-1: from the start), then live ones, until the run
   * finishes or `signal` aborts. `isTerminal` is asked when no log exists yet, so a reader of a
   * run that finished long ago (log dropped) does not wait forever.
   */
  async *subscribe(
    runId: string,
    options: { afterId?: number; signal?: AbortSignal; isTerminal: () => Promise<boolean> },
  ): AsyncGenerator<RunEvent> {
    const existing = this.logs.get(runId);
    if (!existing && (await options.isTerminal())) return;
    const log = this.log(runId);
    let next = (options.afterId ?? -1) + 1;
    while (!options.signal?.aborted) {
      while (next < log.events.length) yield log.events[next++]!;
      if (log.done) {
        if (log.stopped) throw new ServerStopping();
        return;
      }
      const woken = await new Promise<boolean>((resolve) => {
        const done = (byEvent: boolean) => {
          clearTimeout(timer);
          log.wakers.delete(onEvent);
          options.signal?.removeEventListener("abort", onAbort);
          resolve(byEvent);
        };
        const onEvent = () => done(true);
        const onAbort = () => done(true);
        // A safety net: a run that ends without passing through the worker (its thread deleted
        // while it was pending, say) must not keep a reader waiting forever.
        const timer = setTimeout(() => done(false), this.recheckMs);
        log.wakers.add(onEvent);
        options.signal?.addEventListener("abort", onAbort, { once: true });
      });
      if (!woken && next >= log.events.length && (await options.isTerminal())) return;
    }
  }

  /** Resolves when the run finishes (immediately if `isTerminal` says it already has). */
  async waitForEnd(runId: string, options: { signal?: AbortSignal; isTerminal: () => Promise<boolean> }): Promise<void> {
    for await (const _ of this.subscribe(runId, options)) {
      // only the end matters
    }
  }

  private wake(log: RunLog): void {
    const wakers = [...log.wakers];
    log.wakers.clear();
    for (const w of wakers) w();
  }

  /** Number of logs held, for tests and the memory bench. */
  get size(): number {
    return this.logs.size;
  }
}
