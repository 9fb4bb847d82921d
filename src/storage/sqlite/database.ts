/**
 * Opens the SQLite file and brings its schema up to date. One connection serves every repository
 * and LangGraph's checkpointer, so a run's rows and its checkpoints share transactions.
 *
 * Durability: WAL with `synchronous=FULL` makes every committed transaction survive a crash or
 * power loss before we answer 2xx.
 */
import Database from "better-sqlite3";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../../errors.js";

export type Db = Database.Database;

const MIGRATIONS: string[] = [
  `
  CREATE TABLE assistants (
    assistant_id TEXT PRIMARY KEY,
    graph_id TEXT NOT NULL,
    config TEXT NOT NULL,
    context TEXT NOT NULL,
    metadata TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX assistants_created ON assistants(created_at);
  CREATE TABLE threads (
    thread_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    metadata TEXT NOT NULL,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    state_values TEXT,
    interrupts TEXT
  );
  CREATE INDEX threads_created ON threads(created_at);
  CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    assistant_id TEXT NOT NULL,
    status TEXT NOT NULL,
    metadata TEXT NOT NULL,
    kwargs TEXT NOT NULL,
    multitask_strategy TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    auth TEXT
  );
  CREATE INDEX runs_thread ON runs(thread_id, status);
  CREATE INDEX runs_due ON runs(status, due_at);
  `,
];

export function openDatabase(file: string): Db {
  if (file !== ":memory:") {
    mkdirSync(path.dirname(file), { recursive: true });
  }
  const existed = file !== ":memory:" && existsSync(file);
  let db: Db;
  try {
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    if (existed) {
      const [check] = db.pragma("quick_check") as Array<{ quick_check: string }>;
      if (check?.quick_check !== "ok") throw new Error(`integrity check failed: ${check?.quick_check}`);
    }
    migrate(db);
  } catch (err) {
    throw new ConfigError(
      `cannot open the database ${file}: ${(err as Error).message}. ` +
        `It was left untouched; move it aside (or restore a backup) to start with an empty one.`,
      { cause: err },
    );
  }
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`schema version ${current} is newer than this agent-server knows (${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
