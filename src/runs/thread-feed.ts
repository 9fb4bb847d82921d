/**
 * A thread's events across its runs: every run of the thread in turn, in the order they execute
 * (`created_at`, then run id), each from the per-run broker (so every reader gets every event and a
 * run's log is replayed from its start or from a position), live, until the reader goes away.
 * `GET /threads/:id/stream` and the thread-centric protocol both read threads through this.
 *
 * Built on the broker's `subscribe`, not beside it: whatever makes a run's log readable (here, or
 * from another instance) makes it readable here too. Between runs a reader waits for the next one;
 * run creation wakes it (`notify`), and a slow recheck covers runs created elsewhere and a thread
 * deleted meanwhile (its readers end).
 */
import { ServerStopping } from "../errors.js";
import type { Run, Storage, Thread } from "../storage/types.js";
import type { RunBroker, RunEvent } from "./broker.js";

/** One step of a thread feed: an event of a run, or the end of a run's events. */
export type ThreadFeedItem =
  | { kind: "event"; run: Run; event: RunEvent }
  /** `final`: the run as it ended (null once deleted, e.g. rolled back); `thread`: the thread then (null once deleted). */
  | { kind: "end"; run: Run; final: Run | null; thread: Thread | null };

/**
 * Where a reader resumes: after event `afterId` of run `runId` (-1: from its start; `"end"`: after
 * the whole run, i.e. with the runs that follow it).
 */
export interface ThreadFeedPosition {
  runId: string;
  afterId: number | "end";
}

/** A run's place in the thread's order of execution. */
interface OrderKey {
  created_at?: string;
  run_id: string;
}

const PAGE = 50;

function after(run: OrderKey, anchor: OrderKey | null): boolean {
  if (!anchor) return true;
  if (run.created_at !== undefined && anchor.created_at !== undefined && run.created_at !== anchor.created_at) {
    return run.created_at > anchor.created_at;
  }
  return run.run_id > anchor.run_id;
}

export class ThreadFeed {
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Aborted when the server stops: ends every reader, also one waiting on a run that is not executing. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly storage: Storage,
    private readonly broker: RunBroker,
    private readonly recheckMs = 2_000,
  ) {}

  /** A run was created on the thread: readers waiting for its next run look again at once. */
  notify(threadId: string): void {
    const set = this.waiters.get(threadId);
    if (!set) return;
    this.waiters.delete(threadId);
    for (const wake of set) wake();
  }

  /** The server is stopping: every reader ends with ServerStopping (clients reconnect later). */
  close(): void {
    this.stopping.abort();
  }

  /**
   * The thread's runs in turn. Without `from`: the oldest run in flight from its first event, or,
   * on an idle thread, the next run created. Ends when `signal` aborts or the thread is deleted;
   * throws ServerStopping when the server stops.
   */
  async *follow(threadId: string, options: { from?: ThreadFeedPosition; signal?: AbortSignal } = {}): AsyncGenerator<ThreadFeedItem> {
    const signal = options.signal ? AbortSignal.any([options.signal, this.stopping.signal]) : this.stopping.signal;
    let anchor: OrderKey | null = null;
    let next: { run: Run; afterId: number } | null = null;
    if (options.from) {
      const run = await this.storage.runs.get(options.from.runId, threadId);
      if (run && options.from.afterId !== "end") next = { run, afterId: options.from.afterId };
      else anchor = run ?? { run_id: options.from.runId };
    } else {
      const start = await this.startingPoint(threadId);
      if (start.inflight) next = { run: start.inflight, afterId: -1 };
      else anchor = start.anchor;
    }
    while (true) {
      if (this.stopping.signal.aborted) throw new ServerStopping();
      if (signal.aborted) return;
      if (next) {
        const { run } = next;
        const isTerminal = async () => {
          const current = await this.storage.runs.get(run.run_id);
          return !current || (current.status !== "pending" && current.status !== "running");
        };
        for await (const event of this.broker.subscribe(run.run_id, { afterId: next.afterId, signal, isTerminal })) {
          yield { kind: "event", run, event };
        }
        if (signal.aborted) continue;
        const [final, thread] = await Promise.all([this.storage.runs.get(run.run_id), this.storage.threads.get(threadId)]);
        yield { kind: "end", run, final, thread };
        if (!thread) return;
        anchor = run;
        next = null;
      }
      // Armed before looking, so a run created while we look still wakes us.
      const wake = this.arm(threadId, signal);
      const candidate = await this.nextRun(threadId, anchor);
      if (candidate) {
        wake.cancel();
        next = { run: candidate, afterId: -1 };
        continue;
      }
      const woken = await wake.promise;
      if (!woken && !signal.aborted && !(await this.storage.threads.get(threadId))) return;
    }
  }

  /**
   * Where a reader without a position starts: the first run in flight, else after the newest run.
   * One read decides both, so a run created meanwhile is either in flight in it or after its anchor.
   */
  private async startingPoint(threadId: string): Promise<{ inflight?: Run; anchor: Run | null }> {
    const newest = await this.storage.runs.listByThread(threadId, { limit: PAGE, offset: 0 });
    const inflight = newest.filter((run) => run.status === "pending" || run.status === "running");
    // Runs queued beyond the first page: the oldest of them is found by status.
    if (inflight.length === PAGE) return { inflight: (await this.firstInflight(threadId)) ?? undefined, anchor: null };
    const first = inflight.reduce<Run | undefined>((best, run) => (!best || after(best, run) ? run : best), undefined);
    return { inflight: first, anchor: newest[0] ?? null };
  }

  /** The run executing on the thread, else the first one queued. */
  private async firstInflight(threadId: string): Promise<Run | null> {
    const [running] = await this.storage.runs.listByThread(threadId, { limit: 1, offset: 0, status: "running" });
    if (running) return running;
    return this.nextRun(threadId, null, "pending");
  }

  /** The first run (in execution order) after `anchor`, reading the thread's runs newest first. */
  private async nextRun(threadId: string, anchor: OrderKey | null, status?: "pending"): Promise<Run | null> {
    let best: Run | null = null;
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.storage.runs.listByThread(threadId, { limit: PAGE, offset, status });
      for (const run of page) if (after(run, anchor) && (!best || after(best, run))) best = run;
      // Pages are newest first: once one reaches the anchor, older pages hold nothing after it.
      if (page.length < PAGE || page.some((run) => !after(run, anchor))) return best;
    }
  }

  /**
   * A wake-up for the thread's next run: resolves true when woken by `notify` (or an abort),
   * false after the recheck interval.
   */
  private arm(threadId: string, signal: AbortSignal): { promise: Promise<boolean>; cancel: () => void } {
    let done!: (woken: boolean) => void;
    const promise = new Promise<boolean>((resolve) => {
      let set = this.waiters.get(threadId);
      if (!set) this.waiters.set(threadId, (set = new Set()));
      done = (woken: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        const current = this.waiters.get(threadId);
        current?.delete(onWake);
        if (current?.size === 0) this.waiters.delete(threadId);
        resolve(woken);
      };
      const onWake = () => done(true);
      const onAbort = () => done(true);
      const timer = setTimeout(() => done(false), this.recheckMs);
      set.add(onWake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    return { promise, cancel: () => done(false) };
  }
}
