/** Runs over time: restarts, delays, concurrency per strategy, memory held by streams, heartbeats. */
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type RunningServer } from "../../src/server.js";
import { fixture, REPO_ROOT, sdkClient, startTestServer, waitFor } from "../helpers/server.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "agent-server-lifecycle-"));
let server: RunningServer;
let client: ReturnType<typeof sdkClient>;
beforeAll(async () => {
  server = await startTestServer({ config: fixture("api"), streamRetainMs: 50, heartbeatMs: 100 });
  client = sdkClient(server.url);
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});
const hello = { messages: [{ role: "user", content: "Hello!" }] };

/** A copy of the api fixture with its own SQLite file, laid out so "../../../examples" resolves inside tmp. */
function fileProject(name: string): string {
  const project = path.join(tmp, "a", "b", name);
  cpSync(fixture("api"), project, { recursive: true });
  if (!existsSync(path.join(tmp, "examples"))) {
    cpSync(path.join(REPO_ROOT, "examples"), path.join(tmp, "examples"), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(tmp, "node_modules"), "dir");
  }
  return project;
}

describe("run lifecycle", () => {
  it("finishes a run that was running when the server stopped, after it comes back", async () => {
    const project = fileProject("restart");
    const first = await createServer({ config: project, port: 0, logLevel: "silent" });
    const c1 = sdkClient(first.url);
    const thread = await c1.threads.create();
    const run = await c1.runs.create(thread.thread_id, "slow", { input: { delay_ms: 1_500 } });
    await waitFor(async () => (await c1.runs.get(thread.thread_id, run.run_id)).status === "running");
    // Readers of the unfinished run are told so, not handed a partial result as the answer.
    const waiting = fetch(`${first.url}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "slow", input: { delay_ms: 1_500 } }),
    }).then((r) => r.json());
    const streaming = fetch(`${first.url}/threads/${thread.thread_id}/runs/${run.run_id}/stream`).then(async (r) => {
      for await (const _ of r.body!) {
        // read until the server cuts the stream
      }
    });
    await waitFor(async () => first.stats().activeRuns === 2);
    await first.close(); // graceMs 0: the run is left running, as a crash would leave it
    expect(await waiting).toEqual({ __error__: { error: "ServerStopping", message: expect.stringMatching(/the run resumes when the server is back/) } });
    await expect(streaming).rejects.toThrow();

    const second = await createServer({ config: project, port: 0, logLevel: "silent" });
    try {
      const c2 = sdkClient(second.url);
      await waitFor(async () => (await c2.runs.get(thread.thread_id, run.run_id)).status === "success", 15_000);
      const thread2 = await c2.threads.get<{ done: boolean }>(thread.thread_id);
      expect(thread2.status).toBe("idle");
      expect(thread2.values?.done).toBe(true);
    } finally {
      await second.close();
    }
  });

  it("gives up on a run that keeps dying: error after 3 attempts, and the thread is not left busy", async () => {
    const project = fileProject("dying");
    let threadId = "";
    let runId = "";
    for (let start = 1; start <= 4; start++) {
      const s = await createServer({ config: project, port: 0, logLevel: "silent" });
      const c = sdkClient(s.url);
      if (start === 1) {
        const thread = await c.threads.create();
        threadId = thread.thread_id;
        runId = (await c.runs.create(threadId, "slow", { input: { delay_ms: 60_000 } })).run_id;
      }
      if (start <= 3) {
        await waitFor(async () => (await c.runs.get(threadId, runId)).status === "running");
        await s.close(); // the process "dies" mid-run
      } else {
        await waitFor(async () => (await c.runs.get(threadId, runId)).status === "error");
        expect((await c.threads.get(threadId)).status).toBe("error");
        await s.close();
      }
    }
  });

  it("lets a running run finish within the shutdown grace period", async () => {
    const project = fileProject("graceful");
    const s1 = await createServer({ config: project, port: 0, logLevel: "silent" });
    const c1 = sdkClient(s1.url);
    const thread = await c1.threads.create();
    const run = await c1.runs.create(thread.thread_id, "slow", { input: { delay_ms: 800 } });
    await waitFor(async () => (await c1.runs.get(thread.thread_id, run.run_id)).status === "running");
    await s1.close({ graceMs: 10_000 });
    const s2 = await createServer({ config: project, port: 0, logLevel: "silent" });
    try {
      // Finished before the first server closed: nothing was left to resume.
      expect((await sdkClient(s2.url).runs.get(thread.thread_id, run.run_id)).status).toBe("success");
    } finally {
      await s2.close();
    }
  });

  it("starts a run no earlier than after_seconds", async () => {
    const thread = await client.threads.create();
    const started = Date.now();
    const run = await client.runs.create(thread.thread_id, "agent", { input: hello, afterSeconds: 1 });
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("pending");
    await client.runs.join(thread.thread_id, run.run_id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
  });

  describe("concurrent submits on one thread end consistent under each multitask strategy", () => {
    const submit = (threadId: string, strategy: "reject" | "enqueue" | "interrupt" | "rollback", n: number) =>
      Promise.allSettled(
        Array.from({ length: n }, (_, i) =>
          client.runs.create(threadId, "slow", { input: { delay_ms: 150 + i }, multitaskStrategy: strategy }),
        ),
      );
    const settle = async (threadId: string) => {
      await waitFor(async () => (await client.threads.get(threadId)).status !== "busy", 20_000);
      return client.runs.list(threadId, { limit: 100 });
    };

    it("reject: exactly one run is accepted, the others get 422", async () => {
      const thread = await client.threads.create();
      const results = await submit(thread.thread_id, "reject", 10);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(results.filter((r) => r.status === "rejected").every((r) => (r as PromiseRejectedResult).reason.status === 422)).toBe(true);
      const runs = await settle(thread.thread_id);
      expect(runs.map((r) => r.status)).toEqual(["success"]);
    });

    it("enqueue: every run succeeds, one after another", async () => {
      const thread = await client.threads.create();
      const results = await submit(thread.thread_id, "enqueue", 6);
      expect(results.every((r) => r.status === "fulfilled")).toBe(true);
      const runs = await settle(thread.thread_id);
      expect(runs.map((r) => r.status)).toEqual(Array(6).fill("success"));
    });

    it("interrupt: the last run succeeds, earlier ones end interrupted (or never started)", async () => {
      const thread = await client.threads.create();
      const results = await submit(thread.thread_id, "interrupt", 6);
      expect(results.every((r) => r.status === "fulfilled")).toBe(true);
      const runs = await settle(thread.thread_id);
      expect(runs).toHaveLength(6);
      expect(runs.filter((r) => r.status === "success").length).toBeGreaterThanOrEqual(1);
      expect(runs.every((r) => r.status === "success" || r.status === "interrupted")).toBe(true);
      expect(runs[0]!.status).toBe("success");
    });

    it("rollback: the last run succeeds, the runs it replaced are gone", async () => {
      const thread = await client.threads.create();
      const results = await submit(thread.thread_id, "rollback", 6);
      expect(results.every((r) => r.status === "fulfilled")).toBe(true);
      const runs = await settle(thread.thread_id);
      expect(runs.length).toBeGreaterThanOrEqual(1);
      expect(runs.every((r) => r.status === "success")).toBe(true);
      const last = (results.at(-1) as PromiseFulfilledResult<{ run_id: string }>).value;
      expect(runs.map((r) => r.run_id)).toContain(last.run_id);
    });

    it("the worker pool still runs new work afterwards", async () => {
      const thread = await client.threads.create();
      const values = (await client.runs.wait(thread.thread_id, "agent", { input: hello })) as { messages: unknown[] };
      expect(values.messages).toHaveLength(2);
    });
  });

  it("keeps a stateless run's thread with on_completion keep, so it can be interrupted and resumed", async () => {
    const run = await client.runs.create(null, "interrupting", { input: { question: "q?" }, onCompletion: "keep" as never });
    await waitFor(async () => (await client.threads.get(run.thread_id)).status === "interrupted");
    const values = (await client.runs.wait(run.thread_id, "interrupting", { command: { resume: "yes" } })) as { answer: string };
    expect(values.answer).toBe("final: yes");
  });

  it("passes x-* headers (not secrets) and user-agent into configurable", async () => {
    const thread = await client.threads.create();
    const res = await fetch(`${server.url}/threads/${thread.thread_id}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-source": "test", "x-api-key": "secret", "user-agent": "tester/1" },
      body: JSON.stringify({ assistant_id: "config_echo", input: {} }),
    });
    const values = (await res.json()) as { configurable: Record<string, unknown> };
    expect(values.configurable).toMatchObject({ "x-request-source": "test", "user-agent": "tester/1", thread_id: thread.thread_id, graph_id: "config_echo" });
    expect(values.configurable).not.toHaveProperty("x-api-key");
  });

  it("frees finished runs' event buffers", async () => {
    for (let i = 0; i < 20; i++) {
      const thread = await client.threads.create();
      await client.runs.wait(thread.thread_id, "agent", { input: hello });
    }
    await waitFor(async () => server.stats().bufferedRuns === 0, 5_000);
  });

  it("sends heartbeat comments on an idle stream", async () => {
    const thread = await client.threads.create();
    const res = await fetch(`${server.url}/threads/${thread.thread_id}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "slow", input: { delay_ms: 400 } }),
    });
    expect(await res.text()).toContain(": heartbeat\n\n");
  });
});
