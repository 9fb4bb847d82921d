/** The threads API through the real SDK: every route, its happy path and its errors. */
import { describe, expect, it } from "vitest";
import { fixture, useTestServer, waitFor } from "../helpers/server.js";

const t = useTestServer({ config: fixture("api"), allowTruncate: true });

type Msgs = { messages: Array<{ type: string; content: string }> };

async function echoThread(text = "hi", metadata: Record<string, unknown> = {}) {
  const thread = await t.client.threads.create({ metadata });
  const run = await t.client.runs.create(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: text }] } });
  await t.client.runs.join(thread.thread_id, run.run_id);
  return thread.thread_id;
}

describe("threads", () => {
  it("creates with a given id, honours if_exists, reads, merges metadata and deletes", async () => {
    const id = "1b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c01";
    const created = await t.client.threads.create({ threadId: id, metadata: { a: 1, b: "x" } });
    expect(created).toMatchObject({ thread_id: id, status: "idle", metadata: { a: 1, b: "x" } });
    await expect(t.client.threads.create({ threadId: id })).rejects.toMatchObject({ status: 409 });
    expect((await t.client.threads.create({ threadId: id, ifExists: "do_nothing", metadata: { c: 1 } })).metadata).toEqual({ a: 1, b: "x" });
    const patched = await t.client.threads.update(id, { metadata: { b: "y", c: true } });
    expect(patched.metadata).toEqual({ a: 1, b: "y", c: true });
    expect((await t.client.threads.get(id)).metadata).toEqual({ a: 1, b: "y", c: true });
    await t.client.threads.delete(id);
    await expect(t.client.threads.get(id)).rejects.toMatchObject({ status: 404 });
    await expect(t.client.threads.delete(id)).rejects.toMatchObject({ status: 404 });
    await expect(t.client.threads.update(id, { metadata: {} })).rejects.toMatchObject({ status: 404 });
  });

  it("gives a missing thread the reference's 404 message and a non-UUID id a 422", async () => {
    const res = await fetch(`${t.server.url}/threads/2b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c01`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: "Thread with ID 2b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c01 not found", code: "thread_not_found" });
    const bad = await fetch(`${t.server.url}/threads/not-a-uuid`);
    expect(bad.status).toBe(422);
    expect((await bad.json()).detail).toMatch(/thread_id/);
  });

  it("shows values after a run and keeps status right: idle, busy, interrupted, error", async () => {
    const id = await echoThread("status");
    const thread = await t.client.threads.get<Msgs>(id);
    expect(thread.status).toBe("idle");
    expect(thread.values?.messages.at(-1)?.content).toBe("echo: status");

    const slow = await t.client.threads.create();
    const run = await t.client.runs.create(slow.thread_id, "slow", { input: { delay_ms: 400 } });
    await waitFor(async () => (await t.client.threads.get(slow.thread_id)).status === "busy");
    await t.client.runs.join(slow.thread_id, run.run_id);
    expect((await t.client.threads.get(slow.thread_id)).status).toBe("idle");

    const asking = await t.client.threads.create();
    const ask = await t.client.runs.create(asking.thread_id, "interrupting", { input: { question: "name?" } });
    await t.client.runs.join(asking.thread_id, ask.run_id);
    const interrupted = await t.client.threads.get(asking.thread_id);
    expect(interrupted.status).toBe("interrupted");
    const interrupts = Object.values(interrupted.interrupts ?? {}).flat() as Array<{ value: unknown }>;
    expect(interrupts.map((i) => i.value)).toEqual([{ question: "name?" }]);
    const resume = await t.client.runs.create(asking.thread_id, "interrupting", { command: { resume: "Ada" } });
    await t.client.runs.join(asking.thread_id, resume.run_id);
    const resumed = await t.client.threads.get<{ answer: string }>(asking.thread_id);
    expect(resumed.status).toBe("idle");
    expect(resumed.values?.answer).toBe("final: Ada");

    const failing = await t.client.threads.create();
    const boom = await t.client.runs.create(failing.thread_id, "failing", { input: { text: "x" } });
    await t.client.runs.join(failing.thread_id, boom.run_id);
    expect((await t.client.threads.get(failing.thread_id)).status).toBe("error");
    expect((await t.client.runs.get(failing.thread_id, boom.run_id)).status).toBe("error");
  });

  it("searches by metadata, ids, status and values, sorts, selects, pages and counts", async () => {
    const tag = `s-${Date.now()}`;
    const a = await echoThread("apple", { tag, n: 1 });
    const b = await echoThread("banana", { tag, n: 2 });
    const c = (await t.client.threads.create({ metadata: { tag, n: 3 } })).thread_id;
    const byTag = await t.client.threads.search({ metadata: { tag } });
    expect(byTag.map((t) => t.thread_id)).toEqual([c, b, a]);
    expect((await t.client.threads.search({ metadata: { tag }, sortBy: "created_at", sortOrder: "asc" })).map((t) => t.thread_id)).toEqual([a, b, c]);
    expect((await t.client.threads.search({ metadata: { tag, n: 2 } })).map((t) => t.thread_id)).toEqual([b]);
    expect((await t.client.threads.search({ ids: [a, c] })).map((t) => t.thread_id).sort()).toEqual([a, c].sort());
    expect((await t.client.threads.search({ metadata: { tag }, status: "idle", limit: 1, offset: 1 })).map((t) => t.thread_id)).toEqual([b]);
    const withValues = await t.client.threads.search({ metadata: { tag }, values: { messages: [] } as never });
    expect(withValues).toEqual([]);
    const selected = await t.client.threads.search({ metadata: { tag }, select: ["thread_id", "status"] });
    expect(Object.keys(selected[0]!).sort()).toEqual(["status", "thread_id"]);
    expect(await t.client.threads.count({ metadata: { tag } })).toBe(3);
    expect(await t.client.threads.count({ metadata: { tag }, status: "busy" })).toBe(0);
    const res = await fetch(`${t.server.url}/threads/search`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ metadata: { tag }, limit: 2 }) });
    expect(res.headers.get("x-pagination-total")).toBe("3");
    expect(res.headers.get("x-pagination-next")).toBe("2");
    const badStatus = await fetch(`${t.server.url}/threads/search`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ status: "sleepy" }) });
    expect(badStatus.status).toBe(422);
  });

  it("copies a thread with its checkpoints under a new id", async () => {
    const id = await echoThread("copy me", { origin: "copy" });
    const copy = await t.client.threads.copy(id);
    expect(copy.thread_id).not.toBe(id);
    expect(copy.metadata).toMatchObject({ origin: "copy", thread_id: copy.thread_id });
    const state = await t.client.threads.getState<Msgs>(copy.thread_id);
    expect(state.values.messages.map((m) => m.content)).toEqual(["copy me", "echo: copy me"]);
    expect(state.checkpoint?.thread_id).toBe(copy.thread_id);
    // The copy has its own history: a run on it leaves the original alone.
    const run = await t.client.runs.create(copy.thread_id, "agent", { input: { messages: [{ role: "user", content: "more" }] } });
    await t.client.runs.join(copy.thread_id, run.run_id);
    expect((await t.client.threads.getState<Msgs>(id)).values.messages).toHaveLength(2);
    expect((await t.client.threads.getState<Msgs>(copy.thread_id)).values.messages).toHaveLength(4);
    await expect(t.client.threads.copy("3b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c01")).rejects.toMatchObject({ status: 404 });
  });

  it("reads state now and at a checkpoint, and history with limit, before and metadata", async () => {
    const id = await echoThread("one");
    const run = await t.client.runs.create(id, "agent", { input: { messages: [{ role: "user", content: "two" }] } });
    await t.client.runs.join(id, run.run_id);
    const now = await t.client.threads.getState<Msgs>(id);
    expect(now.values.messages).toHaveLength(4);
    expect(now.next).toEqual([]);
    expect(now.checkpoint?.checkpoint_id).toBeTruthy();

    const history = await t.client.threads.getHistory<Msgs>(id, { limit: 100 });
    expect(history.length).toBeGreaterThanOrEqual(4);
    expect(history[0]!.checkpoint?.checkpoint_id).toBe(now.checkpoint?.checkpoint_id);
    const older = history.find((h) => h.values.messages?.length === 2)!;
    const atOlder = await t.client.threads.getState<Msgs>(id, older.checkpoint!.checkpoint_id!);
    expect(atOlder.values.messages).toHaveLength(2);
    const viaPost = await t.client.threads.getState<Msgs>(id, { checkpoint_id: older.checkpoint!.checkpoint_id! } as never);
    expect(viaPost.values.messages).toHaveLength(2);

    expect(await t.client.threads.getHistory(id, { limit: 2 })).toHaveLength(2);
    const before = await t.client.threads.getHistory(id, { limit: 100, before: { configurable: { checkpoint_id: now.checkpoint!.checkpoint_id! } } as never });
    expect(before.length).toBe(history.length - 1);
    const getHistory = await fetch(`${t.server.url}/threads/${id}/history?limit=1`);
    expect((await getHistory.json()).length).toBe(1);

    await t.client.threads.patchState(id, { reviewed: true });
    const tagged = await t.client.threads.getHistory(id, { limit: 100, metadata: { reviewed: true } });
    expect(tagged.map((h) => h.checkpoint?.checkpoint_id)).toEqual([now.checkpoint?.checkpoint_id]);
  });

  it("updates state (values, as_node, from a checkpoint) and answers 409 while a run is in flight", async () => {
    const id = await echoThread("edit");
    const result = await t.client.threads.updateState(id, { values: { messages: [{ role: "user", content: "added" }] }, asNode: "chatbot" });
    // As the LangGraph API answers: {checkpoint: {thread_id, checkpoint_ns, checkpoint_id, ...}}.
    expect((result as unknown as { checkpoint: unknown }).checkpoint).toMatchObject({ thread_id: id });
    const state = await t.client.threads.getState<Msgs>(id);
    expect(state.values.messages.at(-1)?.content).toBe("added");
    expect((await t.client.threads.get<Msgs>(id)).values?.messages.at(-1)?.content).toBe("added");

    const never = await t.client.threads.create();
    await expect(t.client.threads.updateState(never.thread_id, { values: {} })).rejects.toMatchObject({ status: 400 });

    const slow = await t.client.threads.create();
    const run = await t.client.runs.create(slow.thread_id, "slow", { input: { delay_ms: 500 } });
    await expect(t.client.threads.updateState(slow.thread_id, { values: { done: false } })).rejects.toMatchObject({ status: 409 });
    await t.client.runs.join(slow.thread_id, run.run_id);
    await t.client.threads.updateState(slow.thread_id, { values: { done: false } });
    expect((await t.client.threads.getState<{ done: boolean }>(slow.thread_id)).values.done).toBe(false);
  });

  it("stops a running run before deleting its thread, and the worker keeps working", async () => {
    const thread = await t.client.threads.create();
    const run = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 5_000 } });
    const queued = await t.client.runs.create(thread.thread_id, "agent", { input: { messages: [] }, multitaskStrategy: "enqueue" });
    await waitFor(async () => (await t.client.runs.get(thread.thread_id, run.run_id)).status === "running");
    // Someone waits on the queued run; deleting the thread must not leave them waiting forever.
    const joined = fetch(`${t.server.url}/threads/${thread.thread_id}/runs/${queued.run_id}/join`).then((r) => r.status);
    const started = Date.now();
    await t.client.threads.delete(thread.thread_id);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await joined).toBe(200);
    await expect(t.client.threads.get(thread.thread_id)).rejects.toMatchObject({ status: 404 });
    // The slot is free again: a new run still executes.
    const id = await echoThread("after delete");
    expect((await t.client.threads.get(id)).status).toBe("idle");
  });

  it("applies supersteps in order at creation", async () => {
    const thread = await t.client.threads.create({
      graphId: "agent",
      supersteps: [
        { updates: [{ values: { messages: [{ role: "user", content: "first" }] }, asNode: "chatbot" }] },
        { updates: [{ values: { messages: [{ role: "ai", content: "second" }] }, asNode: "chatbot" }] },
      ],
    });
    const state = await t.client.threads.getState<Msgs>(thread.thread_id);
    expect(state.values.messages.map((m) => m.content)).toEqual(["first", "second"]);
    await expect(
      t.client.threads.create({ supersteps: [{ updates: [{ values: {}, asNode: "chatbot" }] }] }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it("creates one thread from 100 parallel creates with the same id and do_nothing", async () => {
    const id = "4b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c01";
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => t.client.threads.create({ threadId: id, ifExists: "do_nothing", metadata: { i } })),
    );
    expect(new Set(results.map((t) => t.thread_id))).toEqual(new Set([id]));
    expect(new Set(results.map((t) => t.created_at)).size).toBe(1);
    expect(await t.client.threads.count({ metadata: { i: results[0]!.metadata?.i } })).toBe(1);
  });

  it("resets state with POST /internal/truncate, keeping system assistants", async () => {
    const mine = await t.client.assistants.create({ graphId: "agent" });
    await echoThread("to be truncated");
    const res = await fetch(`${t.server.url}/internal/truncate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ runs: true, threads: true, assistants: true, checkpointer: true }),
    });
    expect(await res.json()).toEqual({ ok: true });
    expect(await t.client.threads.count()).toBe(0);
    await expect(t.client.assistants.get(mine.assistant_id)).rejects.toMatchObject({ status: 404 });
    expect((await t.client.assistants.get("agent")).metadata).toMatchObject({ created_by: "system" });
  });
});
