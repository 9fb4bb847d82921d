/** Search pages and counts over one table, shared by the Postgres repositories' search/count methods. */
import type pg from "pg";
import type { Page, SortOrder } from "../types.js";
import type { Params, Queryable } from "./database.js";

export async function countWhere(pool: Queryable, table: string, where: string, params: Params): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params.values);
  return rows[0]!.n;
}

/**
 * `[offset, offset+limit)` of the matching rows, sorted by `sortBy` when it is one of
 * `sortColumns` (else `created_at`), ties broken by insertion order (`seq`); plus the total.
 */
export async function pageWhere<Row extends pg.QueryResultRow, T>(
  pool: Queryable,
  table: string,
  where: string,
  params: Params,
  page: { limit: number; offset: number; sortBy?: string; sortOrder?: SortOrder; sortColumns: Set<string> },
  map: (row: Row) => T,
): Promise<Page<T>> {
  const sortBy = page.sortBy && page.sortColumns.has(page.sortBy) ? page.sortBy : "created_at";
  const order = page.sortOrder === "asc" ? "ASC" : "DESC";
  const n = params.values.length;
  const [rows, total] = await Promise.all([
    pool.query<Row>(`SELECT * FROM ${table} WHERE ${where} ORDER BY ${sortBy} ${order}, seq ${order} LIMIT $${n + 1} OFFSET $${n + 2}`, [
      ...params.values,
      page.limit,
      page.offset,
    ]),
    countWhere(pool, table, where, params),
  ]);
  return { items: rows.rows.map(map), total };
}
