// Ceiling for the run routes: the echo graph invoked in-process in a loop, on a fresh thread per
// run, with no server around it. By default with LangGraph's SQLite checkpointer and the server's
// settings (WAL, synchronous=NORMAL), one run at a time. With `--postgres <url>`: with the
// checkpointer the server uses on PostgreSQL (ours, on a database of its own), 16 runs at a time
// as the 16-client scenarios (one at a time would measure round trips, not the engine).
// Prints runs/s as JSON.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import { graph } from "../examples/agent/graph.js";
import { openPostgresStorage } from "../src/storage/postgres/index.js";

const seconds = Number(process.argv[2] ?? 5);
const postgresUrl = process.argv.includes("--postgres") ? process.argv[process.argv.indexOf("--postgres") + 1] : undefined;

let checkpointer: BaseCheckpointSaver;
let close: () => Promise<void> | void;
let concurrency = 1;
if (postgresUrl) {
  const storage = await openPostgresStorage(postgresUrl);
  checkpointer = storage.checkpointer;
  close = () => storage.close();
  concurrency = 16;
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), "agent-server-engine-"));
  const db = new Database(path.join(dir, "engine.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  checkpointer = new SqliteSaver(db);
  close = () => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
const bound = Object.assign(Object.create(Object.getPrototypeOf(graph)), graph, { checkpointer });
let runs = 0;
let threads = 0;
const end = Date.now() + seconds * 1000;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      await bound.invoke({ messages: [{ role: "user", content: "Hello!" }] }, { configurable: { thread_id: `${process.pid}-t${threads++}` } });
      runs++;
    }
  }),
);
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ runs, ms, concurrency, runsPerSecond: (runs * 1000) / ms, msPerRun: ms / runs }) + "\n");
await close();
