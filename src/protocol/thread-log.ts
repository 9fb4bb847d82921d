/**
 * One thread's protocol events: the thread feed (every run in turn) turned into protocol events
 * once, numbered in one sequence, kept for replay and fanned out to every reader (SSE streams,
 * WebSocket sessions). Every reader therefore sees the same event with the same `seq` and
 * `event_id`, which is what the SDK deduplicates on when it reopens a stream.
 *
 * Per run it adds what only the server knows: a root `lifecycle` `running` event when the run
 * starts (and `input.answered` when it resumes interrupts), and a terminal one (`completed`,
 * `interrupted` when it stopped at an interrupt or was cancelled, `failed` with the error) when it
 * ends. Root lifecycle events have ids `synth:<run_id>:<seq>`, so clients can tell which run they
 * belong to.
 *
 * Lifetime: created on the first protocol request for the thread; it follows the thread from the
 * run in flight then (or the next one). It closes itself once it has had no reader and no run in
 * progress for `idleMs`. Sequence numbers start from the clock (milliseconds × 1000), so a log
 * created later for the same thread goes on with higher numbers than any before it. Memory: when
 * a run ends and more than `maxEvents` are held, the events of the runs before it are dropped.
 */
import { matchesSubscription } from "@langchain/langgraph/stream";
import { ServerStopping } from "../errors.js";
import type { ThreadFeedItem } from "../runs/thread-feed.js";
import type { Run } from "../storage/types.js";
import { errorMessage, interruptRequests, toProtocolEvents, type ProtocolEventBody } from "./event-mapping.js";

/** A protocol event as it goes on the wire. */
export interface ProtocolEvent {
  type: "event";
  event_id: string;
  seq: number;
  method: string;
  params: { namespace: string[]; timestamp: number; node?: string; data: unknown };
}

/** What a reader wants: channels, namespace prefixes (with a depth below them), events after `since`. */
export interface EventFilter {
  channels: string[];
  namespaces?: string[][];
  depth?: number;
  since?: number;
}

/** A logged event and its JSON, serialised once for every reader. */
export interface LoggedEvent {
  event: ProtocolEvent;
  json: string;
}

/** A node of `agent.getTree`. */
export interface AgentTreeNode {
  namespace: string[];
  status: string;
  graph_name: string;
  children?: AgentTreeNode[];
}

/** The seq an event id names (`<seq>`, or `synth:<run_id>:<seq>` for root lifecycle events). */
export function seqOfEventId(eventId: string | undefined): number | undefined {
  const seq = Number(eventId?.split(":").at(-1));
  return eventId && Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
}

export function matches(event: ProtocolEvent, filter: EventFilter): boolean {
  return matchesSubscription(event, filter as Parameters<typeof matchesSubscription>[1]);
}

/** The run being turned into events. */
interface CurrentRun {
  runId: string;
  firstSeq: number;
  requested: Set<string>;
  error?: string;
}

export class ProtocolThreadLog {
  private entries: LoggedEvent[] = [];
  private nextSeq = Date.now() * 1000;
  private readonly wakers = new Set<() => void>();
  private ended: "closed" | "stopped" | undefined;
  private readers = 0;
  private idleTimer?: NodeJS.Timeout;
  private current?: CurrentRun;
  private rootStatus = "started";
  private readonly subgraphs = new Map<string, { namespace: string[]; status: string; graph_name: string }>();
  private readonly stop = new AbortController();

  constructor(
    readonly threadId: string,
    private readonly options: { idleMs: number; maxEvents: number; onClose: () => void },
  ) {}

  /** The last sequence number given out (what a command response reports as applied). */
  get seq(): number {
    return this.nextSeq - 1;
  }

  /** Starts turning the feed into events; the feed gets the log's own signal. */
  start(feed: (signal: AbortSignal) => AsyncIterable<ThreadFeedItem>): void {
    void (async () => {
      try {
        for await (const item of feed(this.stop.signal)) this.ingest(item);
        this.end("closed");
      } catch (err) {
        this.end(err instanceof ServerStopping ? "stopped" : "closed");
      }
    })();
    this.armIdle();
  }

  /** Stops following the thread; readers end (cut, when the server is stopping). */
  close(reason: "closed" | "stopped" = "closed"): void {
    this.stop.abort();
    this.end(reason);
  }

  /** Keeps the log open a while longer (a command just used it). */
  touch(): void {
    this.armIdle();
  }

  /**
   * Events with `seq` after `after` (all held ones by default), then live ones, until the log ends
   * or `signal` aborts. Throws ServerStopping when the server stops.
   */
  async *follow(options: { after?: number; signal?: AbortSignal } = {}): AsyncGenerator<LoggedEvent> {
    this.readers += 1;
    clearTimeout(this.idleTimer);
    let cursor = options.after ?? -1;
    try {
      while (!options.signal?.aborted) {
        const first = this.entries[0]?.event.seq ?? this.nextSeq;
        for (let i = Math.max(0, cursor + 1 - first); i < this.entries.length; i++) {
          const entry = this.entries[i]!;
          cursor = entry.event.seq;
          yield entry;
          if (options.signal?.aborted) return;
        }
        if (this.ended === "stopped") throw new ServerStopping();
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          const done = () => {
            this.wakers.delete(done);
            options.signal?.removeEventListener("abort", done);
            resolve();
          };
          this.wakers.add(done);
          options.signal?.addEventListener("abort", done, { once: true });
        });
      }
    } finally {
      this.readers -= 1;
      this.armIdle();
    }
  }

  /** Held events up to `upTo` that match (a WebSocket subscription's replay). */
  replay(upTo: number, filter: EventFilter): LoggedEvent[] {
    return this.entries.filter((e) => e.event.seq <= upTo && matches(e.event, filter));
  }

  /** The namespaces seen so far, as a tree under the root. */
  tree(namespace: string[] = []): AgentTreeNode {
    const key = namespace.join("|");
    const self = namespace.length === 0 ? { status: this.rootStatus, graph_name: "root" } : this.subgraphs.get(key);
    const children = [...this.subgraphs.values()]
      .filter((s) => s.namespace.length === namespace.length + 1 && namespace.every((seg, i) => s.namespace[i] === seg))
      .map((s) => this.tree(s.namespace));
    return {
      namespace,
      status: self?.status ?? "started",
      graph_name: self?.graph_name ?? namespace.at(-1)?.split(":")[0] ?? "root",
      ...(children.length ? { children } : {}),
    };
  }

  private ingest(item: ThreadFeedItem): void {
    if (this.current?.runId !== item.run.run_id) this.beginRun(item.run);
    const current = this.current!;
    if (item.kind === "end") {
      this.endRun(current, item);
      return;
    }
    if (item.event.event === "error") {
      current.error = errorMessage(item.event);
      return;
    }
    for (const body of toProtocolEvents(item.run, item.event)) {
      if (body.method === "input.requested") {
        const id = (body.data as { interrupt_id: string }).interrupt_id;
        if (current.requested.has(id)) continue;
        current.requested.add(id);
      }
      if (body.method === "lifecycle") {
        const data = body.data as { event: string; graph_name?: string };
        this.subgraphs.set(body.namespace.join("|"), { namespace: body.namespace, status: data.event, graph_name: data.graph_name ?? "" });
      }
      this.push(body);
    }
  }

  private beginRun(run: Run): void {
    clearTimeout(this.idleTimer);
    this.current = { runId: run.run_id, firstSeq: this.nextSeq, requested: new Set() };
    this.subgraphs.clear();
    this.rootLifecycle(run.run_id, { event: "running", graph_name: "root" });
    // A resume names the interrupts it answers: every client can stop offering them.
    const resume = (run.kwargs.command as { resume?: unknown } | undefined)?.resume;
    if (run.kwargs.protocol && resume && typeof resume === "object" && !Array.isArray(resume)) {
      this.push({ method: "input.answered", namespace: [], data: { interrupt_ids: Object.keys(resume) } });
    }
  }

  private endRun(current: CurrentRun, item: Extract<ThreadFeedItem, { kind: "end" }>): void {
    const status = item.final?.status ?? "interrupted";
    // Cut short by the server stopping: the run resumes later, its end is not known yet.
    if (status === "pending" || status === "running") return;
    // Interrupts the run's own events did not show (a REST run that streamed no values).
    if (status === "success" && item.thread?.status === "interrupted") {
      for (const interrupts of Object.values(item.thread.interrupts ?? {})) {
        for (const request of interruptRequests(interrupts)) {
          if (current.requested.has(request.interrupt_id)) continue;
          current.requested.add(request.interrupt_id);
          this.push({ method: "input.requested", namespace: [], data: request });
        }
      }
    }
    const event =
      status === "success" ? (current.requested.size ? "interrupted" : "completed") : status === "interrupted" ? "interrupted" : "failed";
    this.rootLifecycle(current.runId, {
      event,
      graph_name: "root",
      ...(event === "failed" ? { error: current.error ?? `Run ended ${status}` } : {}),
    });
    this.current = undefined;
    if (this.entries.length > this.options.maxEvents) {
      const keepFrom = this.entries.findIndex((e) => e.event.seq >= current.firstSeq);
      this.entries = keepFrom === -1 ? [] : this.entries.slice(keepFrom);
    }
    this.armIdle();
  }

  private rootLifecycle(runId: string, data: { event: string; graph_name: string; error?: string }): void {
    this.rootStatus = data.event;
    this.push({ method: "lifecycle", namespace: [], data }, `synth:${runId}:${this.nextSeq}`);
  }

  private push(body: ProtocolEventBody, eventId?: string): void {
    const seq = this.nextSeq++;
    const event: ProtocolEvent = {
      type: "event",
      event_id: eventId ?? String(seq),
      seq,
      method: body.method,
      params: { namespace: body.namespace, timestamp: Date.now(), ...(body.node ? { node: body.node } : {}), data: body.data },
    };
    this.entries.push({ event, json: JSON.stringify(event) });
    this.wake();
  }

  private end(reason: "closed" | "stopped"): void {
    if (this.ended) return;
    this.ended = reason;
    clearTimeout(this.idleTimer);
    this.wake();
    this.options.onClose();
  }

  private wake(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Closes the log after `idleMs` without readers or a run in progress. */
  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.ended || this.readers > 0 || this.current) return;
    this.idleTimer = setTimeout(() => {
      if (this.readers === 0 && !this.current) this.close();
    }, this.options.idleMs);
    this.idleTimer.unref();
  }
}
