/**
 * The scale-out backend: one PostgreSQL database behind the storage contract, shared by any
 * number of server instances. Checkpoints are LangGraph's own PostgresSaver tables in the same
 * database, so a thread's rows and its checkpoints are deleted and copied together.
 */
import { assembleStorage } from "../assemble.js";
import type { Storage } from "../types.js";
import { PostgresAssistants } from "./assistants.js";
import { PostgresCheckpointer } from "./checkpointer.js";
import { PostgresCrons } from "./crons.js";
import { Database, migrate, openPool, redactUrl } from "./database.js";

export { redactUrl };
import { PgSignals } from "./notifications.js";
import { PostgresRunEvents } from "./run-events.js";
import { PostgresRuns } from "./runs.js";
import { PostgresStore } from "./store.js";
import { PostgresThreads } from "./threads.js";

export interface PostgresStorageOptions {
  /** Store TTL from langgraph.json (`store.ttl`): default minutes for new items, refresh on read. */
  storeTtl?: { defaultMinutes?: number | null; refreshOnRead: boolean };
  /** Connections this instance keeps open at most. Default 20. */
  poolSize?: number;
}

/** Connects, brings the schema up to date (see migrate) and returns the storage. */
export async function openPostgresStorage(url: string, options: PostgresStorageOptions = {}): Promise<Storage> {
  const pool = await openPool(url, { max: Math.max(2, options.poolSize ?? 20) });
  const background = await openPool(url, { max: Math.max(2, Math.ceil((options.poolSize ?? 20) / 2)), asyncCommit: true }).catch(async (err) => {
    await pool.end();
    throw err;
  });
  try {
    const db = new Database(pool, background);
    const checkpointer = new PostgresCheckpointer(db);
    await migrate(pool, () => checkpointer.setup());
    return postgresStorage(db, checkpointer, url, options);
  } catch (err) {
    await Promise.all([pool.end(), background.end()]).catch(() => undefined);
    throw err;
  }
}

/** `agent-server migrate`: applies the schema and returns the versions it applied. */
export async function migratePostgres(url: string): Promise<number[]> {
  // Two connections: LangGraph's setup takes its own while ours holds the migration lock.
  const pool = await openPool(url, { max: 2 });
  try {
    return await migrate(pool, () => new PostgresCheckpointer(new Database(pool)).setup());
  } finally {
    await pool.end();
  }
}

function postgresStorage(db: Database, checkpointer: PostgresCheckpointer, url: string, options: PostgresStorageOptions): Storage {
  const threads = new PostgresThreads(db);
  const assistants = new PostgresAssistants(db);
  const store = new PostgresStore(db, options.storeTtl);
  const signals = new PgSignals(db, url);
  return assembleStorage({
    assistants,
    threads,
    runs: new PostgresRuns(db),
    checkpointer,
    store,
    crons: new PostgresCrons(db),
    events: new PostgresRunEvents(db),
    signals,
    exclusive: false,
    claimPeriodicTask: async (name, now, intervalMs) => {
      const { rowCount } = await db.query(
        `INSERT INTO periodic_tasks (name, last_run_at) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at WHERE periodic_tasks.last_run_at <= $3`,
        [name, now, new Date(now.getTime() - intervalMs)],
      );
      return (rowCount ?? 0) > 0;
    },
    location: redactUrl(url),
    async close() {
      await signals.close();
      await db.end();
    },
  });
}
