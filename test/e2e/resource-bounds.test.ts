/**
 * Resource bounds: idle sockets and hundreds of open streams do not stop the server from
 * answering others; a client that stops reading does not hold its run back; memory stays bounded
 * after tens of thousands of threads and thousands of finished runs (stream buffers are freed).
 * The figures measured are printed, so a reader sees them.
 */
import { Client } from "@langchain/langgraph-sdk";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Agent, request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, REPO_ROOT, startTestServer, waitFor } from "../helpers/server.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "agent-server-bounds-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Runs `task` for 0..n-1, `width` at a time. */
async function pool(n: number, width: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await task(next++);
  }));
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, Math.round(performance.now() - started)];
}

describe("resource bounds", () => {
  it("keeps answering others with 500 idle sockets and 200 open SSE streams", async () => {
    const server = await startTestServer({ config: fixture("api") });
    const sockets: net.Socket[] = [];
    const agent = new Agent({ connections: 300, pipelining: 0 });
    try {
      const client = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
      const { port } = new URL(server.url);
      for (let i = 0; i < 500; i++) {
        const socket = net.connect(Number(port), "127.0.0.1");
        socket.on("error", () => undefined);
        sockets.push(socket);
      }
      await Promise.all(sockets.map((s) => new Promise((r) => (s.readyState === "open" ? r(null) : s.once("connect", r)))));

      // One long run, 200 readers joined to its stream.
      const thread = await client.threads.create();
      const run = await client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 20_000 } });
      const streams = await Promise.all(
        Array.from({ length: 200 }, () =>
          request(`${server.url}/threads/${thread.thread_id}/runs/${run.run_id}/stream`, { dispatcher: agent }),
        ),
      );
      const firstEvents = await Promise.all(
        streams.map(async (res) => {
          expect(res.statusCode).toBe(200);
          for await (const chunk of res.body) return String(chunk);
          return "";
        }),
      );
      expect(firstEvents.every((e) => e.startsWith("event: metadata"))).toBe(true);

      // Meanwhile others are served as usual.
      const [, okMs] = await timed(() => fetch(`${server.url}/ok`).then((r) => r.json()));
      const [values, runMs] = await timed(() => client.runs.wait(null, "agent", { input: { messages: [{ role: "user", content: "still there?" }] } }));
      expect((values as { messages: Array<{ content: string }> }).messages.at(-1)?.content).toBe("echo: still there?");
      console.log(`with 500 idle sockets and 200 open streams: GET /ok ${okMs} ms, a run ${runMs} ms, RSS ${mb(process.memoryUsage().rss)} MB`);
      expect(okMs).toBeLessThan(2_000);
      expect(runMs).toBeLessThan(5_000);
      await client.runs.cancel(thread.thread_id, run.run_id, true);
      for (const res of streams) res.body.destroy();
    } finally {
      for (const s of sockets) s.destroy();
      await agent.close().catch(() => undefined);
      await server.close();
    }
  });

  it("lets a run finish while its only reader has stopped reading", async () => {
    const server = await startTestServer({ config: fixture("api") });
    const client = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
    const socket = net.connect(Number(new URL(server.url).port), "127.0.0.1");
    try {
      const thread = await client.threads.create();
      // 200 events of 50 KB: 10 MB, far more than the socket buffers hold.
      const body = JSON.stringify({ assistant_id: "custom", input: { steps: 200, pad: 50_000 }, stream_mode: ["custom"] });
      socket.pause(); // never read
      socket.write(
        `POST /threads/${thread.thread_id}/runs/stream HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      const [runs] = await timed(() => waitFor(async () => {
        const [run] = await client.runs.list(thread.thread_id);
        return run?.status === "success" ? run : null;
      }));
      expect(runs.status).toBe("success");
      expect(socket.bytesRead).toBeLessThan(10_000_000);
      console.log(`the run finished while its paused reader had taken ${socket.bytesRead} of ~10,000,000 bytes`);
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  it("stays bounded in memory after 20,000 threads and 2,000 finished runs, with stream buffers freed", { timeout: 120_000 }, async () => {
    const server = await startTestServer({ config: copyOfApiFixture(), storage: "sqlite", streamRetainMs: 100 });
    try {
      const client = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
      const hello = { messages: [{ role: "user", content: "hi" }] };
      await pool(200, 20, () => client.runs.wait(null, "agent", { input: hello })); // warm up
      gc();
      const before = process.memoryUsage();
      const [, threadsMs] = await timed(() => pool(20_000, 50, (i) => client.threads.create({ metadata: { i, owner: `user-${i % 100}` } })));
      const [, runsMs] = await timed(() => pool(2_000, 20, () => client.runs.wait(null, "agent", { input: hello })));
      await waitFor(async () => server.stats().bufferedRuns === 0, 10_000);
      gc();
      const after = process.memoryUsage();
      console.log(
        `20,000 threads in ${threadsMs} ms, 2,000 runs in ${runsMs} ms; heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)} MB, ` +
          `RSS ${mb(before.rss)} -> ${mb(after.rss)} MB, buffered runs ${server.stats().bufferedRuns}`,
      );
      expect(await client.threads.count()).toBeGreaterThanOrEqual(20_000);
      // Nothing per thread or per finished run stays on the heap: the growth is a few MB at most.
      expect(after.heapUsed - before.heapUsed).toBeLessThan(30 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });
});

/** The api fixture with a SQLite file of its own, laid out so "../../../examples" resolves inside tmp. */
function copyOfApiFixture(): string {
  const project = path.join(tmp, "a", "b", "api");
  cpSync(fixture("api"), project, { recursive: true });
  cpSync(path.join(REPO_ROOT, "examples"), path.join(tmp, "examples"), { recursive: true });
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(tmp, "node_modules"), "dir");
  return project;
}
