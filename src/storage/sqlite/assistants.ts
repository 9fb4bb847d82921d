import type { Assistant, AssistantRepository, IfExists, Metadata, MetadataFilter } from "../types.js";
import type { Db } from "./database.js";
import { fromJson, toJson } from "./json-columns.js";
import { metadataFilterSql } from "./metadata-filter.js";

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
  return {
    ...row,
    config: fromJson(row.config),
    context: fromJson(row.context),
    metadata: fromJson(row.metadata),
  };
}

export class SqliteAssistants implements AssistantRepository {
  private readonly insert;
  private readonly byId;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO assistants (assistant_id, graph_id, config, context, metadata, name, description, version, created_at, updated_at)
       VALUES (@assistant_id, @graph_id, @config, @context, @metadata, @name, @description, @version, @created_at, @updated_at)
       ON CONFLICT(assistant_id) DO NOTHING`,
    );
    this.byId = db.prepare<[string], AssistantRow>(`SELECT * FROM assistants WHERE assistant_id = ?`);
  }

  async put(assistant: Assistant, _ifExists: IfExists): Promise<{ assistant: Assistant; created: boolean }> {
    const { changes } = this.insert.run({
      ...assistant,
      config: toJson(assistant.config),
      context: toJson(assistant.context),
      metadata: toJson(assistant.metadata),
    });
    const row = this.byId.get(assistant.assistant_id)!;
    return { assistant: toAssistant(row), created: changes > 0 };
  }

  async get(assistantId: string, filter?: MetadataFilter): Promise<Assistant | null> {
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

  async search(query: {
    graphId?: string;
    metadata?: Metadata;
    limit: number;
    offset: number;
    filter?: MetadataFilter;
  }): Promise<{ items: Assistant[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.graphId) {
      where.push("graph_id = ?");
      params.push(query.graphId);
    }
    for (const f of [query.metadata, query.filter]) {
      const cond = metadataFilterSql("metadata", f);
      where.push(cond.sql);
      params.push(...cond.params);
    }
    const clause = where.join(" AND ");
    const total = (this.db.prepare(`SELECT count(*) AS n FROM assistants WHERE ${clause}`).get(...params) as { n: number }).n;
    const rows = this.db
      .prepare<unknown[], AssistantRow>(
        `SELECT * FROM assistants WHERE ${clause} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`,
      )
      .all(...params, query.limit, query.offset);
    return { items: rows.map(toAssistant), total };
  }
}
