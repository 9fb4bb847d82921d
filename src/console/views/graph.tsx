/** The graph of an assistant as a picture (SVG), with `xray` to draw subgraphs' nodes too. */
import { useState } from "preact/hooks";
import { ErrorMessage, Section } from "../components";
import { layoutGraph, NODE_HEIGHT, type GraphJson } from "../graph-layout";
import { useClient, useLoad } from "../hooks";

export function GraphPicture({ assistantId }: { assistantId: string }) {
  const client = useClient();
  const [xray, setXray] = useState(false);
  const graph = useLoad(() => client.assistants.getGraph(assistantId, { xray }) as Promise<GraphJson>, [assistantId, xray]);
  const layout = graph.data ? layoutGraph(graph.data) : undefined;
  return (
    <Section
      title="Graph"
      actions={
        <label class="inline">
          <input type="checkbox" checked={xray} onChange={(e) => setXray((e.target as HTMLInputElement).checked)} /> Show subgraphs (xray)
        </label>
      }
    >
      <ErrorMessage error={graph.error} />
      {layout && (
        <div class="graph-scroll">
          <svg
            role="img"
            aria-label={`Graph with nodes ${layout.nodes.map((n) => n.label).join(", ")}`}
            width={layout.width}
            height={layout.height}
            viewBox={`0 0 ${layout.width} ${layout.height}`}
          >
            <defs>
              <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M0,0 L10,5 L0,10 z" class="arrow" />
              </marker>
            </defs>
            {layout.edges.map((e, i) => (
              <g key={i}>
                <path d={e.path} class={e.conditional ? "edge conditional" : "edge"} marker-end="url(#arrow)" />
                {e.label && (
                  <text x={e.labelX} y={e.labelY} class="edge-label">
                    {e.label}
                  </text>
                )}
              </g>
            ))}
            {layout.nodes.map((n) => (
              <g key={n.id} class={n.id.startsWith("__") ? "node terminal" : "node"}>
                <rect x={n.x} y={n.y} width={n.width} height={NODE_HEIGHT} rx={n.id.startsWith("__") ? NODE_HEIGHT / 2 : 6} />
                <text x={n.x + n.width / 2} y={n.y + NODE_HEIGHT / 2 + 4} text-anchor="middle">
                  {n.label}
                </text>
              </g>
            ))}
          </svg>
        </div>
      )}
    </Section>
  );
}
