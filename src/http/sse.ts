/**
 * Server-sent events exactly as the SDKs parse them: `event:`, `data:`, then `id:` lines and a
 * blank line per event; a `: heartbeat` comment every 15 s keeps proxies from cutting idle streams.
 */
import type { FastifyReply } from "fastify";
import { ServerStopping } from "../errors.js";

/** One SSE event: `data` is JSON text already; `id` is a run's event number or a stream's own id. */
export interface SseEvent {
  id: number | string;
  event: string;
  data: string;
}

export function sseFrame(event: SseEvent, withId: boolean): string {
  return `event: ${event.event}\ndata: ${event.data}\n${withId ? `id: ${event.id}\n` : ""}\n`;
}

/**
 * The frames of a batch that several readers were handed together (a run's readers woken at the
 * same moment share the batch array): joined and encoded once, then written to each reader's
 * socket. A hundred readers of one token stream cost one encoding, not a hundred.
 */
const BATCHES = new WeakMap<readonly SseEvent[], Buffer>();

/**
 * Takes over the response and writes `events` as SSE until they end or the client goes away.
 * Headers set on the reply before (CORS, Content-Location) are kept. `events` may come in batches
 * (the events that arrived together): a batch is one write.
 */
export async function sendSse(
  reply: FastifyReply,
  events: AsyncIterable<SseEvent | readonly SseEvent[]>,
  options: { withIds: boolean; heartbeatMs: number; headers?: Record<string, string> },
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    ...options.headers,
  });
  raw.flushHeaders();
  const heartbeat = setInterval(() => raw.write(": heartbeat\n\n"), options.heartbeatMs);
  try {
    for await (const item of events) {
      if (raw.destroyed) break;
      const chunk = Array.isArray(item) ? batchFrames(item as readonly SseEvent[], options.withIds) : sseFrame(item as SseEvent, options.withIds);
      // A slow client must not hold the run back: events queue in the broker, not in the worker.
      if (!raw.write(chunk)) await drained(raw);
    }
    raw.end();
  } catch (err) {
    // The server is stopping mid-run: cut the stream rather than end it, so the client does not
    // take it for the run's end (the SDKs reconnect to resumable runs once the server is back).
    if (!(err instanceof ServerStopping)) {
      raw.end();
      throw err;
    }
    raw.destroy();
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * `/wait`-style responses: JSON text that may take long. Headers go out at once and a newline
 * every 5 s keeps the connection alive (the SDKs parse JSON with leading whitespace); then the body.
 */
export async function sendJsonWhenReady(reply: FastifyReply, json: Promise<string>, headers: Record<string, string> = {}): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), "content-type": "application/json", ...headers });
  const keepAlive = setInterval(() => raw.write("\n"), 5_000);
  try {
    raw.end(await json);
  } catch (err) {
    const e = err as Error;
    raw.end(JSON.stringify({ __error__: { error: e?.name ?? "Error", message: e?.message ?? String(err) } }));
  } finally {
    clearInterval(keepAlive);
  }
}

function batchFrames(batch: readonly SseEvent[], withIds: boolean): string | Buffer {
  if (batch.length === 1) return sseFrame(batch[0]!, withIds);
  if (!withIds) return batch.map((event) => sseFrame(event, false)).join("");
  let bytes = BATCHES.get(batch);
  if (bytes === undefined) {
    bytes = Buffer.from(batch.map((event) => sseFrame(event, true)).join(""));
    BATCHES.set(batch, bytes);
  }
  return bytes;
}

/** Resolves when the response can take more, or is gone; leaves no listener behind either way. */
function drained(raw: NodeJS.WritableStream & { once: (e: string, f: () => void) => unknown; off: (e: string, f: () => void) => unknown }): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off("drain", done);
      raw.off("close", done);
      resolve();
    };
    raw.once("drain", done);
    raw.once("close", done);
  });
}
