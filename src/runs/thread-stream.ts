/**
 * `GET /threads/:id/stream` (SDK `threads.joinStream`): the thread feed as SSE events. It stays
 * open across runs; each event's id is `<run_id>:<n>` (the run's own event id), so a
 * `Last-Event-ID` names a run and a place in it, and a reconnect resumes there, then goes on with
 * the runs that followed. Stream modes (`stream_mode`, any combination):
 *
 * - `run_modes` (default): every event of every run, as that run streams it (`metadata` first);
 * - `lifecycle`: each run's `metadata` when it starts and a `lifecycle` event when it ends,
 *   `{"event": "completed" | "failed" | "interrupted", "namespace": [], "run_id", "status"}`
 *   (id `<run_id>:end`);
 * - `state_update`: the thread's state after each step (the runs' root `values` events).
 */
import type { ThreadFeedItem, ThreadFeedPosition } from "./thread-feed.js";

export const THREAD_STREAM_MODES = ["run_modes", "lifecycle", "state_update"] as const;
export type ThreadStreamMode = (typeof THREAD_STREAM_MODES)[number];

/** An event of a thread stream, ready for SSE (`data` is JSON text). */
export interface ThreadStreamEvent {
  id: string;
  event: string;
  data: string;
}

const POSITION = /^([0-9a-f-]{36}):(\d+|end)$/i;

/**
 * Where a `Last-Event-ID` resumes: after `<n>` (or after the whole run, `end`) of run
 * `<run_id>`. Anything else (none, `-`, an id from another stream) starts afresh.
 */
export function parseThreadPosition(lastEventId: string | undefined): ThreadFeedPosition | undefined {
  const match = lastEventId ? POSITION.exec(lastEventId.trim()) : null;
  if (!match) return undefined;
  return { runId: match[1]!.toLowerCase(), afterId: match[2] === "end" ? "end" : Number(match[2]) };
}

/** What a run's end looks like to lifecycle readers; a run deleted meanwhile (rolled back) was cut short. */
function lifecycleEnd(item: Extract<ThreadFeedItem, { kind: "end" }>): ThreadStreamEvent {
  const status = item.final?.status ?? "interrupted";
  const event = status === "success" ? (item.thread?.status === "interrupted" ? "interrupted" : "completed") : status === "interrupted" ? "interrupted" : "failed";
  return {
    id: `${item.run.run_id}:end`,
    event: "lifecycle",
    data: JSON.stringify({ event, namespace: [], run_id: item.run.run_id, status }),
  };
}

export async function* threadStreamEvents(items: AsyncIterable<ThreadFeedItem>, modes: ReadonlySet<ThreadStreamMode>): AsyncGenerator<ThreadStreamEvent> {
  const all = modes.has("run_modes");
  for await (const item of items) {
    if (item.kind === "end") {
      if (modes.has("lifecycle")) yield lifecycleEnd(item);
      continue;
    }
    const { event } = item.event;
    if (all || (modes.has("lifecycle") && event === "metadata") || (modes.has("state_update") && event === "values")) {
      yield { id: `${item.run.run_id}:${item.event.id}`, event, data: item.event.data };
    }
  }
}
