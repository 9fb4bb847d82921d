/** The embedded default backend: one SQLite file (or `:memory:`) behind the storage contract. */
import { assembleStorage } from "../assemble.js";
import { LocalSignals } from "../local-signals.js";
import type { Storage } from "../types.js";
import { SqliteAssistants } from "./assistants.js";
import { SqliteCheckpointer } from "./checkpointer.js";
import { SqliteCrons } from "./crons.js";
import { GroupCommit } from "./group-commit.js";
import { openDatabase, type Db } from "./database.js";
import { SqliteRuns } from "./runs.js";
import { SqliteStore } from "./store.js";
import { SqliteThreads } from "./threads.js";

export interface SqliteStorageOptions {
  /** Store TTL from langgraph.json (`store.ttl`): default minutes for new items, refresh on read. */
  storeTtl?: { defaultMinutes?: number | null; refreshOnRead: boolean };
  /** Sync every commit to disk (power-loss durability); without it, process crashes lose nothing. */
  fsync?: boolean;
}

export function openSqliteStorage(file: string, options: SqliteStorageOptions = {}): Storage {
  const db = openDatabase(file, { fsync: options.fsync });
  // One group commit for every writer, LangGraph's checkpointer included: concurrent writes share commits.
  const group = new GroupCommit(db);
  const store = new SqliteStore(db, group, options.storeTtl);
  const checkpointer = new SqliteCheckpointer(db, group);
  const threads = new SqliteThreads(db, group);
  const assistants = new SqliteAssistants(db, group);
  return assembleStorage({
    assistants,
    threads,
    runs: new SqliteRuns(db, group, threads),
    checkpointer,
    store,
    crons: new SqliteCrons(db, group),
    signals: new LocalSignals(),
    exclusive: true,
    claimPeriodicTask: (name, now, intervalMs) => claimPeriodicTask(db, group, name, now, intervalMs),
    location: file,
    async close() {
      await group.drain();
      db.close();
    },
  });
}

/** A periodic task is due when it never ran or last ran `intervalMs` ago; claiming it records now. */
function claimPeriodicTask(db: Db, group: GroupCommit, name: string, now: Date, intervalMs: number): Promise<boolean> {
  const due = new Date(now.getTime() - intervalMs).toISOString();
  return group.write(
    () =>
      db
        .prepare(
          `INSERT INTO periodic_tasks (name, last_run_at) VALUES (?, ?)
           ON CONFLICT(name) DO UPDATE SET last_run_at = excluded.last_run_at WHERE periodic_tasks.last_run_at <= ?`,
        )
        .run(name, now.toISOString(), due).changes > 0,
  );
}
