/**
 * JSON for values that come out of graphs. LangChain messages serialise themselves in the
 * constructor format (`{lc, type, id, kwargs}`); clients expect the plain dict the LangGraph API
 * returns (`{type: "ai", content, ...}`), so every message is written as its `toDict()` form.
 *
 * This runs for every streamed event (a token stream: once per token), so the value is first
 * turned into plain data and then stringified natively: a `JSON.stringify` replacer would make
 * LangChain build each message's constructor form (`toJSON`) only to throw it away, and call back
 * into JavaScript for every key. A message's dict is read from its constructor fields, which is
 * what `toDict()` itself serialises (checked against `toDict()` by the tests); a message whose
 * fields need LangChain's key mapping goes through `toDict()`.
 */

export function serialize(value: unknown): string {
  try {
    return JSON.stringify(toWire(value)) ?? "null";
  } catch {
    // Circular structures (some LangChain event payloads): repeated objects become "[Circular]".
    return JSON.stringify(toWire(value, new WeakSet<object>())) ?? "null";
  }
}

/** The same value as plain JSON data (what a client would receive). */
export function toPlain<T = unknown>(value: unknown): T {
  return JSON.parse(serialize(value)) as T;
}

interface MessageLike {
  toDict(): { type: string; data: Record<string, unknown> };
  lc_kwargs?: Record<string, unknown>;
  lc_serializable?: boolean;
  getType?: () => string;
  _getType?: () => string;
}

/**
 * The value as JSON would see it, with messages as their dicts. `seen`: cut cycles. Arrays and
 * objects are copied only when something inside them changes (most of a state is plain data
 * already, and JSON.stringify writes an object exactly as it would write a copy of its keys).
 */
function toWire(value: unknown, seen?: WeakSet<object>): unknown {
  if (value === null || typeof value !== "object") return typeof value === "bigint" ? value.toString() : value;
  if (seen) {
    if (seen.has(value)) return "[Circular]";
    seen.add(value);
  }
  if (Array.isArray(value)) return toWireArray(value, seen);
  const message = value as Partial<MessageLike>;
  if (typeof message.toDict === "function") return toWireObject(messageDict(message as MessageLike), seen);
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === "function") return toWire(withToJson.toJSON(), seen);
  return toWireObject(value as Record<string, unknown>, seen);
}

function toWireArray(array: unknown[], seen?: WeakSet<object>): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    const wire = toWire(item, seen);
    if (out) out.push(wire);
    else if (wire !== item) (out = array.slice(0, i)).push(wire);
  }
  return out ?? array;
}

function toWireObject(object: Record<string, unknown>, seen?: WeakSet<object>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = object[key];
    const wire = toWire(item, seen);
    if (out) out[key] = wire;
    else if (wire !== item) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = object[keys[j]!];
      out[key] = wire;
    }
  }
  return out ?? object;
}

const UPPER = /[A-Z]/;

/** `{...toDict().data, type}`, from the constructor fields when they are already in wire form. */
function messageDict(message: MessageLike): Record<string, unknown> {
  const fields = message.lc_kwargs;
  const type = message.getType?.() ?? message._getType?.();
  if (message.lc_serializable && fields && typeof type === "string") {
    const keys = Object.keys(fields);
    if (!keys.some((k) => UPPER.test(k))) {
      // As toJSON() reads them: the current value of each constructor field.
      const live = message as unknown as Record<string, unknown>;
      const dict: Record<string, unknown> = {};
      for (const key of keys) dict[key] = key in live ? live[key] : fields[key];
      dict.type = type;
      return dict;
    }
  }
  const { type: dictType, data } = message.toDict();
  return { ...data, type: dictType };
}
