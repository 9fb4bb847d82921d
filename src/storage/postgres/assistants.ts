import type {
  Assistant,
  AssistantPatch,
  AssistantRepository,
  AssistantSearchQuery,
  AssistantVersion,
  IfExists,
  Metadata,
  MetadataFilter,
  Page,
  PutResult,
} from "../types.js";
import { iso, Params, type Database, type Queryable } from "./database.js";
import { toJsonb } from "./jsonb.js";
import { metadataFilterSql } from "./metadata-filter.js";
import { countWhere, pageWhere } from "./paging.js";
import { deleteThreadRows } from "./threads.js";

export interface AssistantRow {
  assistant_id: string;
  graph_id: string;
  config: Record<string, unknown>;
  context: Record<string, unknown>;
  metadata: Metadata;
  name: string;
  description: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toVersion(row: Omit<AssistantRow, "updated_at">): AssistantVersion {
  return {
    assistant_id: row.assistant_id,
    graph_id: row.graph_id,
    config: row.config,
    context: row.context,
    metadata: row.metadata,
    name: row.name,
    description: row.description,
    version: row.version,
    created_at: iso(row.created_at)!,
  };
}

export function toAssistant(row: AssistantRow): Assistant {
  return { ...toVersion(row), updated_at: iso(row.updated_at)! };
}

const SORT_COLUMNS = new Set(["assistant_id", "graph_id", "name", "created_at", "updated_at"]);
const COLUMNS = "assistant_id, graph_id, config, context, metadata, name, description, version, created_at";

export class PostgresAssistants implements AssistantRepository {
  constructor(private readonly pool: Database) {}

  private async getWith(db: Queryable, assistantId: string, filter?: MetadataFilter, lock = false): Promise<Assistant | null> {
    const p = new Params();
    const id = p.add(assistantId);
    const { rows } = await db.query<AssistantRow>(
      `SELECT * FROM assistants WHERE assistant_id = ${id} AND ${metadataFilterSql("metadata", filter, p)}${lock ? " FOR UPDATE" : ""}`,
      p.values,
    );
    return rows[0] ? toAssistant(rows[0]) : null;
  }

  private insertVersion(db: Queryable, a: AssistantVersion): Promise<unknown> {
    return db.query(
      `INSERT INTO assistant_versions (${COLUMNS}) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7, $8, $9)
       ON CONFLICT (assistant_id, version) DO UPDATE SET graph_id = excluded.graph_id, config = excluded.config,
         context = excluded.context, metadata = excluded.metadata, name = excluded.name, description = excluded.description,
         created_at = excluded.created_at`,
      [a.assistant_id, a.graph_id, toJsonb(a.config), toJsonb(a.context), toJsonb(a.metadata), a.name, a.description, a.version, a.created_at],
    );
  }

  async put(assistant: Assistant, ifExists: IfExists, filter?: MetadataFilter): Promise<PutResult<Assistant>> {
    return this.pool.transaction(async (db): Promise<PutResult<Assistant>> => {
      const { rows } = await db.query<AssistantRow>(
        `INSERT INTO assistants (${COLUMNS}, updated_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7, $8, $9, $10)
         ON CONFLICT (assistant_id) DO NOTHING RETURNING *`,
        [
          assistant.assistant_id,
          assistant.graph_id,
          toJsonb(assistant.config),
          toJsonb(assistant.context),
          toJsonb(assistant.metadata),
          assistant.name,
          assistant.description,
          assistant.version,
          assistant.created_at,
          assistant.updated_at,
        ],
      );
      if (rows[0]) {
        await this.insertVersion(db, assistant);
        return { kind: "created", record: toAssistant(rows[0]) };
      }
      const existing = await this.getWith(db, assistant.assistant_id, filter);
      if (ifExists === "raise" || !existing) return { kind: "conflict" };
      return { kind: "existing", record: existing };
    });
  }

  async get(assistantId: string, filter?: MetadataFilter): Promise<Assistant | null> {
    return this.getWith(this.pool, assistantId, filter);
  }

  async update(assistantId: string, patch: AssistantPatch, filter?: MetadataFilter): Promise<Assistant | null> {
    return this.pool.transaction(async (db) => {
      const current = await this.getWith(db, assistantId, filter, true);
      if (!current) return null;
      const { rows } = await db.query<{ max: number | null }>(`SELECT max(version) AS max FROM assistant_versions WHERE assistant_id = $1`, [assistantId]);
      const now = new Date().toISOString();
      const next: Assistant = {
        ...current,
        graph_id: patch.graph_id ?? current.graph_id,
        config: patch.config ?? current.config,
        context: patch.context ?? current.context,
        metadata: { ...current.metadata, ...(patch.metadata ?? {}) },
        name: patch.name ?? current.name,
        description: patch.description !== undefined ? patch.description : current.description,
        version: Math.max(rows[0]?.max ?? 0, current.version) + 1,
        updated_at: now,
      };
      await db.query(
        `UPDATE assistants SET graph_id = $2, config = $3::jsonb, context = $4::jsonb, metadata = $5::jsonb, name = $6,
           description = $7, version = $8, updated_at = $9 WHERE assistant_id = $1`,
        [assistantId, next.graph_id, toJsonb(next.config), toJsonb(next.context), toJsonb(next.metadata), next.name, next.description, next.version, now],
      );
      await this.insertVersion(db, { ...next, created_at: now });
      return next;
    });
  }

  async delete(assistantId: string, options: { deleteThreads: boolean; filter?: MetadataFilter }): Promise<boolean> {
    return this.pool.transaction(async (db) => {
      if (!(await this.getWith(db, assistantId, options.filter, true))) return false;
      if (options.deleteThreads) {
        const { rows } = await db.query<{ thread_id: string }>(`SELECT thread_id FROM threads WHERE metadata @> $1::jsonb`, [
          toJsonb({ assistant_id: assistantId }),
        ]);
        await deleteThreadRows(db, rows.map((r) => r.thread_id));
      }
      await db.query(`DELETE FROM runs WHERE assistant_id = $1`, [assistantId]);
      await db.query(`DELETE FROM assistant_versions WHERE assistant_id = $1`, [assistantId]);
      return ((await db.query(`DELETE FROM assistants WHERE assistant_id = $1`, [assistantId])).rowCount ?? 0) > 0;
    });
  }

  private where(query: Omit<AssistantSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): { sql: string; params: Params } {
    const p = new Params();
    const parts: string[] = [];
    if (query.graphId) parts.push(`graph_id = ${p.add(query.graphId)}`);
    if (query.name) parts.push(`strpos(lower(name), lower(${p.add(query.name)})) > 0`);
    parts.push(metadataFilterSql("metadata", [query.metadata, query.filter], p));
    return { sql: parts.join(" AND "), params: p };
  }

  async search(query: AssistantSearchQuery): Promise<Page<Assistant>> {
    const { sql, params } = this.where(query);
    return pageWhere(this.pool, "assistants", sql, params, { ...query, sortColumns: SORT_COLUMNS }, toAssistant);
  }

  async count(query: Omit<AssistantSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): Promise<number> {
    const { sql, params } = this.where(query);
    return countWhere(this.pool, "assistants", sql, params);
  }

  async listVersions(
    assistantId: string,
    query: { limit: number; offset: number; metadata?: Metadata; filter?: MetadataFilter },
  ): Promise<AssistantVersion[]> {
    const p = new Params();
    const id = p.add(assistantId);
    const cond = metadataFilterSql("metadata", [query.metadata, query.filter], p);
    const { rows } = await this.pool.query<AssistantRow>(
      `SELECT * FROM assistant_versions WHERE assistant_id = ${id} AND ${cond}
       ORDER BY version DESC LIMIT ${p.add(query.limit)} OFFSET ${p.add(query.offset)}`,
      p.values,
    );
    return rows.map(toVersion);
  }

  async setLatest(assistantId: string, version: number, filter?: MetadataFilter): Promise<Assistant | null> {
    return this.pool.transaction(async (db) => {
      if (!(await this.getWith(db, assistantId, filter, true))) return null;
      const { rows } = await db.query<AssistantRow>(
        `UPDATE assistants a SET config = v.config, context = v.context, metadata = v.metadata, name = v.name,
           description = v.description, version = v.version, updated_at = $3
         FROM assistant_versions v
         WHERE a.assistant_id = $1 AND v.assistant_id = $1 AND v.version = $2
         RETURNING a.*`,
        [assistantId, version, new Date().toISOString()],
      );
      return rows[0] ? toAssistant(rows[0]) : null;
    });
  }

  async truncate(): Promise<void> {
    await this.pool.transaction(async (db) => {
      const keep = `coalesce(metadata ->> 'created_by', '') = 'system'`;
      await db.query(`DELETE FROM assistant_versions WHERE assistant_id IN (SELECT assistant_id FROM assistants WHERE NOT (${keep}))`);
      await db.query(`DELETE FROM assistants WHERE NOT (${keep})`);
    });
  }
}

