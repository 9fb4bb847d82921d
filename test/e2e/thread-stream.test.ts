/**
 * GET /threads/:id/stream (SDK `threads.joinStream`): a stream that stays open and delivers every
 * run of the thread in turn, with stream modes, Last-Event-ID and heartbeats, as the LangGraph
 * API reference describes "Join Thread Stream".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer, useTestServer, waitFor } from "../helpers/server.js";

const t = useTestServer({ config: fixture("api"), heartbeatMs: 100 });

const hello = (content: string) => ({ messages: [{ role: "user", content }] });

interface Part {
  id?: string;
  event: string;
  data: unknown;
}

/** Reads a stream in the background until `until` holds for what was read (or the deadline passes), then stops it. */
function reader(stream: (signal: AbortSignal) => AsyncIterable<Part>) {
  const parts: Part[] = [];
  const controller = new AbortController();
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const part of stream(controller.signal)) parts.push(part);
    } catch (err) {
      if (!controller.signal.aborted) failure = err;
    }
  })();
  return {
    parts,
    async until(check: (parts: Part[]) => boolean, timeoutMs = 10_000): Promise<Part[]> {
      await waitFor(async () => {
        if (failure) throw failure;
        return check(parts);
      }, timeoutMs);
      return parts;
    },
    async stop(): Promise<void> {
      controller.abort();
      await done;
    },
  };
}

const runIdOf = (part: Part) => (part.data as { run_id: string }).run_id;

describe("GET /threads/:id/stream", () => {
  it("on an idle thread stays open, then delivers two runs in turn", async () => {
    const thread = await t.client.threads.create();
    const stream = reader((signal) => t.client.threads.joinStream(thread.thread_id, { signal }));
    const first = await t.client.runs.create(thread.thread_id, "agent", { input: hello("one"), streamMode: ["values"] });
    await stream.until((parts) => parts.some((p) => p.event === "values" && JSON.stringify(p.data).includes("echo: one")));
    // Queued: the first run may not have been recorded as finished yet.
    const second = await t.client.runs.create(thread.thread_id, "agent", { input: hello("two"), streamMode: ["values"], multitaskStrategy: "enqueue" });
    const parts = await stream.until((ps) => ps.some((p) => p.event === "values" && JSON.stringify(p.data).includes("echo: two")));
    await stream.stop();

    const starts = parts.filter((p) => p.event === "metadata").map(runIdOf);
    expect(starts).toEqual([first.run_id, second.run_id]);
    // Every event is named by its run and its place in that run.
    const secondStart = parts.findIndex((p) => p.event === "metadata" && runIdOf(p) === second.run_id);
    expect(parts.slice(0, secondStart).every((p) => p.id?.startsWith(`${first.run_id}:`))).toBe(true);
    expect(parts.slice(secondStart).every((p) => p.id?.startsWith(`${second.run_id}:`))).toBe(true);
    expect(parts[0]!.id).toBe(`${first.run_id}:0`);
  });

  it("starts with the run in flight and goes on with the runs queued behind it", async () => {
    const thread = await t.client.threads.create();
    const slow = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 300 } });
    const queued = await t.client.runs.create(thread.thread_id, "agent", { input: hello("later"), multitaskStrategy: "enqueue" });
    const stream = reader((signal) => t.client.threads.joinStream(thread.thread_id, { signal }));
    const parts = await stream.until((ps) => ps.some((p) => p.event === "values" && JSON.stringify(p.data).includes("echo: later")));
    await stream.stop();
    expect(parts.filter((p) => p.event === "metadata").map(runIdOf)).toEqual([slow.run_id, queued.run_id]);
    expect(parts.some((p) => p.event === "values" && (p.data as { done?: boolean }).done === true)).toBe(true);
  });

  it("does not replay runs that ended before it was opened", async () => {
    const thread = await t.client.threads.create();
    await t.client.runs.wait(thread.thread_id, "agent", { input: hello("before") });
    const stream = reader((signal) => t.client.threads.joinStream(thread.thread_id, { signal }));
    const run = await t.client.runs.create(thread.thread_id, "agent", { input: hello("after") });
    const parts = await stream.until((ps) => ps.some((p) => p.event === "values" && JSON.stringify(p.data).includes("echo: after")));
    await stream.stop();
    expect(parts.filter((p) => p.event === "metadata").map(runIdOf)).toEqual([run.run_id]);
  });

  it("resumes after Last-Event-ID: the rest of that run, then the runs after it", async () => {
    const thread = await t.client.threads.create();
    const stream = reader((signal) => t.client.threads.joinStream(thread.thread_id, { signal }));
    const first = await t.client.runs.create(thread.thread_id, "agent", { input: hello("one"), streamMode: ["values", "updates"] });
    await t.client.runs.join(thread.thread_id, first.run_id);
    const second = await t.client.runs.create(thread.thread_id, "agent", { input: hello("two"), streamMode: ["values"] });
    const seen = await stream.until((ps) => ps.some((p) => p.event === "values" && JSON.stringify(p.data).includes("echo: two")));
    await stream.stop();

    const firstRun = seen.filter((p) => p.id?.startsWith(first.run_id));
    const resumed = reader((signal) => t.client.threads.joinStream(thread.thread_id, { signal, lastEventId: firstRun[1]!.id }));
    const parts = await resumed.until((ps) => ps.some((p) => p.event === "values" && JSON.stringify(p.data).includes("echo: two")));
    await resumed.stop();
    expect(parts.map((p) => p.id)).toEqual(seen.slice(2).map((p) => p.id));
    expect(parts.filter((p) => p.event === "metadata").map(runIdOf)).toEqual([second.run_id]);
  });

  it("filters by stream_mode: lifecycle (each run's start and end) and state_update (values)", async () => {
    const thread = await t.client.threads.create();
    const lifecycle = reader((signal) => t.client.threads.joinStream(thread.thread_id, { signal, streamMode: "lifecycle" }));
    const state = reader((signal) => t.client.threads.joinStream(thread.thread_id, { signal, streamMode: ["state_update"] }));
    const ok = await t.client.runs.create(thread.thread_id, "agent", { input: hello("one"), streamMode: ["values", "updates"] });
    const failing = await t.client.runs.create(thread.thread_id, "failing", { input: { text: "x" }, multitaskStrategy: "enqueue", ifNotExists: "create" });
    const life = await lifecycle.until((ps) => ps.filter((p) => p.event === "lifecycle").length === 2);
    await waitFor(async () => state.parts.some((p) => JSON.stringify(p.data).includes("echo: one")));
    await lifecycle.stop();
    await state.stop();

    expect(life.map((p) => [p.event, p.id])).toEqual([
      ["metadata", `${ok.run_id}:0`],
      ["lifecycle", `${ok.run_id}:end`],
      ["metadata", `${failing.run_id}:0`],
      ["lifecycle", `${failing.run_id}:end`],
    ]);
    expect(life[1]!.data).toEqual({ event: "completed", namespace: [], run_id: ok.run_id, status: "success" });
    expect(life[3]!.data).toMatchObject({ event: "failed", run_id: failing.run_id, status: "error" });
    expect(state.parts.length).toBeGreaterThan(0);
    expect(state.parts.every((p) => p.event === "values")).toBe(true);
  });

  it("answers SSE with a Location to reconnect to, and heartbeats while the thread is idle", async () => {
    const thread = await t.client.threads.create();
    const controller = new AbortController();
    const res = await fetch(`${t.server.url}/threads/${thread.thread_id}/stream`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("location")).toBe(`/threads/${thread.thread_id}/stream`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes(": heartbeat")) text += decoder.decode((await reader.read()).value);
    controller.abort();
    expect(text).toMatch(/^: heartbeat\n\n/);
  });

  it("ends its reader when the server stops, and a missing thread is a 404", async () => {
    const server = await startTestServer({ config: fixture("api") });
    const client = sdkClient(server.url);
    const thread = await client.threads.create();
    const res = await fetch(`${server.url}/threads/${thread.thread_id}/stream`);
    expect(res.status).toBe(200);
    const body = res.body!.getReader();
    const closing = server.close();
    // Cut rather than ended (like a run's stream when the server stops), so clients reconnect.
    const outcome = await (async () => {
      try {
        for (;;) if ((await body.read()).done) return "ended";
      } catch {
        return "cut";
      }
    })();
    expect(["ended", "cut"]).toContain(outcome);
    await closing;
    const missing = await fetch(`${t.server.url}/threads/00000000-0000-4000-8000-000000000000/stream`);
    expect(missing.status).toBe(404);
  });
});

describe("GET /threads/:id/stream with the tutorial's private threads", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ config: fixture("private") });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("is a 401 without a token and a 404 on another user's thread", async () => {
    const alice = sdkClient(server.url, "user1-token");
    const thread = await alice.threads.create();
    expect((await fetch(`${server.url}/threads/${thread.thread_id}/stream`)).status).toBe(401);
    const asBob = await fetch(`${server.url}/threads/${thread.thread_id}/stream`, { headers: { authorization: "Bearer user2-token" } });
    expect(asBob.status).toBe(404);
    expect(await asBob.json()).toEqual({ detail: `Thread with ID ${thread.thread_id} not found`, code: "thread_not_found" });
    const controller = new AbortController();
    const asAlice = await fetch(`${server.url}/threads/${thread.thread_id}/stream`, { headers: { authorization: "Bearer user1-token" }, signal: controller.signal });
    expect(asAlice.status).toBe(200);
    controller.abort();
  });
});
