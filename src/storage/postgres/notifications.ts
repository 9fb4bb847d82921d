/**
 * Signals between instances with LISTEN/NOTIFY. One dedicated connection (not from the pool)
 * listens; it is opened at the first subscription and, when it drops, reopened with backoff,
 * after which `onReconnect` handlers run (notifications sent meanwhile are lost; listeners poll
 * to catch up). Publishing is a plain NOTIFY through the pool.
 */
import pg from "pg";
import type { SignalChannel, Signals } from "../types.js";
import type { Database } from "./database.js";

// migrations/postgres/0004 names two channels too (agent_server_events, agent_server_runs).
const CHANNEL_PREFIX = "agent_server_";

/** The Postgres channel a signal travels on. */
export function channelName(channel: SignalChannel): string {
  return CHANNEL_PREFIX + channel;
}
const MAX_BACKOFF_MS = 5_000;

export class PgSignals implements Signals {
  private readonly handlers = new Map<SignalChannel, Set<(payload: string) => void>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly pool: Database,
    private readonly url: string,
  ) {}

  async publish(channel: SignalChannel, payload: string): Promise<void> {
    await this.pool.query(`SELECT pg_notify($1, $2)`, [CHANNEL_PREFIX + channel, payload]);
  }

  subscribe(channel: SignalChannel, handler: (payload: string) => void): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      this.handlers.set(channel, (set = new Set()));
      if (this.client) void this.client.query(`LISTEN ${CHANNEL_PREFIX}${channel}`).catch(() => undefined);
    }
    set.add(handler);
    void this.connect();
    return () => set.delete(handler);
  }

  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  /** Resolves once the listening connection is up (or, closed, never will be). */
  ready(): Promise<void> {
    return this.connect();
  }

  private connect(attempt = 0): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url, application_name: "agent-server listener" });
      try {
        await client.connect();
        for (const channel of this.handlers.keys()) await client.query(`LISTEN ${CHANNEL_PREFIX}${channel}`);
      } catch {
        await client.end().catch(() => undefined);
        this.connecting = null;
        this.retry(attempt + 1);
        return;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      client.on("notification", (n) => {
        const channel = n.channel.slice(CHANNEL_PREFIX.length) as SignalChannel;
        for (const handler of [...(this.handlers.get(channel) ?? [])]) handler(n.payload ?? "");
      });
      const lost = () => {
        if (this.client !== client) return;
        this.client = null;
        void client.end().catch(() => undefined);
        this.retry(1);
      };
      client.on("error", lost);
      client.on("end", lost);
      this.client = client;
      this.connecting = null;
      if (attempt > 0) for (const handler of [...this.reconnectHandlers]) handler();
    })();
    return this.connecting;
  }

  private retry(attempt: number): void {
    if (this.closed) return;
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt);
    this.retryTimer = setTimeout(() => void this.connect(attempt), delay);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.connecting;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
