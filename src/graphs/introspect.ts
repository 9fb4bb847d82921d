/**
 * What the assistants' graph, schemas and subgraphs routes show: a drawable graph and JSON
 * schemas. Schemas come from the graph's runtime schemas (Zod or StateSchema metadata, via
 * LangGraph's own helpers); a graph without them gets a schema listing its state channels, so
 * Studio still has field names to show.
 */
import {
  getConfigTypeSchema,
  getInputTypeSchema,
  getOutputTypeSchema,
  getStateTypeSchema,
} from "@langchain/langgraph/zod/schema";
import type { RunnableGraph } from "./registry.js";

export interface GraphSchemas {
  input_schema: unknown;
  output_schema: unknown;
  state_schema: unknown;
  config_schema: unknown;
  context_schema: unknown;
}

interface Introspectable {
  getGraphAsync?: (config?: Record<string, unknown>) => Promise<{ toJSON(): Record<string, unknown> }>;
  getSubgraphsAsync?: (namespace?: string, recurse?: boolean) => AsyncIterable<[string, unknown]>;
  channels?: Record<string, unknown>;
  builder?: { _schemaDefinition?: unknown };
}

export async function drawGraph(graph: RunnableGraph, xray: boolean | number): Promise<Record<string, unknown>> {
  const g = graph as unknown as Introspectable;
  if (typeof g.getGraphAsync !== "function") return { nodes: [], edges: [] };
  const drawable = await g.getGraphAsync({ xray });
  return drawable.toJSON();
}

function safe(fn: () => unknown): unknown {
  try {
    return fn() ?? undefined;
  } catch {
    return undefined;
  }
}

/** A schema naming the graph's state channels, for graphs without runtime schemas. */
function channelSchema(graph: unknown): Record<string, unknown> {
  const channels = Object.keys((graph as Introspectable).channels ?? {}).filter((c) => !c.startsWith("__") && !c.startsWith("branch:"));
  return {
    type: "object",
    title: "State",
    properties: Object.fromEntries(channels.map((c) => [c, {}])),
  };
}

export function graphSchemas(graph: unknown): GraphSchemas {
  const fallback = channelSchema(graph);
  const config = safe(() => getConfigTypeSchema(graph)) ?? { type: "object", properties: {} };
  return {
    input_schema: safe(() => getInputTypeSchema(graph)) ?? fallback,
    output_schema: safe(() => getOutputTypeSchema(graph)) ?? fallback,
    state_schema: safe(() => getStateTypeSchema(graph)) ?? fallback,
    config_schema: config,
    context_schema: config,
  };
}

export interface SubgraphSchemas extends GraphSchemas {
  state: unknown;
  input: unknown;
  output: unknown;
  config: unknown;
}

/** Each subgraph's schemas keyed by namespace (optionally only under `namespace`, recursively). */
export async function subgraphSchemas(
  graph: RunnableGraph,
  namespace: string | undefined,
  recurse: boolean,
): Promise<Record<string, SubgraphSchemas>> {
  const g = graph as unknown as Introspectable;
  const out: Record<string, SubgraphSchemas> = {};
  if (typeof g.getSubgraphsAsync !== "function") return out;
  for await (const [ns, sub] of g.getSubgraphsAsync(namespace, recurse)) {
    const s = graphSchemas(sub);
    // Both spellings: the reference server's short keys and the SDK's GraphSchema keys.
    out[ns] = { ...s, state: s.state_schema, input: s.input_schema, output: s.output_schema, config: s.config_schema };
  }
  return out;
}
