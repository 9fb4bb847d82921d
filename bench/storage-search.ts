/**
 * Thread search at scale, straight on the storage layer: N threads spread over 100 owners, then
 * metadata-filtered searches (limit 10) and counts, as an auth filter and a search body make them.
 * Run: npx tsx bench/storage-search.ts [threads=100000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { v7 as uuidv7 } from "uuid";
import { openSqliteStorage } from "../src/storage/sqlite/index.js";

const total = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(path.join(os.tmpdir(), "agent-server-search-"));
const storage = openSqliteStorage(path.join(dir, "bench.db"));

const started = performance.now();
for (let i = 0; i < total; i++) {
  await storage.threads.create({ thread_id: uuidv7(), metadata: { owner: `user${i % 100}`, topic: `t${i % 7}`, n: i } }, "raise");
}
const insertMs = performance.now() - started;

async function time(label: string, fn: () => Promise<unknown>, repeat = 200): Promise<void> {
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) await fn();
  const each = (performance.now() - t0) / repeat;
  console.log(`${label.padEnd(52)} ${each.toFixed(3)} ms`);
}

console.log(`${total} threads inserted in ${(insertMs / 1000).toFixed(1)} s (${((insertMs * 1000) / total).toFixed(0)} µs each, durable commits)`);
await time("search owner filter (auth), limit 10", () => storage.threads.search({ filter: { owner: "user42" }, limit: 10, offset: 0 }));
await time("search owner filter + metadata topic, limit 10", () =>
  storage.threads.search({ filter: { owner: "user42" }, metadata: { topic: "t3" }, limit: 10, offset: 0 }),
);
await time("search rare value (n = 31337), limit 10", () => storage.threads.search({ metadata: { n: 31337 % total }, limit: 10, offset: 0 }));
await time("count owner filter", () => storage.threads.count({ filter: { owner: "user42" } }));
await time("search, no filter, limit 10", () => storage.threads.search({ limit: 10, offset: 0 }), 50);
await storage.close();
rmSync(dir, { recursive: true, force: true });
