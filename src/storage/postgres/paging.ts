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
 * `sortColumns` (else `created_at`), ties broken by insertion order (`seq`); plus the total. One
 * statement (the total is a window count over the matching rows, which the page had to find
 * anyway); a second only for a page past the end, which has no row to carry the total.
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
  const { rows } = await pool.query<Row & { total_matching: number }>(
    `SELECT *, count(*) OVER ()::int AS total_matching FROM ${table} WHERE ${where}
     ORDER BY ${sortBy} ${order}, seq ${order} LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...params.values, page.limit, page.offset],
  );
  const total = rows[0] ? rows[0].total_matching : page.offset > 0 ? await countWhere(pool, table, where, params) : 0;
  return { items: rows.map(map), total };
}
