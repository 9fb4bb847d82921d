/** Search pages and counts over one table, shared by the repositories' search/count methods. */
import type { Page, SortOrder } from "../types.js";
import type { Db } from "./database.js";
import type { SqlCondition } from "./metadata-filter.js";

export function countWhere(db: Db, table: string, where: SqlCondition): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where.sql}`).get(...where.params) as { n: number }).n;
}

/**
 * `[offset, offset+limit)` of the matching rows, sorted by `sortBy` when it is one of
 * `sortColumns` (else `created_at`), ties broken by insertion order; plus the total.
 */
export function pageWhere<Row, T>(
  db: Db,
  table: string,
  where: SqlCondition,
  page: { limit: number; offset: number; sortBy?: string; sortOrder?: SortOrder; sortColumns: Set<string> },
  map: (row: Row) => T,
): Page<T> {
  const sortBy = page.sortBy && page.sortColumns.has(page.sortBy) ? page.sortBy : "created_at";
  const order = page.sortOrder === "asc" ? "ASC" : "DESC";
  const rows = db
    .prepare<unknown[], Row>(`SELECT * FROM ${table} WHERE ${where.sql} ORDER BY ${sortBy} ${order}, rowid ${order} LIMIT ? OFFSET ?`)
    .all(...where.params, page.limit, page.offset);
  return { items: rows.map(map), total: countWhere(db, table, where) };
}
