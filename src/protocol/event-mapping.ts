/**
 * A run's events (as the broker holds them: `mode` or `mode|ns1|ns2`, JSON data) as the
 * thread-centric protocol's events. Runs the protocol started already stream protocol events
 * (LangGraph's streamEvents v3, see runs/executor.ts); runs started through the REST API stream
 * the v1 modes, converted here with LangGraph's own converter where a mode has a protocol
 * channel. Their `messages-tuple` tokens have no protocol form and are left out (the messages
 * arrive with the state in `values`).
 *
 * Interrupts become `input.requested` events wherever they show up (a `values` snapshot's
 * `__interrupt__`, an `updates` event of the `__interrupt__` node), and the root's lifecycle is
 * left to the thread log, which tells it from how the run ended.
 */
import { convertToProtocolEvent } from "@langchain/langgraph/stream";
import type { RunEvent } from "../runs/broker.js";
import type { Run } from "../storage/types.js";

/** A protocol event before the thread log gives it its place (seq, event id, timestamp). */
export interface ProtocolEventBody {
  method: string;
  namespace: string[];
  node?: string;
  data: unknown;
}

/** v1 modes that have a protocol channel. */
const CONVERTIBLE = new Set(["values", "updates", "custom", "tasks", "tools", "checkpoints"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `[{id, value}]` (or `{__interrupt__: [...]}`) as input.requested data. */
export function interruptRequests(value: unknown): Array<{ interrupt_id: string; payload: unknown }> {
  const list = Array.isArray(value) ? value : isRecord(value) && Array.isArray(value.__interrupt__) ? value.__interrupt__ : [];
  return list.flatMap((entry: unknown) =>
    isRecord(entry) && typeof entry.id === "string" ? [{ interrupt_id: entry.id, payload: entry.value }] : [],
  );
}

function fromProtocolRun(method: string, namespace: string[], data: unknown): ProtocolEventBody[] {
  // Extension channels of stream transformers: named custom events.
  if (method.startsWith("custom:")) return [{ method: "custom", namespace, data: { name: method.slice("custom:".length), payload: data } }];
  const node = method === "updates" && isRecord(data) && typeof data.node === "string" ? data.node : undefined;
  return [{ method, namespace, ...(node ? { node } : {}), data }];
}

function fromRestRun(mode: string, namespace: string[], payload: unknown): ProtocolEventBody[] {
  if (!CONVERTIBLE.has(mode)) return [];
  return convertToProtocolEvent({ namespace, mode: mode as never, payload, seq: 0 }).map((event) => {
    const params = event.params as { namespace: string[]; node?: string; data: unknown };
    return { method: event.method, namespace: params.namespace, ...(params.node ? { node: params.node } : {}), data: params.data };
  });
}

/** Interrupts out of state payloads and into input.requested events. */
function withInputRequests(body: ProtocolEventBody): ProtocolEventBody[] {
  const { method, namespace, data } = body;
  if (method === "updates" && isRecord(data) && data.node === "__interrupt__") {
    return interruptRequests(data.values).map((request) => ({ method: "input.requested", namespace, data: request }));
  }
  if (method === "values" && isRecord(data) && "__interrupt__" in data) {
    const { __interrupt__: _, ...values } = data;
    const requests = interruptRequests(data).map((request) => ({ method: "input.requested", namespace, data: request }));
    return Object.keys(values).length ? [...requests, { ...body, data: values }] : requests;
  }
  return [body];
}

/** The protocol events for one of a run's events (none for `metadata`, `error` and modes without a channel). */
export function toProtocolEvents(run: Run, event: RunEvent): ProtocolEventBody[] {
  const [mode = "", ...namespace] = event.event.split("|");
  if (mode === "metadata" || mode === "error") return [];
  const data: unknown = JSON.parse(event.data);
  const bodies = run.kwargs.protocol ? fromProtocolRun(mode, namespace, data) : fromRestRun(mode, namespace, data);
  return bodies.flatMap(withInputRequests).filter((b) => !(b.method === "lifecycle" && b.namespace.length === 0));
}

/** The message of a run's `error` event. */
export function errorMessage(event: RunEvent): string {
  try {
    const data = JSON.parse(event.data) as { message?: unknown; error?: unknown };
    return typeof data.message === "string" ? data.message : String(data.error ?? "Run failed");
  } catch {
    return "Run failed";
  }
}
