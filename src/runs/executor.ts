/**
 * Executes one run attempt: builds the LangGraph config from the assistant, the thread and the
 * run, streams the graph, and turns each chunk into an API event (`mode` or `mode|ns1|ns2`).
 * Runs created by the thread-centric protocol stream LangGraph's protocol events instead
 * (streamEvents v3): the event is the protocol method (`messages`, `lifecycle`, …, namespaced the
 * same way) and the data its `params.data`.
 */
import { Command, createGraphRunStream, Send, STREAM_EVENTS_V3_MODES } from "@langchain/langgraph";
import { applyIdentity, checkpointFields, type ConfigIdentity } from "../graphs/configurable.js";
import type { RunnableGraph } from "../graphs/registry.js";
import { serialize } from "../graphs/serialize.js";
import type { Assistant, Run, RunInternal } from "../storage/types.js";
import { checkpointEventData, debugEventData } from "./checkpoint-events.js";
import { LegacyMessages } from "./legacy-messages.js";

/**
 * Takes each API event of a run as it is produced: `json` is the data as JSON already, when the
 * executor made it more cheaply than `serialize` would. A callback rather than a generator: a
 * token stream passes hundreds of events a second through here, and every generator layer costs
 * each of them promises.
 */
export type EmitEvent = (event: string, data: unknown, json?: string) => void;

/**
 * messages-tuple events, one per token: `[message chunk, metadata]`, where LangGraph hands every
 * token of one model call the same metadata object (node, step, tags, ids: most of the event's
 * bytes). Its JSON is made once per model call; only the chunk is serialised per token.
 */
class TupleSerializer {
  private readonly metadata = new WeakMap<object, string>();

  serialize(data: unknown): string | undefined {
    if (!Array.isArray(data) || data.length !== 2 || typeof data[1] !== "object" || data[1] === null) return undefined;
    let meta = this.metadata.get(data[1]);
    if (meta === undefined) {
      meta = serialize(data[1]);
      this.metadata.set(data[1], meta);
    }
    return `[${serialize(data[0])},${meta}]`;
  }
}

/** What the worker learns from the stream itself, so it need not read the state back. */
export interface StreamOutcome {
  /** The last values the root graph emitted (its whole state after its last step). */
  lastValues?: unknown;
}

/** LangGraph marks a run that stopped at an interrupt with a values chunk of this one key. */
export function isInterruptMarker(values: unknown): boolean {
  return typeof values === "object" && values !== null && "__interrupt__" in values;
}

/** API stream modes and the LangGraph mode each one reads. */
const LIBRARY_MODE: Record<string, string> = {
  values: "values",
  updates: "updates",
  custom: "custom",
  debug: "debug",
  tasks: "tasks",
  checkpoints: "checkpoints",
  "messages-tuple": "messages",
  messages: "messages",
  tools: "tools",
};

/**
 * The LangGraph config of a run: the assistant's config, then the run's, then the caller's choice
 * of checkpoint, and last the server's own keys (thread, run, assistant, graph, identity), so
 * nothing a caller or an assistant's author wrote can replace them.
 */
export function buildRunConfig(
  run: Run,
  assistant: Assistant,
  internal: RunInternal,
): { configurable: Record<string, unknown>; config: Record<string, unknown> } {
  const assistantConfig = assistant.config as { configurable?: Record<string, unknown>; tags?: string[]; recursion_limit?: number };
  const runConfig = run.kwargs.config as { configurable?: Record<string, unknown>; tags?: string[]; recursion_limit?: number };
  const configurable: Record<string, unknown> = {
    ...assistantConfig.configurable,
    ...runConfig.configurable,
    ...checkpointFields(run.kwargs.checkpoint),
    ...(run.kwargs.checkpoint_id ? { checkpoint_id: run.kwargs.checkpoint_id } : {}),
    run_id: run.run_id,
    thread_id: run.thread_id,
    graph_id: assistant.graph_id,
    assistant_id: assistant.assistant_id,
  };
  applyIdentity(configurable, internal.auth as ConfigIdentity | null | undefined);
  const tags = [...(assistantConfig.tags ?? []), ...(runConfig.tags ?? [])];
  const config: Record<string, unknown> = {
    configurable,
    metadata: { ...assistant.metadata, ...run.metadata, run_id: run.run_id, run_attempt: internal.attempt, langgraph_host: "self-hosted" },
    ...(tags.length ? { tags } : {}),
  };
  const recursionLimit = runConfig.recursion_limit ?? assistantConfig.recursion_limit;
  if (recursionLimit !== undefined) config.recursionLimit = recursionLimit;
  return { configurable, config };
}

export async function executeRun(
  graph: RunnableGraph,
  run: Run,
  assistant: Assistant,
  internal: RunInternal,
  signal: AbortSignal,
  emit: EmitEvent,
  outcome: StreamOutcome = {},
): Promise<void> {
  const { config } = buildRunConfig(run, assistant, internal);
  const requested = new Set(run.kwargs.stream_mode.length ? run.kwargs.stream_mode : ["values"]);
  const legacy = requested.has("messages") ? new LegacyMessages(emit) : undefined;
  const tuples = new TupleSerializer();
  const libraryModes = new Set([...requested].map((m) => LIBRARY_MODE[m]).filter((m): m is string => !!m));
  // Always read values: legacy messages announce completed messages from them, and the last one
  // is the run's final state.
  libraryModes.add("values");
  const context = { ...assistant.context, ...((run.kwargs.context as Record<string, unknown> | undefined) ?? {}) };
  const input = run.kwargs.command ? toCommand(run.kwargs.command) : (run.kwargs.input ?? null);
  const options: Record<string, unknown> = {
    ...config,
    streamMode: [...libraryModes],
    subgraphs: run.kwargs.subgraphs,
    signal,
    runId: run.run_id,
    ...(Object.keys(context).length ? { context } : {}),
    ...(run.kwargs.interrupt_before ? { interruptBefore: run.kwargs.interrupt_before } : {}),
    ...(run.kwargs.interrupt_after ? { interruptAfter: run.kwargs.interrupt_after } : {}),
    ...(run.kwargs.durability ? { durability: run.kwargs.durability } : {}),
  };
  if (run.kwargs.protocol) return viaProtocol(graph, input, options, emit, outcome);
  /** One chunk of LangGraph's stream: `[namespace, mode, data]`. */
  const onChunk = (parts: [string[], string, unknown]): void => {
    const [ns, mode, data] = parts;
    const name = (event: string) => (ns.length ? `${event}|${ns.join("|")}` : event);
    if (mode === "messages") {
      if (requested.has("messages-tuple")) emit(name("messages"), data, tuples.serialize(data));
      legacy?.onToken(data);
      return;
    }
    if (mode === "values") {
      if (ns.length === 0) outcome.lastValues = data;
      // Before the values event that holds them: a message is complete once a step's state holds
      // it, a subgraph's step included.
      legacy?.onValues(data, ns.length === 0);
    }
    if (requested.has(mode)) emit(name(mode), reshape(mode, data));
  };
  const withNamespace = (chunk: unknown) => (run.kwargs.subgraphs ? chunk : [[], ...(chunk as unknown[])]) as [string[], string, unknown];
  if (requested.has("events")) {
    await viaEvents(graph, input, options, run, (chunk) => onChunk(withNamespace(chunk)), (event) => emit("events", event));
    return;
  }
  // LangGraph's stream(): [mode, data] chunks, or [namespace, mode, data] with subgraphs.
  for await (const chunk of await graph.stream(input, options)) onChunk(withNamespace(chunk));
}

/** The Platform's shape of the checkpoint-bearing modes (see checkpoint-events.ts). */
function reshape(mode: string, data: unknown): unknown {
  if (mode === "debug") return debugEventData(data);
  if (mode === "checkpoints") return checkpointEventData(data);
  return data;
}

/**
 * The `events` mode: LangChain's streamEvents (v2). The root graph's own `on_chain_stream` events
 * carry the other modes' chunks (to `onChunk`); every other event goes out as an `events` event.
 */
async function viaEvents(
  graph: RunnableGraph,
  input: unknown,
  options: Record<string, unknown>,
  run: Run,
  onChunk: (chunk: unknown) => void,
  onEvent: (event: unknown) => void,
): Promise<void> {
  if (typeof graph.streamEvents !== "function") throw new Error("this graph does not support the events stream mode");
  for await (const event of graph.streamEvents(input, { ...options, version: "v2" })) {
    const e = event as { event: string; run_id?: string; data?: { chunk?: unknown } };
    if (e.event === "on_chain_stream" && e.run_id === run.run_id) onChunk(e.data?.chunk);
    else onEvent(event);
  }
}

/**
 * The protocol's events from LangGraph itself (messages as content-block deltas, lifecycles of
 * subgraphs): what `streamEvents(..., {version: "v3"})` does, composed from its public parts,
 * because the graph the registry hands out is a copy that lacks the original's private methods.
 */
async function viaProtocol(graph: RunnableGraph, input: unknown, options: Record<string, unknown>, emit: EmitEvent, outcome: StreamOutcome): Promise<void> {
  const source = await graph.stream(input, { ...options, version: "v3", streamMode: [...STREAM_EVENTS_V3_MODES], subgraphs: true });
  const transformers = (graph as { streamTransformers?: Parameters<typeof createGraphRunStream>[1] }).streamTransformers ?? [];
  for await (const event of createGraphRunStream(source as Parameters<typeof createGraphRunStream>[0], transformers)) {
    const { method, params } = event as { method: string; params: { namespace: string[]; data: unknown } };
    const ns = params.namespace;
    // The root's lifecycle is the server's to tell, from how the run ended (protocol/thread-log.ts).
    if (method === "lifecycle" && ns.length === 0) continue;
    if (method === "values" && ns.length === 0) outcome.lastValues = params.data;
    emit(ns.length ? `${method}|${ns.join("|")}` : method, params.data);
  }
}

function toCommand(command: unknown): Command {
  const c = command as { resume?: unknown; update?: unknown; goto?: unknown };
  return new Command({
    ...(c.resume !== undefined ? { resume: c.resume } : {}),
    ...(c.update !== undefined ? { update: c.update as Record<string, unknown> } : {}),
    ...(c.goto !== undefined ? { goto: toGoto(c.goto) } : {}),
  });
}

/** `goto` on the wire: a node name, a `{node, input}` Send, or a list of those. */
function toGoto(goto: unknown): string | Send | Array<string | Send> {
  if (Array.isArray(goto)) return goto.map((g) => toGoto(g) as string | Send);
  if (goto && typeof goto === "object" && typeof (goto as { node?: unknown }).node === "string") {
    const send = goto as { node: string; input?: unknown };
    return new Send(send.node, send.input);
  }
  return goto as string;
}
