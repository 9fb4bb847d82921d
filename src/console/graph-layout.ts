/**
 * A layered drawing of `/assistants/{id}/graph` (`{nodes, edges}`): nodes are placed in rows by
 * their longest distance from `__start__` (back edges of loops ignored), ordered within a row by
 * the mean position of their parents, and edges are drawn as curves. Graphs are small (tens of
 * nodes), so a simple layout reads well without a layout library.
 */

export interface GraphJson {
  nodes: Array<{ id: string | number; data?: unknown; name?: string }>;
  edges: Array<{ source: string | number; target: string | number; conditional?: boolean; data?: unknown }>;
}

export interface PlacedNode {
  id: string;
  label: string;
  x: number;
  y: number;
  width: number;
}

export interface PlacedEdge {
  path: string;
  conditional: boolean;
  label?: string;
  labelX: number;
  labelY: number;
}

export const NODE_HEIGHT = 32;
const ROW_GAP = 64;
const COLUMN_GAP = 28;
const CHAR_WIDTH = 7.5;

export function layoutGraph(graph: GraphJson): { nodes: PlacedNode[]; edges: PlacedEdge[]; width: number; height: number } {
  const ids = graph.nodes.map((n) => String(n.id));
  const children = new Map(ids.map((id) => [id, [] as string[]]));
  for (const e of graph.edges) children.get(String(e.source))?.push(String(e.target));

  // Depth-first from the roots to find back edges (loops), which must not push rows down forever.
  const back = new Set<string>();
  const state = new Map<string, "open" | "done">();
  const visit = (id: string) => {
    state.set(id, "open");
    for (const next of children.get(id) ?? []) {
      if (state.get(next) === "open") back.add(`${id}\u0000${next}`);
      else if (!state.has(next)) visit(next);
    }
    state.set(id, "done");
  };
  const roots = ids.filter((id) => id === "__start__" || !graph.edges.some((e) => String(e.target) === id));
  for (const id of [...roots, ...ids]) if (!state.has(id)) visit(id);

  // Longest path layering over the forward edges (the graph without back edges is acyclic).
  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  for (let changed = true, guard = 0; changed && guard < ids.length + 1; guard++) {
    changed = false;
    for (const e of graph.edges) {
      const s = String(e.source);
      const t = String(e.target);
      if (back.has(`${s}\u0000${t}`) || !layer.has(s) || !layer.has(t)) continue;
      if (layer.get(t)! < layer.get(s)! + 1) {
        layer.set(t, layer.get(s)! + 1);
        changed = true;
      }
    }
  }
  // __end__ sits at the bottom, whichever node reaches it first.
  if (layer.has("__end__")) layer.set("__end__", Math.max(...layer.values()));

  const rows: string[][] = [];
  for (const id of ids) (rows[layer.get(id)!] ??= []).push(id);
  const order = new Map<string, number>();
  rows.forEach((row, r) => {
    if (r > 0) {
      const parentsMean = (id: string) => {
        const parents = graph.edges.filter((e) => String(e.target) === id && order.has(String(e.source))).map((e) => order.get(String(e.source))!);
        return parents.length ? parents.reduce((a, b) => a + b, 0) / parents.length : 0;
      };
      row.sort((a, b) => parentsMean(a) - parentsMean(b));
    }
    row.forEach((id, i) => order.set(id, i));
  });

  const label = (id: string) => {
    const node = graph.nodes.find((n) => String(n.id) === id);
    return id === "__start__" ? "start" : id === "__end__" ? "end" : String(node?.name ?? id);
  };
  const widthOf = (id: string) => Math.max(64, label(id).length * CHAR_WIDTH + 24);
  const rowWidths = rows.map((row = []) => row.reduce((sum, id) => sum + widthOf(id), 0) + COLUMN_GAP * Math.max(0, row.length - 1));
  const width = Math.max(160, ...rowWidths) + 40;
  const placed = new Map<string, PlacedNode>();
  rows.forEach((row = [], r) => {
    let x = (width - rowWidths[r]!) / 2;
    for (const id of row) {
      placed.set(id, { id, label: label(id), x, y: 20 + r * (NODE_HEIGHT + ROW_GAP), width: widthOf(id) });
      x += widthOf(id) + COLUMN_GAP;
    }
  });

  const edges: PlacedEdge[] = [];
  for (const e of graph.edges) {
    const a = placed.get(String(e.source));
    const b = placed.get(String(e.target));
    if (!a || !b) continue;
    const x1 = a.x + a.width / 2;
    const x2 = b.x + b.width / 2;
    const isBack = b.y <= a.y;
    const label = typeof e.data === "string" ? e.data : undefined;
    if (isBack) {
      // A loop goes out of the right side and comes back into the right side of its target.
      const xa = a.x + a.width;
      const xb = b.x + b.width;
      const bulge = Math.max(xa, xb) + 40;
      const ya = a.y + NODE_HEIGHT / 2;
      const yb = b.y + NODE_HEIGHT / 2;
      edges.push({ path: `M${xa},${ya} C${bulge},${ya} ${bulge},${yb} ${xb + 6},${yb}`, conditional: !!e.conditional, label, labelX: bulge - 10, labelY: (ya + yb) / 2 });
    } else {
      const y1 = a.y + NODE_HEIGHT;
      const y2 = b.y - 6;
      const mid = (y1 + y2) / 2;
      edges.push({ path: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`, conditional: !!e.conditional, label, labelX: (x1 + x2) / 2, labelY: mid });
    }
  }
  const height = 40 + rows.length * (NODE_HEIGHT + ROW_GAP) - ROW_GAP;
  return { nodes: [...placed.values()], edges, width: width + 40, height };
}
