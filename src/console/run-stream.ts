/**
 * One run at a time from the thread view: starts it with `runs.stream`, keeps a live event log,
 * assembles streamed message chunks by id (so tokens appear as they arrive), and cancels it.
 */
import type { Command, StreamMode } from "@langchain/langgraph-sdk";
import { useRef, useState } from "preact/hooks";
import { describeError } from "./api";
import { useClient } from "./hooks";

export interface LoggedEvent {
  n: number;
  event: string;
  data: unknown;
}

/** A chat message as the console draws it. */
export interface ChatMessage {
  id?: string;
  type: string;
  content: unknown;
  tool_calls?: unknown[];
  name?: string;
}

export interface RunRequest {
  assistantId: string;
  input?: unknown;
  command?: Command;
  checkpointId?: string;
  streamMode: StreamMode[];
}

const LOG_LIMIT = 500;

export function useRunStream(threadId: string, onFinished: () => Promise<void>) {
  const client = useClient();
  const [running, setRunning] = useState(false);
  const [runId, setRunId] = useState<string>();
  const [events, setEvents] = useState<LoggedEvent[]>([]);
  const [streaming, setStreaming] = useState<ChatMessage[]>([]);
  const [values, setValues] = useState<Record<string, unknown>>();
  const [error, setError] = useState<string>();
  const abort = useRef<AbortController>();

  const start = async (request: RunRequest) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setRunId(undefined);
    setEvents([]);
    setStreaming([]);
    setValues(undefined);
    setError(undefined);
    let n = 0;
    try {
      const stream = client.runs.stream(threadId, request.assistantId, {
        input: request.input as Record<string, unknown> | null | undefined,
        command: request.command,
        checkpointId: request.checkpointId,
        streamMode: request.streamMode,
        signal: controller.signal,
        onRunCreated: ({ run_id }) => setRunId(run_id),
      });
      for await (const chunk of stream) {
        const entry: LoggedEvent = { n: ++n, event: chunk.event, data: chunk.data };
        setEvents((list) => (list.length >= LOG_LIMIT ? [...list.slice(1), entry] : [...list, entry]));
        if (chunk.event === "metadata") setRunId((chunk.data as { run_id?: string }).run_id);
        else if (chunk.event === "values") setValues(chunk.data as Record<string, unknown>);
        else if (chunk.event === "messages" || chunk.event.startsWith("messages|")) addChunk(setStreaming, (chunk.data as [ChatMessage, unknown])[0], true);
        else if (chunk.event === "messages/partial" || chunk.event === "messages/complete") {
          for (const message of chunk.data as ChatMessage[]) addChunk(setStreaming, message, false);
        } else if (chunk.event === "error") setError(describeStreamError(chunk.data));
      }
    } catch (err) {
      if (!controller.signal.aborted) setError(describeError(err).message);
    } finally {
      // The run's last values stay on screen until the thread's state is read back.
      if (abort.current === controller) {
        await onFinished().catch(() => undefined);
        setRunning(false);
      }
    }
  };

  const cancel = async () => {
    if (!runId) return;
    try {
      await client.runs.cancel(threadId, runId);
    } catch (err) {
      setError(describeError(err).message);
    }
  };

  return { start, cancel, running, runId, events, streaming, values, error };
}

/**
 * `messages-tuple` events carry chunks: each adds to the message with the same id, as the SDK's
 * own message assembly does (a message seen whole arrives once). `messages/partial` events carry
 * the message so far, which replaces it.
 */
function addChunk(set: (update: (list: ChatMessage[]) => ChatMessage[]) => void, message: ChatMessage, append: boolean) {
  if (!message || typeof message !== "object") return;
  set((list) => {
    const at = message.id ? list.findIndex((m) => m.id === message.id) : -1;
    if (at === -1) return [...list, message];
    const previous = list[at]!;
    const merged = append ? { ...previous, ...message, content: concatContent(previous.content, message.content) } : message;
    return list.map((m, i) => (i === at ? merged : m));
  });
}

function concatContent(before: unknown, after: unknown): unknown {
  if (typeof before === "string" && typeof after === "string") return before + after;
  if (Array.isArray(before) && Array.isArray(after)) return [...before, ...after];
  return after;
}

function describeStreamError(data: unknown): string {
  const d = data as { error?: string; message?: string } | string;
  if (typeof d === "string") return d;
  return [d?.error, d?.message].filter(Boolean).join(": ") || JSON.stringify(data);
}
