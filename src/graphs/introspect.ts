/**
 * What a compiled graph tells about itself at run time: its drawable form, its subgraphs, and
 * the names of its state channels (the schema of last resort, so Studio still has field names
 * to show when nothing better is known).
 */
import type { RunnableGraph } from "./registry.js";

interface Introspectable {
  getGraphAsync?: (config?: Record<string, unknown>) => Promise<{ toJSON(): Record<string, unknown> }>;
  getSubgraphsAsync?: (namespace?: string, recurse?: boolean) => AsyncIterable<[string, unknown]>;
  channels?: Record<string, unknown>;
}

export async function drawGraph(graph: RunnableGraph, xray: boolean | number): Promise<Record<string, unknown>> {
  const g = graph as unknown as Introspectable;
  if (typeof g.getGraphAsync !== "function") return { nodes: [], edges: [] };
  const drawable = await g.getGraphAsync({ xray });
  return drawable.toJSON();
}

/** Each subgraph with its namespace (`child`, `child|grandchild`), optionally only under `namespace`. */
export async function* subgraphsOf(graph: unknown, namespace: string | undefined, recurse: boolean): AsyncGenerator<[string, unknown]> {
  const g = graph as Introspectable;
  if (typeof g.getSubgraphsAsync !== "function") return;
  yield* g.getSubgraphsAsync(namespace, recurse);
}

/** A schema naming the graph's state channels, each unconstrained. */
export function channelSchema(graph: unknown): Record<string, unknown> {
  const channels = Object.keys((graph as Introspectable).channels ?? {}).filter((c) => !c.startsWith("__") && !c.startsWith("branch:"));
  return {
    type: "object",
    title: "State",
    properties: Object.fromEntries(channels.map((c) => [c, {}])),
  };
}
