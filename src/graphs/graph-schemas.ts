/**
 * The JSON Schemas of a graph (input, output, state, config, context), for
 * `GET /assistants/{id}/schemas` and `/subgraphs`. Each part comes from the first source that
 * has it: the graph's runtime schemas (Zod, StateSchema), then the static analysis of its
 * TypeScript types, then the list of its state channels (config and context: an open object).
 * The type analysis runs only when a runtime schema is missing, and a graph whose types cannot
 * be analysed is reported once, with its file, in the log.
 */
import type { Logger } from "pino";
import { channelSchema, subgraphsOf } from "./introspect.js";
import type { GraphRegistry, RunnableGraph } from "./registry.js";
import { runtimeSchemas, type JsonSchema } from "./runtime-schemas.js";
import type { TypeAnalysis, TypedSchemas, TypeSchemaAnalyzer } from "./type-schemas.js";

/** A graph's schemas as the API answers them (`context_schema` is the config's, as in LangGraph JS). */
export interface GraphSchemas {
  input_schema: unknown;
  output_schema: unknown;
  state_schema: unknown;
  config_schema: unknown;
  context_schema: unknown;
}

/** A subgraph's schemas, also under the reference server's short keys. */
export interface SubgraphSchemas extends GraphSchemas {
  state: unknown;
  input: unknown;
  output: unknown;
  config: unknown;
}

const PARTS = ["state", "input", "output", "config"] as const;

/** One per server: answers the schemas routes from runtime schemas, the type analysis and the channel names. */
export class GraphSchemaService {
  /** Graphs already reported as not analysable, so the warning is logged once per server. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly registry: GraphRegistry,
    private readonly analyzer: TypeSchemaAnalyzer,
    private readonly logger: Logger,
  ) {}

  async schemas(graphId: string, graph: RunnableGraph): Promise<GraphSchemas> {
    const runtime = runtimeSchemas(graph);
    const typed = isComplete(runtime) ? undefined : await this.rootTypes(graphId, runtime);
    return answer(graph, runtime, typed);
  }

  async subgraphs(graphId: string, graph: RunnableGraph, namespace: string | undefined, recurse: boolean): Promise<Record<string, SubgraphSchemas>> {
    const out: Record<string, SubgraphSchemas> = {};
    for await (const [ns, subgraph] of subgraphsOf(graph, namespace, recurse)) {
      const runtime = runtimeSchemas(subgraph);
      let typed: TypedSchemas | undefined;
      if (!isComplete(runtime)) {
        const analysis = await this.analysis(graphId);
        // Subgraphs are known to the analysis by the node that runs them: the namespace's last part.
        typed = analysis?.ok ? analysis.nodes[ns.split("|").at(-1)!] : undefined;
      }
      const s = answer(subgraph, runtime, typed);
      out[ns] = { ...s, state: s.state_schema, input: s.input_schema, output: s.output_schema, config: s.config_schema };
    }
    return out;
  }

  private async rootTypes(graphId: string, runtime: Partial<TypedSchemas>): Promise<TypedSchemas | undefined> {
    const analysis = await this.analysis(graphId);
    if (analysis?.ok) return analysis.root;
    // Only worth a warning when the answer is worse for it: a Zod or StateSchema graph asks the
    // analysis for an Annotation context only.
    const ref = this.graphRef(graphId);
    const worse = !(runtime.state && runtime.input && runtime.output);
    if (analysis && ref && worse && !this.analyzer.closed && !this.reported.has(graphId)) {
      this.reported.add(graphId);
      this.logger.warn(
        `schemas of graph "${graphId}": could not analyse the types of ${ref.file} (${analysis.reason}); answering its state channel names only`,
      );
    }
    return undefined;
  }

  private analysis(graphId: string): Promise<TypeAnalysis> | undefined {
    const ref = this.graphRef(graphId);
    return ref ? this.analyzer.analyse(ref.file, ref.exportName) : undefined;
  }

  private graphRef(graphId: string) {
    return this.registry.graphs.find((g) => g.graphId === graphId)?.ref;
  }
}

function isComplete(runtime: Partial<TypedSchemas>): runtime is TypedSchemas {
  return PARTS.every((part) => runtime[part] !== undefined);
}

function answer(graph: unknown, runtime: Partial<TypedSchemas>, typed: TypedSchemas | undefined): GraphSchemas {
  const channels = channelSchema(graph);
  const pick = (part: (typeof PARTS)[number], fallback: JsonSchema) => runtime[part] ?? typed?.[part] ?? fallback;
  const config = pick("config", { type: "object", properties: {} });
  return {
    input_schema: pick("input", channels),
    output_schema: pick("output", channels),
    state_schema: pick("state", channels),
    config_schema: config,
    context_schema: config,
  };
}
