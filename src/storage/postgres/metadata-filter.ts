/**
 * Metadata filters (search `metadata`, authorization filters) as conditions on a jsonb column,
 * with the semantics of ../metadata-filter.ts: keys ANDed; a scalar or `{$eq}` is equality (JSON
 * equality for objects and arrays); `{$contains: v | v[]}` means the field is an array holding
 * every value. Each key is a containment test (`@>`), which the column's GIN index serves; where
 * containment is looser than equality (objects, arrays), an exact comparison is added.
 */
import { isOperator } from "../metadata-filter.js";
import type { MetadataFilter } from "../types.js";
import type { Params } from "./database.js";

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== "object";
}

/** One condition for all the given filters (ANDed); `TRUE` when there is nothing to filter. */
export function metadataFilterSql(
  column: string,
  filters: MetadataFilter | undefined | Array<MetadataFilter | undefined>,
  params: Params,
): string {
  const parts: string[] = [];
  const entries = (Array.isArray(filters) ? filters : [filters]).flatMap((f) => Object.entries(f ?? {}));
  for (const [key, expected] of entries) {
    if (isOperator(expected, "$contains")) {
      const values = Array.isArray(expected.$contains) ? expected.$contains : [expected.$contains];
      parts.push(`${column} @> ${params.json({ [key]: values })}`);
      for (const v of values.filter((v) => !isScalar(v))) {
        const field = `${column} -> ${params.add(key)}`;
        parts.push(
          `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(${field}) WHEN 'array' THEN ${field} ELSE '[]'::jsonb END) e
           WHERE e.value = ${params.json(v)})`,
        );
      }
      continue;
    }
    const value = isOperator(expected, "$eq") ? expected.$eq : expected;
    parts.push(`${column} @> ${params.json({ [key]: value })}`);
    if (!isScalar(value)) parts.push(`${column} -> ${params.add(key)} = ${params.json(value)}`);
  }
  return parts.length ? parts.join(" AND ") : "TRUE";
}
