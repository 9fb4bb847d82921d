/**
 * The cross-instance side of the run broker, for backends several instances share: the executing
 * instance writes each run's events to the database in batches (one statement per batch, so
 * token streams of thousands of events a second cost a few statements) and signals the run's id;
 * a reader on another instance fetches what is new whenever it is signalled, and polls now and
 * then in case a signal was lost (the reading loop is the broker's). Event ids are the executing instance's, so `Last-Event-ID`
 * means the same event everywhere.
 */
import type { Logger } from "pino";
import type { RunEventRepository, Signals, StoredRunEvent } from "../storage/types.js";

/** How long a remote reader waits for a signal before looking anyway. */
const POLL_MS = 1_000;
/** Events fetched at once. */
export const PAGE = 500;

/** A reader's view of the signals about one run (see SharedEventLog.watch). */
export interface RunWatch {
  version(): number;
  wait(signal?: AbortSignal, alsoWokenBy?: Set<() => void>): Promise<void>;
  close(): void;
}

/**
 * How long events wait to be written with the ones after them: a reader elsewhere sees them
 * this much later at most, and a token stream costs a statement per interval, not per token.
 * (The run's end writes what is left at once.)
 */
const BATCH_MS = 10;

interface Outbox {
  events: StoredRunEvent[];
  /** The write in progress (writes of one run are in order, one at a time). */
  writing: Promise<void>;
  timer?: NodeJS.Timeout;
}

export class SharedEventLog {
  private readonly outboxes = new Map<string, Outbox>();
  /** Per run being read here: a counter bumped by each signal, and the readers waiting for one. */
  private readonly watched = new Map<string, { version: number; readers: number; wakers: Set<() => void> }>();
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly events: RunEventRepository,
    private readonly signals: Signals,
    private readonly logger: Logger,
  ) {
    this.unsubscribe = [
      signals.subscribe("events", (runId) => this.poke(runId)),
      // Signals may have been lost: every reader looks again.
      signals.onReconnect(() => {
        for (const runId of this.watched.keys()) this.poke(runId);
      }),
    ];
  }

  /** The id the next event of `runId` gets: attempts on any instance continue one numbering. */
  async nextId(runId: string): Promise<number> {
    return (await this.events.lastId(runId)) + 1;
  }

  /** Queues an event; it is written with the others published within BATCH_MS. */
  append(runId: string, event: StoredRunEvent): void {
    let box = this.outboxes.get(runId);
    if (!box) this.outboxes.set(runId, (box = { events: [], writing: Promise.resolve() }));
    box.events.push(event);
    box.timer ??= setTimeout(() => void this.write(runId, box), BATCH_MS);
  }

  private write(runId: string, box: Outbox): Promise<void> {
    clearTimeout(box.timer);
    box.timer = undefined;
    const batch = box.events;
    box.events = [];
    box.writing = box.writing
      .then(async () => {
        if (batch.length) await this.events.append(runId, batch);
      })
      .catch((err) => this.logger.error({ err, runId }, "writing the run's events to the database failed"));
    return box.writing;
  }

  /** Resolves once every event queued for `runId` is written (before its outcome is recorded). */
  async flush(runId: string): Promise<void> {
    const box = this.outboxes.get(runId);
    if (!box) return;
    await this.write(runId, box);
    if (box.events.length === 0 && !box.timer) this.outboxes.delete(runId);
  }

  private poke(runId: string): void {
    const watch = this.watched.get(runId);
    if (!watch) return;
    watch.version++;
    const wakers = [...watch.wakers];
    watch.wakers.clear();
    for (const wake of wakers) wake();
  }

  /** The run's events with an id above `afterId`, in order, at most `limit`. */
  fetch(runId: string, afterId: number, limit = PAGE): Promise<StoredRunEvent[]> {
    return this.events.after(runId, afterId, limit);
  }

  /**
   * Follows the signals about one run for a reader: `version()` changes with each, `wait()`
   * resolves at the next one (or after a poll interval, an abort, or any of `alsoWokenBy`).
   * `close()` when done.
   */
  watch(runId: string): RunWatch {
    let watch = this.watched.get(runId);
    if (!watch) this.watched.set(runId, (watch = { version: 0, readers: 0, wakers: new Set() }));
    const mine = watch;
    mine.readers++;
    return {
      version: () => mine.version,
      wait: (signal, alsoWokenBy) =>
        new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            mine.wakers.delete(done);
            alsoWokenBy?.delete(done);
            signal?.removeEventListener("abort", done);
            resolve();
          };
          const timer = setTimeout(done, POLL_MS);
          mine.wakers.add(done);
          alsoWokenBy?.add(done);
          signal?.addEventListener("abort", done, { once: true });
        }),
      close: () => {
        if (--mine.readers === 0 && this.watched.get(runId) === mine) this.watched.delete(runId);
      },
    };
  }

  close(): void {
    for (const stop of this.unsubscribe) stop();
  }
}
