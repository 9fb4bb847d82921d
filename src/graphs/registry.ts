/**
 * Loads the graphs named in langgraph.json and hands out runnable instances.
 *
 * Files are imported through the ModuleLoader, so `.ts`/`.mts`/`.js`/`.mjs` all work without a
 * build step and share this server's copy of LangGraph. Graphs
 * are recognised by shape, never by `instanceof`: a user's project may carry its own copy of
 * `@langchain/langgraph`. An export may be a compiled graph, an uncompiled StateGraph, a promise
 * of either, or a (possibly async) factory called with each run's config.
 */
import { fileURLToPath } from "node:url";
import { v5 as uuidv5 } from "uuid";
import type { GraphRef } from "../config/load.js";
import { ConfigError, GraphNotFound } from "../errors.js";
import type { Storage } from "../storage/types.js";
import type { ModuleLoader } from "./module-loader.js";

/** What graphs get from storage: our checkpointer and the shared long-term store. */
export function storageBinding(storage: Storage): { checkpointer: unknown; store: unknown } {
  return { checkpointer: storage.checkpointer, store: storage.store.langgraph };
}

/** The namespace LangGraph uses for system assistant ids (uuid5 of the graph id). */
export const SYSTEM_ASSISTANT_NAMESPACE = "6ba7b821-9dad-11d1-80b4-00c04fd430c8";

export function systemAssistantId(graphId: string): string {
  return uuidv5(graphId, SYSTEM_ASSISTANT_NAMESPACE);
}

/**
 * The part of a compiled LangGraph graph (Pregel) this server uses. Typed structurally so graphs
 * compiled by another copy of the library fit.
 */
export interface RunnableGraph {
  checkpointer?: unknown;
  store?: unknown;
  stream(input: unknown, options?: Record<string, unknown>): Promise<AsyncIterable<unknown>>;
  getState(config: Record<string, unknown>, options?: Record<string, unknown>): Promise<GraphStateSnapshot>;
  getStateHistory(config: Record<string, unknown>, options?: Record<string, unknown>): AsyncIterable<GraphStateSnapshot>;
  updateState(config: Record<string, unknown>, values: unknown, asNode?: string): Promise<Record<string, unknown>>;
  streamEvents?(input: unknown, options: Record<string, unknown>): AsyncIterable<unknown>;
  bulkUpdateState?(config: Record<string, unknown>, supersteps: Array<{ updates: Array<{ values?: unknown; asNode?: string }> }>): Promise<unknown>;
}

export interface GraphStateSnapshot {
  values: unknown;
  next: string[];
  tasks: Array<{ id: string; name: string; error?: unknown; interrupts?: unknown[]; path?: unknown[]; state?: unknown; result?: unknown }>;
  metadata?: Record<string, unknown>;
  createdAt?: string;
  config: { configurable?: Record<string, unknown> };
  parentConfig?: { configurable?: Record<string, unknown> };
}

type GraphSource =
  | { kind: "static"; graph: RunnableGraph }
  | { kind: "factory"; factory: (config: Record<string, unknown>) => unknown };

export interface LoadedGraph {
  graphId: string;
  assistantId: string;
  ref: GraphRef;
  description?: string;
}

export class GraphRegistry {
  private constructor(
    private readonly sources: Map<string, GraphSource>,
    readonly graphs: LoadedGraph[],
  ) {}

  /** Imports every graph; a missing export or a value that is not a graph is a ConfigError. */
  static async load(refs: GraphRef[], loader: ModuleLoader): Promise<GraphRegistry> {
    const sources = new Map<string, GraphSource>();
    const graphs: LoadedGraph[] = [];
    for (const ref of refs) {
      const exported = await importExport(ref, loader);
      sources.set(ref.graphId, await toSource(exported, ref));
      graphs.push({ graphId: ref.graphId, assistantId: systemAssistantId(ref.graphId), ref, description: ref.description });
    }
    return new GraphRegistry(sources, graphs);
  }

  has(graphId: string): boolean {
    return this.sources.has(graphId);
  }

  /** A graph id stands for its system assistant everywhere an assistant id is accepted. */
  resolveAssistantId(idOrGraph: string): string {
    return this.sources.has(idOrGraph) ? systemAssistantId(idOrGraph) : idOrGraph;
  }

  /**
   * A graph instance for one use, bound to our checkpointer and store. The user's compiled graph
   * is cloned, never mutated, so concurrent runs cannot see each other's settings.
   */
  async get(
    graphId: string,
    config: Record<string, unknown>,
    bind: { checkpointer?: unknown; store?: unknown },
  ): Promise<RunnableGraph> {
    const source = this.sources.get(graphId);
    if (!source) throw new GraphNotFound(graphId);
    const graph =
      source.kind === "static" ? source.graph : asGraph(await source.factory(config), `graph factory "${graphId}"`);
    const bound = Object.assign(Object.create(Object.getPrototypeOf(graph)), graph) as RunnableGraph;
    bound.checkpointer = bind.checkpointer;
    if (bind.store !== undefined) bound.store = bind.store;
    return bound;
  }
}

/** Imports `ref.file` and returns `ref.exportName`; shared with the auth loader. */
export async function importExport(
  ref: { file: string; exportName: string; key: string; spec: string },
  loader: ModuleLoader,
): Promise<unknown> {
  let mod: Record<string, unknown>;
  try {
    mod = await loader.import(ref.file);
  } catch (err) {
    throw new ConfigError(`"${ref.key}": failed to import ${ref.file}: ${describeImportError(err)}`, { cause: err });
  }
  if (!(ref.exportName in mod) || mod[ref.exportName] === undefined) {
    throw new ConfigError(`"${ref.key}": ${ref.file} has no export named "${ref.exportName}"`);
  }
  return mod[ref.exportName];
}

async function toSource(exported: unknown, ref: GraphRef): Promise<GraphSource> {
  const value = isPromise(exported) ? await exported : exported;
  if (typeof value === "function" && !isGraphLike(value)) {
    return { kind: "factory", factory: value as (config: Record<string, unknown>) => unknown };
  }
  try {
    return { kind: "static", graph: asGraph(value, `export "${ref.exportName}" of ${ref.file}`) };
  } catch (err) {
    throw new ConfigError(`"${ref.key}": ${(err as Error).message}`);
  }
}

function asGraph(value: unknown, what: string): RunnableGraph {
  if (isCompiled(value)) return value;
  const v = value as { compile?: () => unknown; graph?: unknown } | null;
  if (v && typeof v.compile === "function") {
    const compiled = v.compile();
    if (isCompiled(compiled)) return compiled;
  }
  // LangChain's createAgent wraps its compiled graph in `.graph`.
  if (v && isCompiled(v.graph)) return v.graph;
  throw new Error(`${what} is not a LangGraph graph (expected a compiled graph, a StateGraph or a factory)`);
}

function isCompiled(value: unknown): value is RunnableGraph {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.stream === "function" &&
    typeof v.getState === "function" &&
    typeof v.updateState === "function"
  );
}

function isGraphLike(value: unknown): boolean {
  return isCompiled(value) || typeof (value as { compile?: unknown }).compile === "function";
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * One line: the error's first line, and where in the project it was thrown when the message does
 * not say (a syntax error names its file and line itself; a throw at import time does not).
 */
function describeImportError(err: unknown): string {
  const message = String((err as Error)?.message ?? err).split("\n")[0]!;
  if (/:\d+:\d+: /.test(message)) return message;
  for (const line of String((err as Error)?.stack ?? "").split("\n").slice(1)) {
    const frame = /(file:\/\/[^\s()]+?):(\d+):(\d+)/.exec(line);
    if (frame && !frame[1]!.includes("/node_modules/")) return `${message} (at ${fileURLToPath(frame[1]!)}:${frame[2]}:${frame[3]})`;
  }
  return message;
}
