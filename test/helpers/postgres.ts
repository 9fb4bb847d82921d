/**
 * Throwaway PostgreSQL databases for tests: each test file creates its own, uniquely named, and
 * drops it at the end. The server is the machine's PostgreSQL (TEST_DATABASE_URL names a
 * database to connect to for CREATE/DROP DATABASE; default the local `test` database).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  url: string;
  name: string;
  /** Empties every table but the migration bookkeeping (a fresh start for the next test). */
  reset(): Promise<void>;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery(sql: string, url = ADMIN_URL): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(label = "t"): Promise<TestDatabase> {
  const name = `agent_server_${label}_${process.pid}_${randomBytes(4).toString("hex")}`.toLowerCase();
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = withDatabase(ADMIN_URL, name);
  return {
    url,
    name,
    async reset() {
      const { rows } = await adminQuery(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%migrations'`,
        url,
      );
      // DELETE, not TRUNCATE: on a few rows it is much faster (no new files, no exclusive locks).
      if (rows.length) await adminQuery(rows.map((r) => `DELETE FROM "${r.tablename}";`).join(" "), url);
    },
    async drop() {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
