/**
 * Turns a metadata filter (authorization filters and search `metadata`) into a SQL condition on a
 * JSON `metadata` column, so filtering happens in the database and pagination counts stay right.
 * Semantics (shared with the in-process matcher in ../metadata-filter.ts): keys are ANDed; a
 * scalar or `{$eq}` means equality; `{$contains: v | v[]}` means the field is an array holding
 * every value; a nested object means JSON equality.
 */
import { isOperator } from "../metadata-filter.js";
import type { MetadataFilter } from "../types.js";

export { isOperator };

export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/**
 * A key/value index of scalar metadata (see the `thread_meta` migration): `table` holds
 * (`idColumn`, key, value-as-JSON-text) rows for the record whose id is in `ownerColumn`.
 */
export interface MetadataIndex {
  table: string;
  idColumn: string;
  ownerColumn: string;
}

/** How many equalities one search resolves through nested index lookups. */
const MAX_INDEX_LOOKUPS = 8;

/** Values the index holds exactly as JSON.stringify writes them. */
export function indexable(value: unknown): boolean {
  return (
    typeof value === "string" ||
    typeof value === "boolean" ||
    value === null ||
    (typeof value === "number" && Number.isSafeInteger(value))
  );
}

/**
 * One condition for all the given filters (ANDed). With an index, the scalar equalities become a
 * single `IN (… INTERSECT …)` lookup, which the planner serves from the (key, value) index.
 */
export function metadataFilterSql(
  column: string,
  filters: MetadataFilter | undefined | Array<MetadataFilter | undefined>,
  index?: MetadataIndex,
): SqlCondition {
  const parts: string[] = [];
  const params: unknown[] = [];
  const lookups: unknown[] = [];
  const entries = (Array.isArray(filters) ? filters : [filters]).flatMap((f) => Object.entries(f ?? {}));
  for (const [key, expected] of entries) {
    const equal = isOperator(expected, "$eq") ? expected.$eq : expected;
    // Past a few lookups the candidates are few: the rest are checked on the row, which keeps the
    // statement flat however many keys a search names (SQLite limits nesting depth).
    if (index && !isOperator(expected, "$contains") && indexable(equal) && lookups.length < MAX_INDEX_LOOKUPS * 2) {
      lookups.push(key, JSON.stringify(equal));
      continue;
    }
    const jsonPath = `$."${key.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
    if (isOperator(expected, "$contains")) {
      const values = Array.isArray(expected.$contains) ? expected.$contains : [expected.$contains];
      // An array, as the in-process matcher has it: json_each would also walk an object's values.
      params.push(jsonPath);
      parts.push(`json_type(${column}, ?) = 'array'`);
      for (const v of values) {
        params.push(jsonPath);
        parts.push(`EXISTS (SELECT 1 FROM json_each(${column}, ?) WHERE ${scalarMatch("value", "type", v, params)})`);
      }
    } else {
      const value = isOperator(expected, "$eq") ? expected.$eq : expected;
      parts.push(scalarAt(column, jsonPath, value, params));
    }
  }
  if (index && lookups.length) {
    // Nested, first lookup innermost: its ids are materialised once, and each enclosing lookup
    // is an index seek on (key, value, id) per id. Callers put the most selective lookup first.
    let sql = "";
    const nested: unknown[] = [];
    for (let i = 0; i < lookups.length; i += 2) {
      sql = `SELECT ${index.idColumn} FROM ${index.table} WHERE key = ? AND value = ?${sql ? ` AND ${index.idColumn} IN (${sql})` : ""}`;
      nested.unshift(lookups[i], lookups[i + 1]);
    }
    parts.unshift(`${index.ownerColumn} IN (${sql})`);
    params.unshift(...nested);
  }
  return { sql: parts.length ? parts.join(" AND ") : "1", params };
}

function scalarAt(column: string, jsonPath: string, value: unknown, params: unknown[]): string {
  const extract = `json_extract(${column}, ?)`;
  const type = `json_type(${column}, ?)`;
  if (value === null) {
    params.push(jsonPath);
    return `${type} = 'null'`;
  }
  if (typeof value === "boolean") {
    params.push(jsonPath);
    return `${type} = '${value ? "true" : "false"}'`;
  }
  if (typeof value === "string") {
    params.push(jsonPath, jsonPath, value);
    return `(${type} = 'text' AND ${extract} = ?)`;
  }
  if (typeof value === "number") {
    params.push(jsonPath, jsonPath, value);
    return `(${type} IN ('integer','real') AND ${extract} = ?)`;
  }
  // Objects and arrays: equal when their canonical JSON texts are equal. `->` gives the field as
  // JSON text whatever its type (json_extract gives a string field as bare text, not JSON).
  params.push(jsonPath, JSON.stringify(value));
  return `json(${column} -> ?) = json(?)`;
}

function scalarMatch(valueCol: string, typeCol: string, v: unknown, params: unknown[]): string {
  if (v === null) return `${typeCol} = 'null'`;
  if (typeof v === "boolean") return `${typeCol} = '${v ? "true" : "false"}'`;
  if (typeof v === "string") {
    params.push(v);
    return `(${typeCol} = 'text' AND ${valueCol} = ?)`;
  }
  if (typeof v === "number") {
    params.push(v);
    return `(${typeCol} IN ('integer','real') AND ${valueCol} = ?)`;
  }
  // json_each's value is JSON text only for objects and arrays (a string element is bare text).
  params.push(JSON.stringify(v));
  return `(CASE WHEN ${typeCol} IN ('object', 'array') THEN json(${valueCol}) = json(?) END)`;
}
