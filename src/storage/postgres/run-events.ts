/**
 * Run stream events in a table, so a reader on one instance follows a run executing on another.
 * Events arrive in batches (one statement per batch, however many events, which also signals
 * `events`); the data is kept as the JSON text it was published as, never re-parsed. Written
 * through the background pool: see Database.
 */
import type { RunEventRepository, StoredRunEvent } from "../types.js";
import type { Database } from "./database.js";
import { channelName } from "./notifications.js";

const EVENTS_CHANNEL = channelName("events");

export class PostgresRunEvents implements RunEventRepository {
  constructor(private readonly pool: Database) {}

  async append(runId: string, events: StoredRunEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One statement: the insert, and the signal to readers everywhere (sent at its commit).
    await this.pool.backgroundQuery(
        `WITH inserted AS (
           INSERT INTO run_events (run_id, seq, event, data)
           SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[])
           ON CONFLICT (run_id, seq) DO NOTHING)
         SELECT pg_notify($5, $1)`,
        [runId, events.map((e) => e.id), events.map((e) => e.event), events.map((e) => e.data), EVENTS_CHANNEL],
    );
  }

  async after(runId: string, afterId: number, limit: number): Promise<StoredRunEvent[]> {
    const { rows } = await this.pool.query<StoredRunEvent>(
      `SELECT seq AS id, event, data FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [runId, afterId, limit],
    );
    return rows;
  }

  async lastId(runId: string): Promise<number> {
    const { rows } = await this.pool.query<{ last: number | null }>(`SELECT max(seq) AS last FROM run_events WHERE run_id = $1`, [runId]);
    return rows[0]?.last ?? -1;
  }

  async sweep(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM run_events e WHERE e.created_at < $1
         AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = e.run_id AND r.status IN ('pending', 'running'))`,
      [before],
    );
    return rowCount ?? 0;
  }
}
