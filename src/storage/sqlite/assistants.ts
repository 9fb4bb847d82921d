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
import type { Db } from "./database.js";
import type { GroupCommit } from "./group-commit.js";
import { fromJson, toJson } from "./json-columns.js";
import { countWhere, pageWhere } from "./paging.js";
import { metadataFilterSql, type SqlCondition } from "./metadata-filter.js";

interface AssistantRow {
  assistant_id: string;
  graph_id: string;
  config: string;
  context: string;
  metadata: string;
  name: string;
  description: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

function toAssistant(row: AssistantRow): Assistant {
  return { ...row, config: fromJson(row.config), context: fromJson(row.context), metadata: fromJson(row.metadata) };
}

function toVersion(row: Omit<AssistantRow, "updated_at">): AssistantVersion {
  return { ...row, config: fromJson(row.config), context: fromJson(row.context), metadata: fromJson(row.metadata) };
}

const SORT_COLUMNS = new Set(["assistant_id", "graph_id", "name", "created_at", "updated_at"]);

export class SqliteAssistants implements AssistantRepository {
  private readonly insert;
  private readonly insertVersion;
  private readonly byId;

  constructor(
    private readonly db: Db,
    private readonly group: GroupCommit,
  ) {
    this.insert = db.prepare(
      `INSERT INTO assistants (assistant_id, graph_id, config, context, metadata, name, description, version, created_at, updated_at)
       VALUES (@assistant_id, @graph_id, @config, @context, @metadata, @name, @description, @version, @created_at, @updated_at)
       ON CONFLICT(assistant_id) DO NOTHING`,
    );
    this.insertVersion = db.prepare(
      `INSERT OR REPLACE INTO assistant_versions (assistant_id, version, graph_id, config, context, metadata, name, description, created_at)
       VALUES (@assistant_id, @version, @graph_id, @config, @context, @metadata, @name, @description, @created_at)`,
    );
    this.byId = db.prepare<[string], AssistantRow>(`SELECT * FROM assistants WHERE assistant_id = ?`);
  }

  private getSync(assistantId: string, filter?: MetadataFilter): Assistant | null {
    if (!filter || Object.keys(filter).length === 0) {
      const row = this.byId.get(assistantId);
      return row ? toAssistant(row) : null;
    }
    const cond = metadataFilterSql("metadata", filter);
    const row = this.db
      .prepare<unknown[], AssistantRow>(`SELECT * FROM assistants WHERE assistant_id = ? AND ${cond.sql}`)
      .get(assistantId, ...cond.params);
    return row ? toAssistant(row) : null;
  }

  async put(assistant: Assistant, ifExists: IfExists, filter?: MetadataFilter): Promise<PutResult<Assistant>> {
    return this.group.write((): PutResult<Assistant> => {
      const row = {
        ...assistant,
        config: toJson(assistant.config),
        context: toJson(assistant.context),
        metadata: toJson(assistant.metadata),
      };
      if (this.insert.run(row).changes > 0) {
        this.insertVersion.run(row);
        return { kind: "created", record: this.getSync(assistant.assistant_id)! };
      }
      const existing = this.getSync(assistant.assistant_id, filter);
      if (ifExists === "raise" || !existing) return { kind: "conflict" };
      return { kind: "existing", record: existing };
    });
  }

  async get(assistantId: string, filter?: MetadataFilter): Promise<Assistant | null> {
    return this.getSync(assistantId, filter);
  }

  async update(assistantId: string, patch: AssistantPatch, filter?: MetadataFilter): Promise<Assistant | null> {
    return this.group.write(() => {
      const current = this.getSync(assistantId, filter);
      if (!current) return null;
      const { max } = this.db
        .prepare<[string], { max: number | null }>(`SELECT max(version) AS max FROM assistant_versions WHERE assistant_id = ?`)
        .get(assistantId)!;
      const now = new Date().toISOString();
      const next: Assistant = {
        ...current,
        graph_id: patch.graph_id ?? current.graph_id,
        config: patch.config ?? current.config,
        context: patch.context ?? current.context,
        metadata: { ...current.metadata, ...(patch.metadata ?? {}) },
        name: patch.name ?? current.name,
        description: patch.description !== undefined ? patch.description : current.description,
        version: Math.max(max ?? 0, current.version) + 1,
        updated_at: now,
      };
      const row = { ...next, config: toJson(next.config), context: toJson(next.context), metadata: toJson(next.metadata) };
      this.db
        .prepare(
          `UPDATE assistants SET graph_id = @graph_id, config = @config, context = @context, metadata = @metadata,
             name = @name, description = @description, version = @version, updated_at = @updated_at
           WHERE assistant_id = @assistant_id`,
        )
        .run(row);
      this.insertVersion.run({ ...row, created_at: now });
      return next;
    });
  }

  async delete(assistantId: string, options: { deleteThreads: boolean; filter?: MetadataFilter }): Promise<boolean> {
    return this.group.write(() => {
      if (!this.getSync(assistantId, options.filter)) return false;
      if (options.deleteThreads) {
        const threads = this.db
          .prepare<[string], { thread_id: string }>(
            `SELECT thread_id FROM thread_meta WHERE key = 'assistant_id' AND value = json_quote(?)`,
          )
          .all(assistantId)
          .map((r) => r.thread_id);
        for (const threadId of threads) {
          for (const table of ["runs", "checkpoints", "writes", "threads"]) {
            this.db.prepare(`DELETE FROM ${table} WHERE thread_id = ?`).run(threadId);
          }
        }
      }
      this.db.prepare(`DELETE FROM runs WHERE assistant_id = ?`).run(assistantId);
      this.db.prepare(`DELETE FROM assistant_versions WHERE assistant_id = ?`).run(assistantId);
      return this.db.prepare(`DELETE FROM assistants WHERE assistant_id = ?`).run(assistantId).changes > 0;
    });
  }

  private where(query: Omit<AssistantSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): SqlCondition {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (query.graphId) {
      parts.push("graph_id = ?");
      params.push(query.graphId);
    }
    if (query.name) {
      parts.push("instr(lower(name), lower(?)) > 0");
      params.push(query.name);
    }
    for (const f of [query.metadata, query.filter]) {
      const cond = metadataFilterSql("metadata", f);
      parts.push(cond.sql);
      params.push(...cond.params);
    }
    return { sql: parts.join(" AND ") || "1", params };
  }

  async search(query: AssistantSearchQuery): Promise<Page<Assistant>> {
    return pageWhere(this.db, "assistants", this.where(query), { ...query, sortColumns: SORT_COLUMNS }, toAssistant);
  }

  async count(query: Omit<AssistantSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): Promise<number> {
    return countWhere(this.db, "assistants", this.where(query));
  }


  async listVersions(
    assistantId: string,
    query: { limit: number; offset: number; metadata?: Metadata; filter?: MetadataFilter },
  ): Promise<AssistantVersion[]> {
    const conds = [metadataFilterSql("metadata", query.metadata), metadataFilterSql("metadata", query.filter)];
    const rows = this.db
      .prepare<unknown[], Omit<AssistantRow, "updated_at">>(
        `SELECT * FROM assistant_versions WHERE assistant_id = ? AND ${conds.map((c) => c.sql).join(" AND ")}
         ORDER BY version DESC LIMIT ? OFFSET ?`,
      )
      .all(assistantId, ...conds.flatMap((c) => c.params), query.limit, query.offset);
    return rows.map(toVersion);
  }

  async setLatest(assistantId: string, version: number, filter?: MetadataFilter): Promise<Assistant | null> {
    return this.group.write(() => {
      if (!this.getSync(assistantId, filter)) return null;
      const v = this.db
        .prepare<[string, number], Omit<AssistantRow, "updated_at">>(
          `SELECT * FROM assistant_versions WHERE assistant_id = ? AND version = ?`,
        )
        .get(assistantId, version);
      if (!v) return null;
      this.db
        .prepare(
          `UPDATE assistants SET config = ?, context = ?, metadata = ?, name = ?, description = ?, version = ?, updated_at = ?
           WHERE assistant_id = ?`,
        )
        .run(v.config, v.context, v.metadata, v.name, v.description, v.version, new Date().toISOString(), assistantId);
      return this.getSync(assistantId);
    });
  }

  async truncate(): Promise<void> {
    return this.group.write(() => {
      const keep = `ifnull(json_extract(metadata, '$.created_by'), '') = 'system'`;
      this.db.prepare(`DELETE FROM assistant_versions WHERE assistant_id IN (SELECT assistant_id FROM assistants WHERE NOT (${keep}))`).run();
      this.db.prepare(`DELETE FROM assistants WHERE NOT (${keep})`).run();
    });
  }
}
