/** Starts a real server on port 0 for a test, and SDK clients that talk to it. */
import { Client } from "@langchain/langgraph-sdk";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { createServer, type RunningServer, type ServerOptions } from "../../src/server.js";
import { createTestDatabase } from "./postgres.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function fixture(name: string): string {
  return path.join(REPO_ROOT, "test/fixtures", name);
}

/**
 * A server on port 0, in memory. With AGENT_SERVER_TEST_BACKEND=postgres, servers that would be
 * in memory get a fresh PostgreSQL database each instead (dropped when they close): the e2e suite
 * run on the Postgres backend.
 */
export async function startTestServer(options: ServerOptions = {}): Promise<RunningServer> {
  const inMemory = (options.storage ?? "memory") === "memory" && !options.databaseUrl;
  if (process.env.AGENT_SERVER_TEST_BACKEND === "postgres" && inMemory) {
    const db = await createTestDatabase("e2e");
    const server = await createServer({ config: REPO_ROOT, port: 0, logLevel: "silent", ...options, storage: "sqlite", databaseUrl: db.url }).catch(
      async (err) => {
        await db.drop();
        throw err;
      },
    );
    const close = server.close.bind(server);
    return { ...server, close: async (closeOptions) => {
      await close(closeOptions);
      await db.drop();
    } };
  }
  return createServer({ config: REPO_ROOT, port: 0, storage: "memory", logLevel: "silent", ...options });
}

/** An SDK client with retries off, so a 5xx fails the test instead of being retried. */
export function sdkClient(url: string, token?: string, headers: Record<string, string> = {}): Client {
  return new Client({
    apiUrl: url,
    defaultHeaders: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    callerOptions: { maxRetries: 0 },
  });
}

/**
 * A server and an SDK client shared by a test file: started before its tests, closed after.
 * Read them as `t.server` / `t.client` inside tests (they exist once beforeAll has run).
 */
export function useTestServer(options: ServerOptions = {}): { readonly server: RunningServer; readonly client: Client } {
  const ctx = {} as { server: RunningServer; client: Client };
  beforeAll(async () => {
    ctx.server = await startTestServer(options);
    ctx.client = sdkClient(ctx.server.url);
  });
  afterAll(async () => {
    await ctx.server?.close();
  });
  return ctx;
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
}
