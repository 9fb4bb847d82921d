// Ceiling for token streaming: the bench's token graph streamed in-process in a loop, in LangGraph's
// "messages" mode, with the same SQLite checkpointer and settings as the server, on a fresh thread
// per run. Counts every chunk and checks the text. Stays up and measures on demand, so that the
// bench can alternate it with the server (the machine's speed drifts from one second to the
// next): each line on stdin is a number of seconds to stream for, answered by one line of JSON
// (chunks/s) on stdout; it exits when stdin closes.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import { ANSWER } from "./tokens-answer.mjs";
import { graph } from "./tokens-graph.js";

// As the server runs graphs: LangChain's callbacks awaited, so no token is dropped (see executor.ts).
process.env.LANGCHAIN_CALLBACKS_BACKGROUND ??= "false";

const dir = mkdtempSync(path.join(os.tmpdir(), "agent-server-tokens-"));
const db = new Database(path.join(dir, "tokens.db"));
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
const bound = Object.assign(Object.create(Object.getPrototypeOf(graph)), graph, { checkpointer: new SqliteSaver(db) });
let threads = 0;

async function measure(seconds: number) {
  let runs = 0;
  let chunks = 0;
  const end = Date.now() + seconds * 1000;
  const started = performance.now();
  while (Date.now() < end) {
    let text = "";
    const stream = await bound.stream({ messages: [{ role: "user", content: "Hello!" }] }, { configurable: { thread_id: `t${threads++}` }, streamMode: "messages" });
    for await (const [chunk] of stream) {
      text += (chunk as { content: string }).content;
      chunks++;
    }
    if (text !== ANSWER) throw new Error(`wrong answer: ${text.length} characters`);
    runs++;
  }
  const ms = performance.now() - started;
  return { runs, chunks, ms, chunksPerSecond: (chunks * 1000) / ms };
}

// Warmed up before the first measurement, as the server is by the time it is measured.
await measure(1);
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  process.stdout.write(JSON.stringify(await measure(Number(line))) + "\n");
}
db.close();
rmSync(dir, { recursive: true, force: true });
