/**
 * Per-run event logs with fan-out. The worker publishes each event once; every reader (stream,
 * join, wait — any number at once) iterates the whole log from its start or from a
 * `Last-Event-ID`, then follows live events until the run finishes.
 *
 * Memory: a log lives while its run executes and for a grace period after it ends (so a reader
 * that arrives just after the end still gets the events), then it is dropped: `retainMs` for
 * ordinary runs, longer for resumable ones, whose clients may reconnect with Last-Event-ID.
 *
 * Several instances on one database (`shared`): events are also written to the database (see
 * shared-event-log.ts). A reader of a run this instance executes (or just executed) reads the
 * in-memory log, fetching from the database only what an earlier attempt elsewhere published; any
 * other reader follows the database.
 */
import { ServerStopping } from "../errors.js";
import { PAGE, type SharedEventLog } from "./shared-event-log.js";

export interface RunEvent {
  /** Per-run sequence number, 0 for the `metadata` event. */
  id: number;
  event: string;
  /** The event's data, already serialised as JSON. */
  data: string;
}

interface RunLog {
  /** The id of `events[0]`: a run resumed here after an attempt elsewhere continues its numbering. */
  base: number;
  events: RunEvent[];
  /** Opened by this instance's worker (not only waited on by a reader). */
  opened: boolean;
  /** Readers following the database while the log is not opened here (shared mode). */
  remoteReaders: number;
  done: boolean;
  /** Ended by the server stopping, not by the run: readers get ServerStopping. */
  stopped?: boolean;
  wakers: Set<() => void>;
  /** A wake is scheduled for the end of this turn of the event loop. */
  wakeScheduled: boolean;
  /** The last batch handed out: readers woken together get the same array (and share its frames). */
  lastBatch?: { from: number; to: number; events: RunEvent[] };
  dropTimer?: NodeJS.Timeout;
}

export interface SubscribeOptions {
  afterId?: number;
  signal?: AbortSignal;
  isTerminal: () => Promise<boolean>;
  /** The run was pending when the reader came: nothing is published yet, no need to look. */
  pending?: boolean;
}

export class RunBroker {
  private readonly logs = new Map<string, RunLog>();

  constructor(
    private readonly retainMs = 5_000,
    private readonly resumableRetainMs = 60_000,
    private readonly recheckMs = 5_000,
    private readonly shared?: SharedEventLog,
  ) {}

  private log(runId: string): RunLog {
    let log = this.logs.get(runId);
    if (!log) {
      log = { base: 0, events: [], opened: false, remoteReaders: 0, done: false, wakers: new Set(), wakeScheduled: false };
      this.logs.set(runId, log);
    }
    return log;
  }

  /** Starts (or continues) the log of attempt `attempt` of a run this instance executes. */
  async open(runId: string, attempt: number): Promise<void> {
    const old = this.logs.get(runId);
    if (old?.dropTimer) clearTimeout(old.dropTimer);
    const log = this.log(runId);
    if (this.shared) {
      // Another instance may have run an attempt since: the database knows where numbering is
      // (a first attempt has published nothing yet).
      log.base = attempt > 1 ? await this.shared.nextId(runId) : 0;
      log.events = [];
    }
    log.opened = true;
    log.done = false;
    log.stopped = false;
    this.wake(log); // readers that were following the database switch to this log
  }

  publish(runId: string, event: string, data: string): void {
    const log = this.log(runId);
    const record = { id: log.base + log.events.length, event, data };
    log.events.push(record);
    this.shared?.append(runId, record);
    // Readers are woken once per turn of the event loop, not once per event: a model streaming
    // tokens publishes hundreds of events in a turn, and each reader then takes them in one batch
    // (one wake, one write) however many readers there are.
    if (!log.wakeScheduled) {
      log.wakeScheduled = true;
      setImmediate(() => this.wake(log));
    }
  }

  /** Resolves once the run's events are where every instance's readers look (before its outcome is recorded). */
  async flush(runId: string): Promise<void> {
    await this.shared?.flush(runId);
  }

  /** The run's log is complete; `stopped`: the server is stopping and the run will resume later. */
  finish(runId: string, options: { resumable?: boolean; stopped?: boolean } = {}): void {
    const log = this.log(runId);
    log.done = true;
    log.stopped = options.stopped;
    this.wake(log);
    // The readers woken just now share the last batch; later ones replay their own slices. Its
    // encoded frames need not stay with the finished log.
    setImmediate(() => (log.lastBatch = undefined));
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
  async *subscribe(runId: string, options: SubscribeOptions): AsyncGenerator<RunEvent> {
    for await (const batch of this.subscribeBatches(runId, options)) yield* batch;
  }

  /** As `subscribe`, in batches: the events that arrived together (what a stream writes at once). */
  async *subscribeBatches(runId: string, options: SubscribeOptions): AsyncGenerator<RunEvent[]> {
    if (this.shared) {
      yield* this.subscribeShared(this.shared, runId, options);
      return;
    }
    const existing = this.logs.get(runId);
    if (!existing && (await options.isTerminal())) return;
    yield* this.followLocal(this.log(runId), (options.afterId ?? -1) + 1, options);
  }

  /** The in-memory log from `next` on, live until the run finishes here. */
  private async *followLocal(log: RunLog, next: number, options: SubscribeOptions): AsyncGenerator<RunEvent[]> {
    while (!options.signal?.aborted) {
      if (next - log.base < log.events.length) {
        const from = next - log.base;
        const to = log.events.length;
        const last = log.lastBatch;
        const batch = last && last.from === from && last.to === to && last.events[0] === log.events[from] ? last.events : (log.lastBatch = { from, to, events: log.events.slice(from) }).events;
        next += batch.length;
        yield batch;
        continue;
      }
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
      if (!woken && next - log.base >= log.events.length && (await options.isTerminal())) return;
    }
  }

  /**
   * Several instances: the database's events until the run is opened here (then the in-memory
   * log, once what an earlier attempt elsewhere published has been read from the database).
   */
  private async *subscribeShared(shared: SharedEventLog, runId: string, options: SubscribeOptions): AsyncGenerator<RunEvent[]> {
    const log = this.log(runId);
    log.remoteReaders++;
    const watch = shared.watch(runId);
    let next = (options.afterId ?? -1) + 1;
    try {
      // A run not started yet has nothing in the database: wait for it to start here, or for
      // its first events elsewhere (signalled), before looking.
      if (options.pending && !log.opened) await watch.wait(options.signal, log.wakers);
      while (!options.signal?.aborted) {
        if (log.opened && next >= log.base) {
          log.remoteReaders--;
          const local = log;
          yield* this.followLocal(local, next, options);
          return;
        }
        const seen = watch.version();
        // The status before the events: events are written before the outcome is recorded, so
        // a run seen ended has all its events in the database by the read that follows.
        const ended = !log.opened && (await options.isTerminal());
        const limit = log.opened ? Math.min(PAGE, log.base - next) : PAGE;
        const batch = await shared.fetch(runId, next - 1, limit);
        if (batch.length) {
          next = batch.at(-1)!.id + 1;
          yield batch;
        }
        if (log.opened) {
          // Caught up with what came before this instance's attempt, or nothing more is there.
          if (batch.length < limit) next = Math.max(next, log.base);
          continue;
        }
        if (ended && batch.length < PAGE) return;
        if (batch.length === PAGE || watch.version() !== seen) continue;
        await watch.wait(options.signal, log.wakers);
      }
    } finally {
      watch.close();
      if (!log.opened) {
        log.remoteReaders--;
        // A log only readers created goes with its last reader.
        if (log.remoteReaders === 0 && log.wakers.size === 0 && !log.done && this.logs.get(runId) === log) this.logs.delete(runId);
      }
    }
  }

  /** Resolves when the run finishes (immediately if `isTerminal` says it already has). */
  async waitForEnd(runId: string, options: SubscribeOptions): Promise<void> {
    for await (const _ of this.subscribe(runId, options)) {
      // only the end matters
    }
  }

  private wake(log: RunLog): void {
    log.wakeScheduled = false;
    const wakers = [...log.wakers];
    log.wakers.clear();
    for (const w of wakers) w();
  }

  /** Number of logs held, for tests and the memory bench. */
  get size(): number {
    return this.logs.size;
  }

  close(): void {
    this.shared?.close();
  }
}
