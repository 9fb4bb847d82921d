/**
 * One WebSocket connection to a thread (`GET /threads/:id/stream/events`): commands and their
 * responses, and events, on one ordered wire. Subscriptions are in-band: `subscription.subscribe`
 * `{channels, namespaces?, depth?}` answers `{subscription_id, replayed_events}`, then replays the
 * thread's held events that match, then delivers live ones; they last across runs until
 * `subscription.unsubscribe` or the connection closes. An event matching several subscriptions
 * goes out once (clients fan out by filter themselves).
 *
 * Ordering: everything written goes through one queue, and a subscription is registered in the
 * same synchronous step that queues its response and replay, so its first live event always
 * follows them and none is missed or sent twice.
 *
 * A socket may be opened on a thread that does not exist yet: the SDK connects before its first
 * `run.start` creates the thread. Until the caller can read the thread, the session is not
 * attached to any events (subscriptions wait); once attached, it delivers everything the thread's
 * log holds to the subscriptions made so far.
 */
import { isSupportedChannel } from "@langchain/langgraph/stream";
import { randomUUID } from "node:crypto";
import { CommandFailure, type ProtocolCommand } from "./commands.js";
import { matches, type EventFilter, type ProtocolThreadLog } from "./thread-log.js";

/** The socket as the session needs it (the route adapts the WebSocket library's). */
export interface SocketLike {
  send(text: string): Promise<void>;
  close(code: number, reason: string): void;
}

/** Answers a command that is not about subscriptions (success or error response, as JSON-ready data). */
export type CommandRunner = (command: ProtocolCommand) => Promise<Record<string, unknown>>;

export class SocketSession {
  private readonly subscriptions = new Map<string, EventFilter>();
  private readonly stop = new AbortController();
  private queue = Promise.resolve();
  private log?: ProtocolThreadLog;
  /** The last event the pump has looked at. */
  private cursor = -1;

  constructor(
    private readonly socket: SocketLike,
    private readonly runCommand: CommandRunner,
    private readonly meta: () => Record<string, unknown>,
  ) {}

  get attached(): boolean {
    return this.log !== undefined;
  }

  /** Starts delivering the thread's events; the socket is closed when the thread's log ends. */
  attach(log: ProtocolThreadLog): void {
    if (this.log || this.stop.signal.aborted) return;
    this.log = log;
    void (async () => {
      try {
        for await (const entry of log.follow({ signal: this.stop.signal })) {
          this.cursor = entry.event.seq;
          for (const filter of this.subscriptions.values()) {
            if (matches(entry.event, filter)) {
              this.write(entry.json);
              break;
            }
          }
        }
        // The thread is gone (4404 is "not found": the SDK does not reconnect).
        if (!this.stop.signal.aborted) this.socket.close(4404, "thread not found");
      } catch {
        // The server is stopping: 1012 (service restart) lets the client reconnect later.
        this.socket.close(1012, "server stopping");
      }
    })();
  }

  /** The connection closed. */
  close(): void {
    this.stop.abort();
  }

  /** A message from the client. */
  async receive(text: string): Promise<void> {
    let command: ProtocolCommand;
    try {
      command = JSON.parse(text) as ProtocolCommand;
    } catch {
      return this.write(JSON.stringify({ type: "error", id: null, error: "invalid_argument", message: "Protocol commands must be valid JSON." }));
    }
    if (typeof command !== "object" || command === null || !Number.isInteger(command.id) || command.id < 0 || typeof command.method !== "string") {
      return this.write(JSON.stringify({ type: "error", id: null, error: "invalid_argument", message: "Protocol commands must include an integer id and a string method." }));
    }
    try {
      if (command.method === "subscription.subscribe") return this.subscribe(command);
      if (command.method === "subscription.unsubscribe") return this.unsubscribe(command);
    } catch (err) {
      if (!(err instanceof CommandFailure)) throw err;
      return this.write(JSON.stringify({ type: "error", id: command.id, error: err.code, message: err.message, meta: this.meta() }));
    }
    this.write(JSON.stringify(await this.runCommand(command)));
  }

  private subscribe(command: ProtocolCommand): void {
    const params = command.params ?? {};
    const channels = params.channels;
    if (!Array.isArray(channels) || channels.length === 0) {
      throw new CommandFailure("invalid_argument", "subscription.subscribe requires a non-empty channels array.");
    }
    if (!channels.every((c) => typeof c === "string" && isSupportedChannel(c))) {
      throw new CommandFailure("invalid_argument", "subscription.subscribe received an unsupported channel.");
    }
    const namespaces = Array.isArray(params.namespaces) && params.namespaces.every((n) => Array.isArray(n) && n.every((s) => typeof s === "string"))
      ? (params.namespaces as string[][])
      : undefined;
    const depth = typeof params.depth === "number" && Number.isInteger(params.depth) && params.depth >= 0 ? params.depth : undefined;
    const filter: EventFilter = { channels: channels as string[], ...(namespaces ? { namespaces } : {}), ...(depth !== undefined ? { depth } : {}) };
    const id = randomUUID();
    const replay = this.log?.replay(this.cursor, filter) ?? [];
    this.write(JSON.stringify({ type: "success", id: command.id, result: { subscription_id: id, replayed_events: replay.length }, meta: this.meta() }));
    for (const entry of replay) this.write(entry.json);
    this.subscriptions.set(id, filter);
  }

  private unsubscribe(command: ProtocolCommand): void {
    const id = command.params?.subscription_id;
    if (typeof id !== "string") throw new CommandFailure("invalid_argument", "subscription.unsubscribe requires a subscription_id.");
    if (!this.subscriptions.delete(id)) throw new CommandFailure("no_such_subscription", `Unknown subscription: ${id}`);
    this.write(JSON.stringify({ type: "success", id: command.id, result: {}, meta: this.meta() }));
  }

  /** Queues a frame; frames go out in order, each after the previous one was handed to the socket. */
  private write(text: string): void {
    this.queue = this.queue.then(() => this.socket.send(text)).catch(() => undefined);
  }
}
