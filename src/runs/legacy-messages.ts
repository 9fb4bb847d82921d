/**
 * The `messages` stream mode as LangGraph's API defines it (the SDKs' "legacy" messages):
 * `messages/metadata` the first time a message id is seen, `messages/partial` with the message
 * accumulated so far on every token (a subgraph's too), and `messages/complete` for each new
 * message that reaches the state of the graph or of one of its subgraphs (streamed with
 * `stream_subgraphs`), before the values event that holds it. (`messages-tuple` is the plain
 * `[chunk, metadata]` form.)
 */
import type { EmitEvent } from "./executor.js";

interface Chunk {
  id?: string;
  concat?: (other: Chunk) => Chunk;
}

export class LegacyMessages {
  private readonly partial = new Map<string, Chunk>();
  private readonly completed = new Set<string>();
  private baseline = true;

  constructor(private readonly emit: EmitEvent) {}

  /** A `[chunk, metadata]` pair from LangGraph's messages mode. */
  onToken(data: unknown): void {
    const [chunk, metadata] = data as [Chunk, Record<string, unknown>];
    const id = chunk?.id;
    if (!id) return;
    const previous = this.partial.get(id);
    if (!previous) this.emit("messages/metadata", { [id]: { metadata } });
    const merged = previous && typeof previous.concat === "function" ? previous.concat(chunk) : chunk;
    this.partial.set(id, merged);
    this.emit("messages/partial", [merged]);
  }

  /** A state snapshot (values mode, `root` or a subgraph's): messages not seen complete before are announced. */
  onValues(values: unknown, root: boolean): void {
    const messages = (values as { messages?: Array<{ id?: string }> } | null)?.messages;
    // The root graph's first snapshot is the input: those messages were not produced by this run.
    const baseline = root && this.baseline;
    if (root) this.baseline = false;
    if (!Array.isArray(messages)) return;
    const fresh = messages.filter((m) => m?.id && !this.completed.has(m.id));
    for (const m of fresh) this.completed.add(m.id!);
    if (fresh.length && !baseline) this.emit("messages/complete", fresh);
  }
}
