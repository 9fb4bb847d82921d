import type { Cron, CronRepository, CronSearchQuery, MetadataFilter, Page, RunInternal } from "../types.js";
import type { Db } from "./database.js";
import type { GroupCommit } from "./group-commit.js";
import { fromJson, toJson } from "./json-columns.js";
import { countWhere, pageWhere } from "./paging.js";
import { metadataFilterSql, type SqlCondition } from "./metadata-filter.js";

interface CronRow extends Omit<Cron, "payload" | "metadata" | "enabled"> {
  payload: string;
  metadata: string;
  enabled: number;
  auth: string | null;
}

function toCron(row: CronRow): Cron {
  const { auth: _auth, ...rest } = row;
  return { ...rest, payload: fromJson(row.payload), metadata: fromJson(row.metadata), enabled: row.enabled === 1 };
}

function toRow(cron: Cron) {
  return { ...cron, payload: toJson(cron.payload), metadata: toJson(cron.metadata), enabled: cron.enabled ? 1 : 0 };
}

const SORT_COLUMNS = new Set(["cron_id", "assistant_id", "thread_id", "next_run_date", "end_time", "created_at", "updated_at"]);

export class SqliteCrons implements CronRepository {
  constructor(
    private readonly db: Db,
    private readonly group: GroupCommit,
  ) {}

  private getSync(cronId: string, filter?: MetadataFilter): Cron | null {
    const cond = metadataFilterSql("metadata", filter);
    const row = this.db.prepare<unknown[], CronRow>(`SELECT * FROM crons WHERE cron_id = ? AND ${cond.sql}`).get(cronId, ...cond.params);
    return row ? toCron(row) : null;
  }

  async create(cron: Cron, auth: RunInternal["auth"]): Promise<Cron> {
    return this.group.write(() => {
      this.db
        .prepare(
          `INSERT INTO crons (cron_id, assistant_id, thread_id, schedule, timezone, payload, metadata, end_time, on_run_completed,
             user_id, enabled, next_run_date, auth, created_at, updated_at)
           VALUES (@cron_id, @assistant_id, @thread_id, @schedule, @timezone, @payload, @metadata, @end_time, @on_run_completed,
             @user_id, @enabled, @next_run_date, @auth, @created_at, @updated_at)`,
        )
        .run({ ...toRow(cron), auth: auth ? toJson(auth) : null });
      return this.getSync(cron.cron_id)!;
    });
  }

  async get(cronId: string, filter?: MetadataFilter): Promise<Cron | null> {
    return this.getSync(cronId, filter);
  }

  async getAuth(cronId: string): Promise<RunInternal["auth"]> {
    const row = this.db.prepare<[string], { auth: string | null }>(`SELECT auth FROM crons WHERE cron_id = ?`).get(cronId);
    return row?.auth ? fromJson(row.auth) : null;
  }

  async update(cronId: string, patch: Partial<Omit<Cron, "cron_id" | "created_at">>, filter?: MetadataFilter): Promise<Cron | null> {
    return this.group.write(() => {
      const current = this.getSync(cronId, filter);
      if (!current) return null;
      const next: Cron = { ...current, ...patch, metadata: { ...current.metadata, ...(patch.metadata ?? {}) }, updated_at: new Date().toISOString() };
      const row = toRow(next);
      this.db
        .prepare(
          `UPDATE crons SET schedule = @schedule, timezone = @timezone, payload = @payload, metadata = @metadata, end_time = @end_time,
             on_run_completed = @on_run_completed, enabled = @enabled, next_run_date = @next_run_date, updated_at = @updated_at
           WHERE cron_id = @cron_id`,
        )
        .run(row);
      return next;
    });
  }

  async delete(cronId: string, filter?: MetadataFilter): Promise<boolean> {
    return this.group.write(() => {
      if (!this.getSync(cronId, filter)) return false;
      return this.db.prepare(`DELETE FROM crons WHERE cron_id = ?`).run(cronId).changes > 0;
    });
  }

  private where(query: Omit<CronSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): SqlCondition {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (query.assistantId) {
      parts.push("assistant_id = ?");
      params.push(query.assistantId);
    }
    if (query.threadId) {
      parts.push("thread_id = ?");
      params.push(query.threadId);
    }
    if (query.enabled !== undefined) {
      parts.push("enabled = ?");
      params.push(query.enabled ? 1 : 0);
    }
    const cond = metadataFilterSql("metadata", [query.metadata, query.filter]);
    parts.push(cond.sql);
    params.push(...cond.params);
    return { sql: parts.join(" AND "), params };
  }

  async search(query: CronSearchQuery): Promise<Page<Cron>> {
    return pageWhere(this.db, "crons", this.where(query), { ...query, sortColumns: SORT_COLUMNS }, toCron);
  }

  async count(query: Omit<CronSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): Promise<number> {
    return countWhere(this.db, "crons", this.where(query));
  }


  async due(now: Date): Promise<Cron[]> {
    return this.db
      .prepare<[string], CronRow>(`SELECT * FROM crons WHERE enabled = 1 AND next_run_date IS NOT NULL AND next_run_date <= ? ORDER BY next_run_date`)
      .all(now.toISOString())
      .map(toCron);
  }

  async advance(cronId: string, slot: string, next: string | null): Promise<boolean> {
    return this.group.write(
      () =>
        this.db
          .prepare(`UPDATE crons SET next_run_date = ?, updated_at = ? WHERE cron_id = ? AND next_run_date = ?`)
          .run(next, new Date().toISOString(), cronId, slot).changes > 0,
    );
  }

  async nextDueAt(): Promise<Date | null> {
    const row = this.db.prepare<[], { due: string | null }>(`SELECT min(next_run_date) AS due FROM crons WHERE enabled = 1`).get();
    return row?.due ? new Date(row.due) : null;
  }
}
