/**
 * JSON for values that come out of graphs. LangChain messages serialise themselves in the
 * constructor format (`{lc, type, id, kwargs}`); clients expect the plain dict the LangGraph API
 * returns (`{type: "ai", content, ...}`), so anything with `toDict()` is written as that.
 */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key] as { toDict?: () => { type: string; data: Record<string, unknown> } } | undefined;
  if (original && typeof original === "object" && typeof original.toDict === "function") {
    const { type, data } = original.toDict();
    return { ...data, type };
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

export function serialize(value: unknown): string {
  try {
    return JSON.stringify(value, replacer) ?? "null";
  } catch {
    // Circular structures (some LangChain event payloads): repeated objects become "[Circular]".
    const seen = new WeakSet<object>();
    return (
      JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
        const out = replacer.call(this, key, v);
        if (typeof out === "object" && out !== null) {
          if (seen.has(out)) return "[Circular]";
          seen.add(out);
        }
        return out;
      }) ?? "null"
    );
  }
}

/** The same value as plain JSON data (what a client would receive). */
export function toPlain<T = unknown>(value: unknown): T {
  return JSON.parse(serialize(value)) as T;
}
