/**
 * JSON in jsonb columns, whole. jsonb refuses two things JSON (and SQLite) accept in strings: the
 * NUL character and lone UTF-16 surrogates. So that whatever a client sends comes back intact,
 * they are escaped with a private-use character, U+F8FF, which is itself doubled: `\u0000` is
 * stored as U+F8FF "0", a lone surrogate `\udXXX` as U+F8FF "s" "dXXX". The escaping is
 * deterministic, so filters (escaped the same way) still match, and text without these
 * characters is stored unchanged.
 */
const ESC = "\uf8ff";

/** The JSON text to store in a jsonb column. */
export function toJsonb(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  if (!/\\u0000|\\ud[89a-f]|\uf8ff/i.test(text)) return text;
  // Every escape sequence is read whole (`\\` included), so `\\u0000` (a backslash, then "u0000") is left alone.
  return text.replace(/\uf8ff|\\(?:u0000|u(d[89a-f][0-9a-f]{2})|[^])/gi, (match, surrogate: string | undefined) =>
    match === ESC ? ESC + ESC : match === "\\u0000" ? `${ESC}0` : surrogate ? `${ESC}s${surrogate}` : match,
  );
}

/** A jsonb column's text, as toJsonb was given it. */
export function fromJsonb(text: string): unknown {
  if (!text.includes(ESC)) return JSON.parse(text);
  return JSON.parse(
    text.replace(/\uf8ff(\uf8ff|0|s(d[89a-f][0-9a-f]{2}))/gi, (_, what: string, surrogate: string | undefined) =>
      what === ESC ? ESC : what === "0" ? "\\u0000" : `\\u${surrogate}`,
    ),
  );
}
