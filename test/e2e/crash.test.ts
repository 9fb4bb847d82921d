/**
 * Nothing acknowledged is lost: a child server takes a stream of writes (thread creates, metadata
 * updates, store puts, run creates) and is killed with SIGKILL mid-stream, at several moments.
 * After a restart every write that was answered 2xx is there, the database opens cleanly, and no
 * run stays running nor thread busy. On SQLite (`dev`) and on PostgreSQL (`serve`, where a killed
 * instance's runs are resumed once their leases expire).
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { BIN, startDev, type DevProcess } from "../helpers/cli.js";
import { createTestDatabase } from "../helpers/postgres.js";
import { fixture, REPO_ROOT, sdkClient, waitFor } from "../helpers/server.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "agent-server-crash-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Acknowledged {
  threads: Map<string, number>; // thread id -> last metadata n acknowledged
  items: Map<string, number>; // store key -> value acknowledged
  runs: Array<{ thread: string; run: string }>;
}

/** The api fixture, laid out so "../../../examples" resolves inside tmp. */
function project(): string {
  const dir = path.join(tmp, "a", "b", "project");
  cpSync(fixture("api"), dir, { recursive: true });
  cpSync(path.join(REPO_ROOT, "examples"), path.join(tmp, "examples"), { recursive: true });
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(tmp, "node_modules"), "dir");
  return dir;
}

it("loses nothing acknowledged across SIGKILLs at different moments (SQLite, dev)", { timeout: 180_000 }, async () => {
  const config = project();
  await survivesKills(() => startDev(process.execPath, [BIN, "dev", "--no-browser", "--port", "0", "--config", config], { cwd: REPO_ROOT, timeoutMs: 60_000 }));
});

it("loses nothing acknowledged across SIGKILLs at different moments (PostgreSQL, serve)", { timeout: 180_000 }, async () => {
  const db = await createTestDatabase("crash");
  try {
    const args = [BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--config", fixture("api"), "--database-url", db.url, "--lease-seconds", "2"];
    // serve says where it listens in an info log line.
    await survivesKills(() => startDev(process.execPath, args, { cwd: REPO_ROOT, env: { LOG_LEVEL: "info" }, timeoutMs: 60_000 }));
  } finally {
    await db.drop();
  }
});

async function survivesKills(start: () => Promise<DevProcess>): Promise<void> {
  const ack: Acknowledged = { threads: new Map(), items: new Map(), runs: [] };

  for (const killAfterMs of [300, 900, 1600]) {
    const dev = await start();
    const client = sdkClient(dev.url);
    let stop = false;
    const drivers = Array.from({ length: 4 }, async (_, d) => {
      for (let i = 0; !stop; i++) {
        try {
          const thread = await client.threads.create({ metadata: { n: 0 } });
          ack.threads.set(thread.thread_id, 0);
          await client.threads.update(thread.thread_id, { metadata: { n: 1 } });
          ack.threads.set(thread.thread_id, 1);
          const key = `k-${killAfterMs}-${d}-${i}`;
          await client.store.putItem(["crash"], key, { v: i });
          ack.items.set(key, i);
          const run = await client.runs.create(thread.thread_id, i % 2 ? "agent" : "slow", {
            input: i % 2 ? { messages: [{ role: "user", content: "hi" }] } : { delay_ms: 400 },
          });
          ack.runs.push({ thread: thread.thread_id, run: run.run_id });
        } catch {
          return; // the server is gone: this driver's unanswered request does not count
        }
      }
    });
    await new Promise((r) => setTimeout(r, killAfterMs));
    const exited = dev.stop("SIGKILL");
    stop = true;
    await Promise.all(drivers);
    await exited;
  }

  const dev = await start();
  try {
    const client = sdkClient(dev.url);
    console.log(`acknowledged before the kills: ${ack.threads.size} threads, ${ack.items.size} store items, ${ack.runs.length} runs`);
    expect(ack.threads.size).toBeGreaterThan(5);
    for (const [id, n] of ack.threads) expect((await client.threads.get(id)).metadata?.n, id).toBeGreaterThanOrEqual(n);
    for (const [key, v] of ack.items) expect((await client.store.getItem(["crash"], key))?.value, key).toEqual({ v });
    for (const { thread, run } of ack.runs) expect((await client.runs.get(thread, run)).run_id).toBe(run);
    // Runs caught mid-flight are resumed: none stays running, no thread stays busy.
    await waitFor(async () => {
      const statuses = await Promise.all(ack.runs.map(({ thread, run }) => client.runs.get(thread, run).then((r) => r.status)));
      return statuses.every((s) => s === "success" || s === "error");
    }, 60_000);
    await waitFor(async () => (await client.threads.count({ status: "busy" })) === 0, 30_000);
  } finally {
    await dev.stop("SIGINT");
  }
}
