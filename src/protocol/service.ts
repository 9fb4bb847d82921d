/**
 * The thread-centric protocol (v2) behind its three routes: `POST /threads/:id/commands` (one
 * command per request), `POST /threads/:id/stream/events` (an SSE stream per filter) and the
 * WebSocket `GET /threads/:id/stream/events` (commands, subscriptions and events on one socket).
 * Transport-agnostic: the routes hand over requests and sockets.
 *
 * Authorization is the services': opening a stream, and every command but `run.start` (which may
 * create the thread), first reads the thread as the caller, so a thread the caller may not see is
 * a 404 (on a socket, an error response naming status 404, and no events); commands then go
 * through the run and thread services, which authorize what they do. Each thread's events come from one ProtocolThreadLog
 * (thread-log.ts), fed by the thread feed (every run in turn), shared by all its readers.
 */
import type { AuthContext } from "../auth/authenticate.js";
import { ThreadNotFound } from "../errors.js";
import type { RunService } from "../runs/service.js";
import type { ThreadFeed } from "../runs/thread-feed.js";
import type { ThreadService } from "../threads/service.js";
import { CommandFailure, CommandHandler, type ProtocolCommand } from "./commands.js";
import { SocketSession, type SocketLike } from "./socket-session.js";
import { matches, ProtocolThreadLog, seqOfEventId, type EventFilter } from "./thread-log.js";

type Headers = Record<string, string | string[] | undefined>;

/** A command's answer: `{type: "success", id, result, meta}` or `{type: "error", id, error, message, meta}`. */
export type ProtocolResponse = Record<string, unknown> & { type: "success" | "error" };

export interface ProtocolOptions {
  /** How long a thread's log stays without readers or a run in progress (ms). Default 30 s. */
  idleMs?: number;
  /** Events a thread's log holds before it drops the runs before the last (default 10,000). */
  maxEvents?: number;
}

export class ProtocolService {
  private readonly logs = new Map<string, ProtocolThreadLog>();
  private readonly commands: CommandHandler;
  private closed = false;

  constructor(
    private readonly threads: ThreadService,
    runs: RunService,
    private readonly feed: ThreadFeed,
    private readonly options: ProtocolOptions = {},
  ) {
    this.commands = new CommandHandler(threads, runs);
  }

  /**
   * `POST /threads/:id/commands`: the command's response. Protocol refusals are error responses;
   * a service's AppError (a hidden thread is a 404) is thrown for the HTTP layer to answer.
   */
  async command(auth: AuthContext | null, threadId: string, command: ProtocolCommand, headers: Headers): Promise<ProtocolResponse> {
    if (command.method !== "run.start") await this.threads.get(auth, threadId);
    const log = this.log(threadId);
    const meta = { thread_id: threadId, applied_through_seq: log.seq };
    try {
      const result = await this.commands.run({ auth, threadId, headers, log }, command);
      return { type: "success", id: command.id, result, meta };
    } catch (err) {
      if (!(err instanceof CommandFailure)) throw err;
      return { type: "error", id: command.id, error: err.code, message: err.message, meta };
    } finally {
      log.touch();
    }
  }

  /**
   * `POST /threads/:id/stream/events`: the thread's events that match `filter` (held ones after
   * `since`, or after the event a reconnecting client's `Last-Event-ID` names, then live), as SSE
   * events, until `signal` aborts. Throws ServerStopping when the server stops.
   */
  async events(
    auth: AuthContext | null,
    threadId: string,
    filter: EventFilter,
    options: { lastEventId?: string; signal: AbortSignal },
  ): Promise<AsyncGenerator<{ id: string; event: string; data: string }>> {
    await this.threads.get(auth, threadId);
    const log = this.log(threadId);
    const after = filter.since ?? seqOfEventId(options.lastEventId);
    const { signal } = options;
    return (async function* () {
      for await (const { event, json } of log.follow({ after, signal })) {
        if (matches(event, filter)) yield { id: event.event_id, event: event.method, data: json };
      }
    })();
  }

  /**
   * The WebSocket: a session to hand the socket's messages to (and its close). It delivers the
   * thread's events once the caller can read the thread (at once, or after the `run.start` that
   * creates it). Commands answer like `command`, a service's error included (as an error
   * response with its HTTP `status` and `code`: there is no status line on a socket).
   */
  async openSocket(auth: AuthContext | null, threadId: string, headers: Headers, socket: SocketLike): Promise<SocketSession> {
    const attach = async () => {
      if (session.attached || !(await this.readable(auth, threadId))) return;
      session.attach(this.log(threadId));
    };
    const meta = () => ({ thread_id: threadId, applied_through_seq: this.logs.get(threadId)?.seq ?? 0 });
    const session = new SocketSession(
      socket,
      async (command) => {
        try {
          const response = await this.command(auth, threadId, command, headers);
          await attach();
          return response;
        } catch (err) {
          const e = err as { status?: number; message?: string; code?: string };
          const error = e.status === 401 || e.status === 403 ? "permission_denied" : e.status && e.status < 500 ? "invalid_argument" : "unknown_error";
          return {
            type: "error",
            id: command.id,
            error,
            message: e.message ?? String(err),
            ...(e.status ? { status: e.status } : {}),
            ...(e.code ? { code: e.code } : {}),
            meta: meta(),
          };
        }
      },
      meta,
    );
    await attach();
    return session;
  }

  /** The server is stopping: every log ends, its readers are cut (clients reconnect later). */
  close(): void {
    this.closed = true;
    for (const log of [...this.logs.values()]) log.close("stopped");
  }

  /** Whether the caller may read the thread (false for a missing one, and for one hidden from them alike). */
  private async readable(auth: AuthContext | null, threadId: string): Promise<boolean> {
    try {
      await this.threads.get(auth, threadId);
      return true;
    } catch (err) {
      if (err instanceof ThreadNotFound) return false;
      throw err;
    }
  }

  /** The thread's log, started on first use. */
  private log(threadId: string): ProtocolThreadLog {
    let log = this.logs.get(threadId);
    if (log) return log;
    const created = new ProtocolThreadLog(threadId, {
      idleMs: this.options.idleMs ?? 30_000,
      maxEvents: this.options.maxEvents ?? 10_000,
      onClose: () => {
        if (this.logs.get(threadId) === created) this.logs.delete(threadId);
      },
    });
    this.logs.set(threadId, created);
    created.start((signal) => this.feed.follow(threadId, { signal }));
    if (this.closed) created.close("stopped");
    return created;
  }
}
