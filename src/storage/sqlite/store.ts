/**
 * The long-term memory store on SQLite: one table of items, with TTL. The same data serves the
 * store routes (ItemStore) and graphs (`langgraph`, a LangGraph BaseStore), so what a graph
 * writes an HTTP client reads and vice versa.
 */
import type { BaseStore } from "@langchain/langgraph-checkpoint";
import { LangGraphStore } from "../langgraph-store.js";
import { literalPrefixPath, namespacePath as nsPath, selectNamespaces } from "../store-namespaces.js";
import type { ItemStore, MetadataFilter, StoreItem } from "../types.js";
import type { Db } from "./database.js";
import type { GroupCommit } from "./group-commit.js";
import { fromJson, toJson } from "./json-columns.js";
import { metadataFilterSql, type SqlCondition } from "./metadata-filter.js";

interface Row {
  namespace: string;
  key: string;
  value: string;
  created_at: string;
  updated_at: string;
  ttl_minutes: number | null;
}

function toItem(row: Row): StoreItem {
  return { namespace: fromJson(row.namespace), key: row.key, value: fromJson(row.value), created_at: row.created_at, updated_at: row.updated_at };
}

/**
 * An item as authorization filters see it: its value's fields, plus namespace and key. Columns
 * are qualified: inside json_each subqueries `key` and `value` would name json_each's own.
 */
const PSEUDO_METADATA = `json_set(store_items.value, '$.namespace', json(store_items.namespace), '$.key', store_items.key)`;
const COMPARISONS: Record<string, string> = { $ne: "!=", $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" };

/** Value filters as LangGraph's stores take them: equality, or $eq/$ne/$gt/$gte/$lt/$lte. */
function valueFilterSql(filter: Record<string, unknown> | undefined): SqlCondition {
  const equalities: Record<string, unknown> = {};
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [field, condition] of Object.entries(filter ?? {})) {
    const ops = typeof condition === "object" && condition !== null && !Array.isArray(condition) ? Object.keys(condition) : [];
    if (ops.length && ops.every((op) => op in COMPARISONS || op === "$eq")) {
      for (const op of ops) {
        const operand = (condition as Record<string, unknown>)[op];
        if (op === "$eq") {
          equalities[field] = operand;
          continue;
        }
        parts.push(`json_extract(store_items.value, ?) ${COMPARISONS[op]} ?`);
        params.push(`$."${field.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`, typeof operand === "boolean" ? Number(operand) : operand);
      }
    } else {
      equalities[field] = condition;
    }
  }
  const eq = metadataFilterSql("store_items.value", equalities);
  return { sql: [eq.sql, ...parts].join(" AND "), params: [...eq.params, ...params] };
}

export class SqliteStore implements ItemStore {
  readonly langgraph: BaseStore;
  private readonly upsert;
  private readonly byKey;
  private readonly remove;

  constructor(
    private readonly db: Db,
    private readonly group: GroupCommit,
    private readonly ttl: { defaultMinutes?: number | null; refreshOnRead: boolean } = { refreshOnRead: true },
  ) {
    this.upsert = db.prepare(
      `INSERT INTO store_items (ns_path, namespace, key, value, created_at, updated_at, expires_at, ttl_minutes)
       VALUES (@ns_path, @namespace, @key, @value, @now, @now, @expires_at, @ttl_minutes)
       ON CONFLICT(ns_path, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
         expires_at = excluded.expires_at, ttl_minutes = excluded.ttl_minutes`,
    );
    this.byKey = db.prepare<[string, string, string], Row>(
      `SELECT * FROM store_items WHERE ns_path = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)`,
    );
    this.remove = db.prepare(`DELETE FROM store_items WHERE ns_path = ? AND key = ?`);
    this.langgraph = new LangGraphStore(this);
  }

  private expiry(ttlMinutes: number | null | undefined, from = Date.now()): string | null {
    return ttlMinutes ? new Date(from + ttlMinutes * 60_000).toISOString() : null;
  }

  async put(namespace: string[], key: string, value: Record<string, unknown>, options: { ttlMinutes?: number | null } = {}): Promise<void> {
    const ttl = options.ttlMinutes === undefined ? (this.ttl.defaultMinutes ?? null) : options.ttlMinutes;
    const row = {
      ns_path: nsPath(namespace),
      namespace: toJson(namespace),
      key,
      value: toJson(value),
      now: new Date().toISOString(),
      expires_at: this.expiry(ttl),
      ttl_minutes: ttl,
    };
    return this.group.write(() => void this.upsert.run(row));
  }

  async get(namespace: string[], key: string, options: { refreshTtl?: boolean } = {}): Promise<StoreItem | null> {
    const row = this.byKey.get(nsPath(namespace), key, new Date().toISOString());
    if (!row) return null;
    if ((options.refreshTtl ?? this.ttl.refreshOnRead) && row.ttl_minutes) await this.refresh([row]);
    return toItem(row);
  }

  private refresh(rows: Row[]): Promise<void> {
    const stmt = this.db.prepare(`UPDATE store_items SET expires_at = ? WHERE ns_path = ? AND key = ?`);
    return this.group.write(() => {
      for (const row of rows) if (row.ttl_minutes) stmt.run(this.expiry(row.ttl_minutes), nsPath(fromJson(row.namespace)), row.key);
    });
  }

  async delete(namespace: string[], key: string): Promise<boolean> {
    return this.group.write(() => this.remove.run(nsPath(namespace), key).changes > 0);
  }

  async search(
    namespacePrefix: string[],
    options: { filter?: Record<string, unknown>; authFilter?: MetadataFilter; limit: number; offset: number; refreshTtl?: boolean },
  ): Promise<StoreItem[]> {
    const prefix = nsPath(namespacePrefix);
    const value = valueFilterSql(options.filter);
    const auth = metadataFilterSql(PSEUDO_METADATA, options.authFilter);
    const rows = this.db
      .prepare<unknown[], Row>(
        `SELECT * FROM store_items
         WHERE substr(ns_path, 1, ?) = ? AND (expires_at IS NULL OR expires_at > ?) AND ${value.sql} AND ${auth.sql}
         ORDER BY updated_at DESC, ns_path, key LIMIT ? OFFSET ?`,
      )
      .all(prefix.length, prefix, new Date().toISOString(), ...value.params, ...auth.params, options.limit, options.offset);
    if (options.refreshTtl ?? this.ttl.refreshOnRead) await this.refresh(rows);
    return rows.map(toItem);
  }

  async listNamespaces(options: {
    prefix?: string[];
    suffix?: string[];
    maxDepth?: number;
    limit: number;
    offset: number;
    authFilter?: MetadataFilter;
  }): Promise<string[][]> {
    const auth = metadataFilterSql(PSEUDO_METADATA, options.authFilter);
    // A literal prefix (up to the first wildcard) narrows the scan in SQL.
    const prefix = literalPrefixPath(options.prefix);
    const rows = this.db
      .prepare<unknown[], { namespace: string }>(
        `SELECT DISTINCT namespace FROM store_items
         WHERE substr(ns_path, 1, ?) = ? AND (expires_at IS NULL OR expires_at > ?) AND ${auth.sql}`,
      )
      .all(prefix.length, prefix, new Date().toISOString(), ...auth.params);
    return selectNamespaces(
      rows.map((r) => fromJson<string[]>(r.namespace)),
      options,
    );
  }

  async sweepExpired(): Promise<number> {
    return this.group.write(
      () => this.db.prepare(`DELETE FROM store_items WHERE expires_at IS NOT NULL AND expires_at <= ?`).run(new Date().toISOString()).changes,
    );
  }

  async truncate(): Promise<void> {
    return this.group.write(() => void this.db.prepare(`DELETE FROM store_items`).run());
  }
}
