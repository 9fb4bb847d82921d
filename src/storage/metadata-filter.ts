/**
 * The in-process matcher for metadata filters, with the same semantics as the SQL translation in
 * sqlite/metadata-filter.ts: keys ANDed; a scalar or `{$eq}` is equality (JSON equality for
 * objects); `{$contains: v | v[]}` means the field is an array holding every value.
 */
import { isDeepStrictEqual } from "node:util";
import type { MetadataFilter } from "./types.js";

/** Whether `value` is `{op: operand}` (one key), the form of `$eq` and `$contains`. */
export function isOperator<K extends string>(value: unknown, op: K): value is Record<K, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && op in value;
}

export function matchesFilter(record: Record<string, unknown>, filter: MetadataFilter | undefined): boolean {
  for (const [key, expected] of Object.entries(filter ?? {})) {
    const actual = record[key];
    if (isOperator(expected, "$contains")) {
      const wanted = Array.isArray(expected.$contains) ? expected.$contains : [expected.$contains];
      if (!Array.isArray(actual) || !wanted.every((w) => actual.some((a) => isDeepStrictEqual(a, w)))) return false;
    } else {
      const value = isOperator(expected, "$eq") ? expected.$eq : expected;
      if (!isDeepStrictEqual(actual, value)) return false;
    }
  }
  return true;
}
