/**
 * The long-term memory store on Postgres: one table of items, with TTL, serving the store routes
 * and graphs (`langgraph`) alike. LangGraph's PostgresStore is not used: it matches namespace
 * prefixes as strings (["u","ann"] finds ["u","annie"]), refuses an empty prefix and labels with
 * `_` or `%`, drops namespaces deeper than maxDepth instead of cutting them, refreshes every TTL
 * to the default one, and has no authorization filters — the store contract tests each of these.
 */
import type { BaseStore } from "@langchain/langgraph-checkpoint";
import { LangGraphStore } from "../langgraph-store.js";
import { literalPrefixPath, namespacePath, selectNamespaces, type NamespaceListing } from "../store-namespaces.js";
import type { ItemStore, MetadataFilter, StoreItem } from "../types.js";
import { iso, Params, type Database } from "./database.js";
import { toJsonb } from "./jsonb.js";
import { metadataFilterSql } from "./metadata-filter.js";

interface Row {
  ns_path: string;
  namespace: string[];
  key: string;
  value: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  ttl_minutes: number | null;
}

function toItem(row: Row): StoreItem {
  return { namespace: row.namespace, key: row.key, value: row.value, created_at: iso(row.created_at)!, updated_at: iso(row.updated_at)! };
}

/** An item as authorization filters see it: its value's fields, plus namespace and key. */
const PSEUDO_METADATA = `(value || jsonb_build_object('namespace', namespace, 'key', key))`;
const COMPARISONS: Record<string, string> = { $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" };

/** Value filters as LangGraph's stores take them: equality, or $eq/$ne/$gt/$gte/$lt/$lte. */
function valueFilterSql(filter: Record<string, unknown> | undefined, p: Params): string {
  const equalities: Record<string, unknown> = {};
  const parts: string[] = [];
  for (const [field, condition] of Object.entries(filter ?? {})) {
    const ops = typeof condition === "object" && condition !== null && !Array.isArray(condition) ? Object.keys(condition) : [];
    if (!ops.length || !ops.every((op) => op in COMPARISONS || op === "$eq" || op === "$ne")) {
      equalities[field] = condition;
      continue;
    }
    for (const op of ops) {
      const operand = (condition as Record<string, unknown>)[op];
      if (op === "$eq") {
        equalities[field] = operand;
        continue;
      }
      const fieldSql = `value -> ${p.add(field)}`;
      const operandSql = p.json(operand);
      // Ordering compares like with like (numbers with numbers, strings with strings).
      parts.push(
        op === "$ne"
          ? `${fieldSql} <> ${operandSql}`
          : `jsonb_typeof(${fieldSql}) = jsonb_typeof(${operandSql}) AND ${fieldSql} ${COMPARISONS[op]} ${operandSql}`,
      );
    }
  }
  return [metadataFilterSql("value", equalities, p), ...parts].join(" AND ");
}

/** A LIKE pattern matching strings that start with `prefix` (served by the text_pattern_ops index). */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, "\\$&")}%`;
}

export class PostgresStore implements ItemStore {
  readonly langgraph: BaseStore;

  constructor(
    private readonly pool: Database,
    private readonly ttl: { defaultMinutes?: number | null; refreshOnRead: boolean } = { refreshOnRead: true },
  ) {
    this.langgraph = new LangGraphStore(this);
  }

  private expiry(ttlMinutes: number | null | undefined, from = Date.now()): string | null {
    return ttlMinutes ? new Date(from + ttlMinutes * 60_000).toISOString() : null;
  }

  async put(namespace: string[], key: string, value: Record<string, unknown>, options: { ttlMinutes?: number | null } = {}): Promise<void> {
    const ttl = options.ttlMinutes === undefined ? (this.ttl.defaultMinutes ?? null) : options.ttlMinutes;
    await this.pool.query(
      `INSERT INTO store_items (ns_path, namespace, key, value, created_at, updated_at, expires_at, ttl_minutes)
       VALUES ($1, $2::jsonb, $3, $4::jsonb, $5, $5, $6, $7)
       ON CONFLICT (ns_path, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
         expires_at = excluded.expires_at, ttl_minutes = excluded.ttl_minutes`,
      [namespacePath(namespace), toJsonb(namespace), key, toJsonb(value), new Date().toISOString(), this.expiry(ttl), ttl],
    );
  }

  async get(namespace: string[], key: string, options: { refreshTtl?: boolean } = {}): Promise<StoreItem | null> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM store_items WHERE ns_path = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > $3)`,
      [namespacePath(namespace), key, new Date()],
    );
    if (!rows[0]) return null;
    if ((options.refreshTtl ?? this.ttl.refreshOnRead) && rows[0].ttl_minutes) await this.refresh(rows);
    return toItem(rows[0]);
  }

  /** Each item's TTL starts again from now, with its own length. */
  private async refresh(rows: Row[]): Promise<void> {
    const withTtl = rows.filter((r) => r.ttl_minutes);
    if (!withTtl.length) return;
    await this.pool.query(
      `UPDATE store_items s SET expires_at = $1::timestamptz + s.ttl_minutes * interval '1 minute'
       FROM unnest($2::text[], $3::text[]) AS t(ns_path, key)
       WHERE s.ns_path = t.ns_path AND s.key = t.key AND s.ttl_minutes IS NOT NULL`,
      [new Date().toISOString(), withTtl.map((r) => r.ns_path), withTtl.map((r) => r.key)],
    );
  }

  async delete(namespace: string[], key: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM store_items WHERE ns_path = $1 AND key = $2`, [namespacePath(namespace), key]);
    return (rowCount ?? 0) > 0;
  }

  async search(
    namespacePrefix: string[],
    options: { filter?: Record<string, unknown>; authFilter?: MetadataFilter; limit: number; offset: number; refreshTtl?: boolean },
  ): Promise<StoreItem[]> {
    const p = new Params();
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM store_items
       WHERE ns_path LIKE ${p.add(likePrefix(namespacePath(namespacePrefix)))} AND (expires_at IS NULL OR expires_at > ${p.add(new Date())})
         AND ${valueFilterSql(options.filter, p)} AND ${metadataFilterSql(PSEUDO_METADATA, options.authFilter, p)}
       ORDER BY updated_at DESC, ns_path, key LIMIT ${p.add(options.limit)} OFFSET ${p.add(options.offset)}`,
      p.values,
    );
    if (options.refreshTtl ?? this.ttl.refreshOnRead) await this.refresh(rows);
    return rows.map(toItem);
  }

  async listNamespaces(options: NamespaceListing & { authFilter?: MetadataFilter }): Promise<string[][]> {
    const p = new Params();
    // A literal prefix (up to the first wildcard) narrows the scan in SQL.
    const { rows } = await this.pool.query<{ namespace: string[] }>(
      `SELECT DISTINCT namespace FROM store_items
       WHERE ns_path LIKE ${p.add(likePrefix(literalPrefixPath(options.prefix)))} AND (expires_at IS NULL OR expires_at > ${p.add(new Date())})
         AND ${metadataFilterSql(PSEUDO_METADATA, options.authFilter, p)}`,
      p.values,
    );
    return selectNamespaces(
      rows.map((r) => r.namespace),
      options,
    );
  }

  async sweepExpired(): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM store_items WHERE expires_at IS NOT NULL AND expires_at <= $1`, [new Date()]);
    return rowCount ?? 0;
  }

  async truncate(): Promise<void> {
    await this.pool.query(`DELETE FROM store_items`);
  }
}
