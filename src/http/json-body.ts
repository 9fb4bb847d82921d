/**
 * The JSON body parser (for application/json and for text/plain holding JSON, which some SDK
 * platforms send). Keys such as `__proto__` and `constructor` are kept as plain data — JSON.parse
 * defines them as own properties and never touches a prototype — and documents nested deeper
 * than MAX_DEPTH are refused with a clear 400 before anything parses or stores them.
 */
import { BadRequest } from "../errors.js";

export const MAX_DEPTH = 256;

/** Depth of the deepest array/object, scanning the text once (strings skipped). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) max = depth;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return max;
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  if (nestingDepth(text) > MAX_DEPTH) throw new BadRequest(`JSON body is nested deeper than ${MAX_DEPTH} levels`, "malformed_json");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequest(`Malformed JSON in request body: ${(err as Error).message}`, "malformed_json");
  }
}
