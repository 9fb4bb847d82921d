import type { Cron, CronRepository, CronSearchQuery, MetadataFilter, Page, RunInternal } from "../types.js";
import { iso, Params, type Database } from "./database.js";
import { toJsonb } from "./jsonb.js";
import { metadataFilterSql } from "./metadata-filter.js";
import { countWhere, pageWhere } from "./paging.js";

interface CronRow extends Omit<Cron, "end_time" | "next_run_date" | "created_at" | "updated_at"> {
  end_time: Date | null;
  next_run_date: Date | null;
  created_at: Date;
  updated_at: Date;
  auth: RunInternal["auth"];
}

function toCron(row: CronRow): Cron {
  return {
    cron_id: row.cron_id,
    assistant_id: row.assistant_id,
    thread_id: row.thread_id,
    schedule: row.schedule,
    timezone: row.timezone,
    payload: row.payload,
    metadata: row.metadata,
    end_time: iso(row.end_time),
    on_run_completed: row.on_run_completed,
    user_id: row.user_id,
    enabled: row.enabled,
    next_run_date: iso(row.next_run_date),
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

const SORT_COLUMNS = new Set(["cron_id", "assistant_id", "thread_id", "next_run_date", "end_time", "created_at", "updated_at"]);

export class PostgresCrons implements CronRepository {
  constructor(private readonly pool: Database) {}

  async create(cron: Cron, auth: RunInternal["auth"]): Promise<Cron> {
    const { rows } = await this.pool.query<CronRow>(
      `INSERT INTO crons (cron_id, assistant_id, thread_id, schedule, timezone, payload, metadata, end_time, on_run_completed,
         user_id, enabled, next_run_date, auth, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12, $13::jsonb, $14, $15) RETURNING *`,
      [
        cron.cron_id,
        cron.assistant_id,
        cron.thread_id,
        cron.schedule,
        cron.timezone,
        toJsonb(cron.payload),
        toJsonb(cron.metadata),
        cron.end_time,
        cron.on_run_completed,
        cron.user_id,
        cron.enabled,
        cron.next_run_date,
        auth ? toJsonb(auth) : null,
        cron.created_at,
        cron.updated_at,
      ],
    );
    return toCron(rows[0]!);
  }

  async get(cronId: string, filter?: MetadataFilter): Promise<Cron | null> {
    const p = new Params();
    const id = p.add(cronId);
    const { rows } = await this.pool.query<CronRow>(`SELECT * FROM crons WHERE cron_id = ${id} AND ${metadataFilterSql("metadata", filter, p)}`, p.values);
    return rows[0] ? toCron(rows[0]) : null;
  }

  async getAuth(cronId: string): Promise<RunInternal["auth"]> {
    const { rows } = await this.pool.query<{ auth: RunInternal["auth"] }>(`SELECT auth FROM crons WHERE cron_id = $1`, [cronId]);
    return rows[0]?.auth ?? null;
  }

  async update(cronId: string, patch: Partial<Omit<Cron, "cron_id" | "created_at">>, filter?: MetadataFilter): Promise<Cron | null> {
    const current = await this.get(cronId, filter);
    if (!current) return null;
    const next: Cron = { ...current, ...patch, metadata: { ...current.metadata, ...(patch.metadata ?? {}) }, updated_at: new Date().toISOString() };
    const p = new Params();
    const id = p.add(cronId);
    const { rows } = await this.pool.query<CronRow>(
      `UPDATE crons SET schedule = ${p.add(next.schedule)}, timezone = ${p.add(next.timezone)}, payload = ${p.json(next.payload)},
         metadata = metadata || ${p.json(patch.metadata ?? {})}, end_time = ${p.add(next.end_time)}, on_run_completed = ${p.add(next.on_run_completed)},
         enabled = ${p.add(next.enabled)}, next_run_date = ${p.add(next.next_run_date)}, updated_at = ${p.add(next.updated_at)}
       WHERE cron_id = ${id} AND ${metadataFilterSql("metadata", filter, p)} RETURNING *`,
      p.values,
    );
    return rows[0] ? toCron(rows[0]) : null;
  }

  async delete(cronId: string, filter?: MetadataFilter): Promise<boolean> {
    const p = new Params();
    const id = p.add(cronId);
    const { rowCount } = await this.pool.query(`DELETE FROM crons WHERE cron_id = ${id} AND ${metadataFilterSql("metadata", filter, p)}`, p.values);
    return (rowCount ?? 0) > 0;
  }

  private where(query: Omit<CronSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): { sql: string; params: Params } {
    const p = new Params();
    const parts: string[] = [];
    if (query.assistantId) parts.push(`assistant_id = ${p.add(query.assistantId)}`);
    if (query.threadId) parts.push(`thread_id = ${p.add(query.threadId)}`);
    if (query.enabled !== undefined) parts.push(`enabled = ${p.add(query.enabled)}`);
    parts.push(metadataFilterSql("metadata", [query.metadata, query.filter], p));
    return { sql: parts.join(" AND "), params: p };
  }

  async search(query: CronSearchQuery): Promise<Page<Cron>> {
    const { sql, params } = this.where(query);
    return pageWhere(this.pool, "crons", sql, params, { ...query, sortColumns: SORT_COLUMNS }, toCron);
  }

  async count(query: Omit<CronSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): Promise<number> {
    const { sql, params } = this.where(query);
    return countWhere(this.pool, "crons", sql, params);
  }

  async due(now: Date): Promise<Cron[]> {
    const { rows } = await this.pool.query<CronRow>(
      `SELECT * FROM crons WHERE enabled AND next_run_date IS NOT NULL AND next_run_date <= $1 ORDER BY next_run_date`,
      [now],
    );
    return rows.map(toCron);
  }

  async advance(cronId: string, slot: string, next: string | null): Promise<boolean> {
    const { rowCount } = await this.pool.query(`UPDATE crons SET next_run_date = $2, updated_at = $3 WHERE cron_id = $1 AND next_run_date = $4`, [
      cronId,
      next,
      new Date().toISOString(),
      slot,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async nextDueAt(): Promise<Date | null> {
    const { rows } = await this.pool.query<{ due: Date | null }>(`SELECT min(next_run_date) AS due FROM crons WHERE enabled`);
    return rows[0]?.due ?? null;
  }
}
