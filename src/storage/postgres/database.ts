/**
 * The PostgreSQL connection pool, the schema migrations and the transaction helper.
 *
 * Migrations are the numbered SQL files in `migrations/postgres/` (at the package root, shipped
 * with it), applied in order, each in its own transaction, under a session advisory lock: several
 * instances starting together apply them once. LangGraph's checkpoint tables are created by its
 * own PostgresSaver.setup() under the same lock.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { ConfigError } from "../../errors.js";
import { fromJsonb, toJsonb } from "./jsonb.js";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/**
 * Runs our queries: the pool, or one client inside a transaction. Our jsonb columns are read
 * with fromJsonb (see jsonb.ts); LangGraph's saver, on the same pool, reads its own as usual.
 */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

const JSONB_OID = 3802;
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === JSONB_OID ? fromJsonb : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** How many distinct statements each connection keeps prepared, at most. */
const PREPARED_LIMIT = 200;

/**
 * Statement names, one per SQL text: a named statement is parsed and planned once per
 * connection instead of on every call (most of the cost of a small query). Texts built from
 * search filters vary with the filter's shape: past the limit, statements go unnamed.
 */
class StatementNames {
  private readonly names = new Map<string, string>();

  name(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < PREPARED_LIMIT) {
      name = `as_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
      this.names.set(text, name);
    }
    return name || undefined;
  }

  /** Runs `text` named, and unnamed from then on if its prepared form no longer fits the schema. */
  async run<R extends pg.QueryResultRow>(target: Pick<pg.Pool, "query">, text: string, values: unknown[] | undefined, types?: typeof TYPES): Promise<pg.QueryResult<R>> {
    const name = this.name(text);
    try {
      return await target.query<R>({ name, text, values, types });
    } catch (err) {
      // Another instance changed a table (a newer version's migration) under a prepared `SELECT *`.
      if (!name || (err as { code?: string }).code !== CACHED_PLAN_CHANGED) throw err;
      this.names.set(text, "");
      return target.query<R>({ text, values, types });
    }
  }
}

/** Postgres's feature_not_supported, as raised for "cached plan must not change result type". */
const CACHED_PLAN_CHANGED = "0A000";

function queryable(target: Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">, names: StatementNames): Queryable {
  return { query: (text, values) => names.run(target as Pick<pg.Pool, "query">, text, values, TYPES) };
}

/**
 * The pools with our query conventions, and transactions.
 *
 * `pool` commits wait for the disk: whatever is acknowledged to a client is durable.
 * `background` serves what a run writes while it executes — LangGraph's checkpoints, stream
 * events — whose commits do not wait for the disk. Nothing is lost by it: the run's outcome is
 * then recorded through `pool`, and a commit that waits for the disk waits for everything
 * written before it (the log is one sequence), so when a run is answered as finished, its
 * checkpoints are on disk too. A database crash mid-run loses at most its last steps, which it
 * resumes from its last checkpoint anyway. Saves a disk flush per checkpoint and per event batch.
 */
export class Database implements Queryable {
  private readonly direct: Queryable;
  readonly background: Pool;

  constructor(
    readonly pool: Pool,
    background?: Pool,
  ) {
    this.direct = queryable(pool, this.names);
    this.background = background ?? pool;
  }

  private readonly names = new StatementNames();

  /** A query on the background pool (see above). */
  backgroundQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.names.run<R>(this.background, text, values, TYPES);
  }

  /**
   * The background pool as LangGraph's saver sees it: its queries named (prepared) like ours, its
   * jsonb read as usual.
   */
  savePool(): Pool {
    const background = this.background;
    const names = this.names;
    return new Proxy(background, {
      get(target, key, receiver) {
        if (key === "query") {
          return (text: unknown, values?: unknown[]) =>
            typeof text === "string" ? names.run(target, text, values) : target.query(text as pg.QueryConfig, values);
        }
        const value = Reflect.get(target, key, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  async end(): Promise<void> {
    await Promise.all([this.pool.end(), ...(this.background !== this.pool ? [this.background.end()] : [])]);
  }

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.direct.query<R>(text, values);
  }

  /** Runs `work` in one transaction on one client: committed if it returns, rolled back if it throws. */
  async transaction<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(queryable(client, this.names));
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

const MIGRATIONS_DIR = fileURLToPath(new URL("../../../migrations/postgres/", import.meta.url));
/** Any constant shared by every instance: the key of the advisory lock migrations run under. */
const MIGRATION_LOCK_KEY = 4_207_311_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migration files, in order: `0001-initial.sql` is version 1. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+-.+\.sql$/.test(f))
    .map((f) => ({ version: Number.parseInt(f, 10), name: f, sql: readFileSync(`${dir}/${f}`, "utf8") }))
    .sort((a, b) => a.version - b.version);
}

/**
 * A pool on `url`; refuses to go on (ConfigError) when the database cannot be reached.
 * `asyncCommit`: its commits do not wait for the disk (see Database.background).
 */
export async function openPool(url: string, options: { max?: number; asyncCommit?: boolean } = {}): Promise<Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 20,
    application_name: "agent-server",
    ...(options.asyncCommit ? { options: "-c synchronous_commit=off" } : {}),
  });
  // An idle client losing its connection (a database restart) must not crash the process.
  pool.on("error", () => undefined);
  try {
    (await pool.connect()).release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new ConfigError(`cannot connect to the database ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  return pool;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/**
 * Brings the schema up to date under the advisory lock; `alsoUnderLock` runs before the lock is
 * released (LangGraph's own setup). Returns the versions it applied.
 */
export async function migrate(pool: Pool, alsoUnderLock?: () => Promise<void>): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS agent_server_migrations (
           version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ version: number }>("SELECT version FROM agent_server_migrations");
      const done = new Set(rows.map((r) => r.version));
      const known = listMigrations();
      const newest = Math.max(0, ...known.map((m) => m.version));
      const ahead = [...done].filter((v) => v > newest);
      if (ahead.length) throw new ConfigError(`the database schema (version ${Math.max(...ahead)}) is newer than this agent-server knows (${newest})`);
      for (const migration of known) {
        if (done.has(migration.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query("INSERT INTO agent_server_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw new ConfigError(`migration ${migration.name} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(migration.version);
      }
      await alsoUnderLock?.();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
  return applied;
}

/** Query parameters collected while a statement is built: `add` returns the placeholder (`$3`). */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A JSON value as a jsonb parameter (pg would turn a JS array into a Postgres array). */
  json(value: unknown): string {
    return `${this.add(toJsonb(value))}::jsonb`;
  }
}

/**
 * Parameters of a condition that a function runs with EXECUTE (see agent_server_create_run):
 * `$2[n]`, the elements of one text[] argument, the function's `p_args`.
 */
export class ArgParams extends Params {
  override add(value: unknown): string {
    this.values.push(value === null ? null : String(value));
    return `$2[${this.values.length}]`;
  }
}

/** A timestamptz column as the API writes times (ISO 8601, milliseconds, UTC). */
export function iso(value: Date | string | null | undefined): string | null {
  if (value == null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
