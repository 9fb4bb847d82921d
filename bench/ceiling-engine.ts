// Ceiling for the run routes: the echo graph invoked in-process in a loop, with the same SQLite
// checkpointer and settings (WAL, synchronous=NORMAL) on a fresh thread per run. Prints runs/s as JSON.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import { graph } from "../examples/agent/graph.js";

const seconds = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(path.join(os.tmpdir(), "agent-server-engine-"));
const db = new Database(path.join(dir, "engine.db"));
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
const bound = Object.assign(Object.create(Object.getPrototypeOf(graph)), graph, { checkpointer: new SqliteSaver(db) });
let runs = 0;
const end = Date.now() + seconds * 1000;
const started = performance.now();
while (Date.now() < end) {
  await bound.invoke({ messages: [{ role: "user", content: "Hello!" }] }, { configurable: { thread_id: `t${runs}` } });
  runs++;
}
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ runs, ms, runsPerSecond: (runs * 1000) / ms, msPerRun: ms / runs }) + "\n");
db.close();
rmSync(dir, { recursive: true, force: true });
