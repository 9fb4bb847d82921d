/**
 * Opens the SQLite file and brings its schema up to date. One connection serves every repository
 * and LangGraph's checkpointer, so a run's rows and its checkpoints share transactions.
 *
 * Durability: WAL mode. Every committed transaction is in the WAL before we answer 2xx, so a
 * crashed or killed process (kill -9) loses nothing. `fsync: true` (synchronous=FULL) also
 * syncs each commit to the disk, for power loss, at the cost of a disk flush per write.
 */
import Database from "better-sqlite3";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../../errors.js";

export type Db = Database.Database;

/**
 * The JSON text of a scalar from json_each (`type`, `value`), spelled as JSON.stringify spells it,
 * so a filter value can be looked up as `JSON.stringify(v)`.
 */
const SCALAR_JSON = `CASE type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN 'null'
  WHEN 'text' THEN json_quote(value) ELSE CAST(value AS TEXT) END`;

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
  // Assistant versions, and an index of each thread's scalar metadata values so that metadata
  // filters (search, auth filters) are index lookups instead of a JSON scan of every thread.
  // Triggers keep the index in step with every write of threads.metadata, whoever makes it.
  `
  CREATE TABLE assistant_versions (
    assistant_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    graph_id TEXT NOT NULL,
    config TEXT NOT NULL,
    context TEXT NOT NULL,
    metadata TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (assistant_id, version)
  );
  INSERT INTO assistant_versions
    SELECT assistant_id, version, graph_id, config, context, metadata, name, description, created_at FROM assistants;
  CREATE INDEX threads_status ON threads(status, created_at);
  CREATE INDEX threads_updated ON threads(updated_at);
  CREATE TABLE thread_meta (
    thread_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (thread_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX thread_meta_kv ON thread_meta(key, value);
  CREATE TRIGGER thread_meta_insert AFTER INSERT ON threads BEGIN
    INSERT INTO thread_meta SELECT NEW.thread_id, key, ${SCALAR_JSON} FROM json_each(NEW.metadata) WHERE type NOT IN ('object', 'array');
  END;
  CREATE TRIGGER thread_meta_update AFTER UPDATE OF metadata ON threads BEGIN
    DELETE FROM thread_meta WHERE thread_id = OLD.thread_id;
    INSERT INTO thread_meta SELECT NEW.thread_id, key, ${SCALAR_JSON} FROM json_each(NEW.metadata) WHERE type NOT IN ('object', 'array');
  END;
  CREATE TRIGGER thread_meta_delete AFTER DELETE ON threads BEGIN
    DELETE FROM thread_meta WHERE thread_id = OLD.thread_id;
  END;
  INSERT INTO thread_meta SELECT t.thread_id, j.key, ${SCALAR_JSON.replaceAll("type", "j.type").replaceAll("value", "j.value")}
    FROM threads t, json_each(t.metadata) j WHERE j.type NOT IN ('object', 'array');
  `,
  // The long-term memory store. ns_path is the namespace's labels each followed by \x1f, so a
  // namespace prefix is a string prefix of it.
  `
  CREATE TABLE store_items (
    ns_path TEXT NOT NULL,
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at TEXT,
    ttl_minutes REAL,
    PRIMARY KEY (ns_path, key)
  );
  CREATE INDEX store_items_expires ON store_items(expires_at) WHERE expires_at IS NOT NULL;
  `,
  `
  CREATE TABLE crons (
    cron_id TEXT PRIMARY KEY,
    assistant_id TEXT NOT NULL,
    thread_id TEXT,
    schedule TEXT NOT NULL,
    timezone TEXT,
    payload TEXT NOT NULL,
    metadata TEXT NOT NULL,
    end_time TEXT,
    on_run_completed TEXT,
    user_id TEXT,
    enabled INTEGER NOT NULL,
    next_run_date TEXT,
    auth TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX crons_due ON crons(enabled, next_run_date);
  `,
  // Every run creation sets the thread's metadata (graph_id, assistant_id), nearly always to what
  // it already was: the index is rebuilt only when the metadata really changes.
  `
  DROP TRIGGER thread_meta_update;
  CREATE TRIGGER thread_meta_update AFTER UPDATE OF metadata ON threads WHEN OLD.metadata IS NOT NEW.metadata BEGIN
    DELETE FROM thread_meta WHERE thread_id = OLD.thread_id;
    INSERT INTO thread_meta SELECT NEW.thread_id, key, ${SCALAR_JSON} FROM json_each(NEW.metadata) WHERE type NOT IN ('object', 'array');
  END;
  `,
  // When a thread's state last changed (threads made before this version take their last update,
  // the closest thing known), and a thread's time-to-live.
  `
  ALTER TABLE threads ADD COLUMN state_updated_at TEXT;
  UPDATE threads SET state_updated_at = updated_at;
  CREATE INDEX threads_state_updated ON threads(state_updated_at);
  ALTER TABLE threads ADD COLUMN ttl_strategy TEXT;
  ALTER TABLE threads ADD COLUMN ttl_minutes REAL;
  ALTER TABLE threads ADD COLUMN expires_at TEXT;
  CREATE INDEX threads_expires ON threads(expires_at) WHERE expires_at IS NOT NULL;
  `,
  // The lease model shared with the Postgres backend: the instance executing a run and until
  // when its claim holds, a cancel requested by another request, and periodic tasks that run
  // once per interval.
  `
  ALTER TABLE runs ADD COLUMN owner TEXT;
  ALTER TABLE runs ADD COLUMN lease_expires_at TEXT;
  ALTER TABLE runs ADD COLUMN cancel_action TEXT;
  CREATE INDEX runs_lease ON runs(lease_expires_at) WHERE status = 'running';
  CREATE TABLE periodic_tasks (name TEXT PRIMARY KEY, last_run_at TEXT NOT NULL);
  `,
];

export function openDatabase(file: string, options: { fsync?: boolean } = {}): Db {
  if (file !== ":memory:") {
    mkdirSync(path.dirname(file), { recursive: true });
  }
  const existed = file !== ":memory:" && existsSync(file);
  let db: Db;
  try {
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${options.fsync ? "FULL" : "NORMAL"}`);
    db.pragma("busy_timeout = 5000");
    if (existed) {
      const [check] = db.pragma("quick_check") as Array<{ quick_check: string }>;
      if (check?.quick_check !== "ok") throw new Error(`integrity check failed: ${check?.quick_check}`);
    }
    migrate(db);
    cacheStatements(db);
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

/** How many compiled statements the connection keeps (dynamic SQL, such as searches, varies). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * better-sqlite3 compiles the SQL on every `prepare()`, and LangGraph's checkpointer (and some
 * of our less hot paths) prepare per call: the connection keeps the most recently used
 * statements, so each SQL text is compiled once. Safe because no caller changes a statement's
 * modes (pluck, raw, expand) or iterates one lazily.
 */
function cacheStatements(db: Db): void {
  const compile = db.prepare.bind(db);
  const cache = new Map<string, ReturnType<typeof compile>>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql); // re-inserted below: the Map's order is the LRU order
    } else {
      statement = compile(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  }) as typeof db.prepare;
}
