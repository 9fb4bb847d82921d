/**
 * Graphs that misbehave — throw, hang past the run timeout, return what cannot be stored — end
 * their run with a clear status and an error event; the thread is not left busy and the server,
 * and its workers, keep serving.
 */
import { describe, expect, it } from "vitest";
import { fixture, useTestServer, waitFor } from "../helpers/server.js";

const t = useTestServer({ config: fixture("api"), runTimeoutMs: 600, nJobsPerWorker: 2 });

async function events(threadId: string, graph: string, input: Record<string, unknown>) {
  const out: Array<{ event: string; data: unknown }> = [];
  for await (const part of t.client.runs.stream(threadId, graph, { input })) out.push(part);
  return out;
}

async function stillServing(): Promise<void> {
  const thread = await t.client.threads.create();
  const values = (await t.client.runs.wait(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "ok?" }] } })) as {
    messages: Array<{ content: string }>;
  };
  expect(values.messages.at(-1)?.content).toBe("echo: ok?");
}

describe("misbehaving graphs", () => {
  it("ends a run that hangs past the run timeout as timeout, with an error event, and frees its worker", async () => {
    const thread = await t.client.threads.create();
    const started = Date.now();
    const parts = await events(thread.thread_id, "hanging", { text: "x" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(parts.at(-1)).toMatchObject({ event: "error", data: { error: "TimeoutError", message: "Run exceeded the run timeout of 0.6 s" } });
    const [run] = await t.client.runs.list(thread.thread_id);
    expect(run!.status).toBe("timeout");
    const after = await t.client.threads.get<{ answer: string }>(thread.thread_id);
    expect(after.status).toBe("error");
    // What the run did before it hung is kept.
    expect(after.values?.answer).toBe("started x");

    // Both workers (nJobsPerWorker: 2) hang at once and are freed by the timeout.
    const two = await Promise.all([t.client.threads.create(), t.client.threads.create()]);
    await Promise.all(two.map((th) => t.client.runs.create(th.thread_id, "hanging", { input: { text: "y" } })));
    await waitFor(async () => (await Promise.all(two.map((th) => t.client.runs.list(th.thread_id)))).every(([r]) => r?.status === "timeout"));
    await stillServing();
  });

  it("stores a circular structure with the repeated reference marked, as the checkpointer does", async () => {
    const thread = await t.client.threads.create();
    const values = (await t.client.runs.wait(thread.thread_id, "unserializable", { input: { kind: "circular" } })) as { out: unknown };
    expect(values.out).toEqual({ name: "a", self: "[Circular]" });
    expect((await t.client.threads.getState<{ out: unknown }>(thread.thread_id)).values.out).toEqual({ name: "a", self: "[Circular]" });
  });

  it.each([
    ["bigint", /cannot be stored as JSON: .*BigInt/],
    ["throwing-tojson", /toJSON exploded/],
  ])("ends a run whose state cannot be stored (%s) as error, keeping the thread's last good state", async (kind, reason) => {
    const thread = await t.client.threads.create();
    const parts = await events(thread.thread_id, "unserializable", { kind });
    expect(parts.at(-1)).toMatchObject({ event: "error", data: { message: expect.stringMatching(reason) } });
    const [run] = await t.client.runs.list(thread.thread_id);
    expect(run!.status).toBe("error");
    expect((await t.client.threads.get(thread.thread_id)).status).toBe("error");
    // The state is the last checkpoint that could be stored: the input, with the failed step still to run.
    const state = await t.client.threads.getState<{ kind: string }>(thread.thread_id);
    expect(state.values).toEqual({ kind });
    expect(state.next).toEqual(["produce"]);
    await stillServing();
  });

  it("drops a function in the state (as JSON does) and succeeds", async () => {
    const thread = await t.client.threads.create();
    const values = (await t.client.runs.wait(thread.thread_id, "unserializable", { input: { kind: "function" } })) as { out: Record<string, unknown> };
    expect(values.out).toEqual({ ok: true });
    expect((await t.client.threads.get(thread.thread_id)).status).toBe("idle");
  });
});
