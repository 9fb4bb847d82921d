/** Runs: streaming, wait, join, cancel, multitask strategies and stateless runs, through the SDK. */
import { describe, expect, it } from "vitest";
import { fixture, sdkClient, startTestServer, useTestServer, waitFor } from "../helpers/server.js";

const t = useTestServer({ config: fixture("api") });

const hello = { messages: [{ role: "user", content: "Hello!" }] };

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const part of stream) out.push(part);
  return out;
}

describe("runs", () => {
  it("streams a run: metadata first, then values and updates", async () => {
    const thread = await t.client.threads.create();
    const parts = await collect(t.client.runs.stream(thread.thread_id, "agent", { input: hello, streamMode: ["values", "updates"] }));
    expect(parts[0]!.event).toBe("metadata");
    expect(parts[0]!.data).toMatchObject({ run_id: expect.any(String), attempt: 1 });
    const events = parts.map((p) => p.event);
    expect(events).toContain("values");
    expect(events).toContain("updates");
    const lastValues = parts.filter((p) => p.event === "values").at(-1)!.data as { messages: Array<{ content: string }> };
    expect(lastValues.messages.at(-1)!.content).toBe("echo: Hello!");
    const update = parts.find((p) => p.event === "updates")!.data as { chatbot: { messages: Array<{ content: string }> } };
    expect(update.chatbot.messages[0]!.content).toBe("echo: Hello!");
  });

  it("waits for the final values, statefully and statelessly", async () => {
    const thread = await t.client.threads.create();
    const values = (await t.client.runs.wait(thread.thread_id, "agent", { input: hello })) as { messages: Array<{ content: string }> };
    expect(values.messages.at(-1)!.content).toBe("echo: Hello!");
    const stateless = (await t.client.runs.wait(null, "agent", { input: hello })) as { messages: Array<{ content: string }> };
    expect(stateless.messages.at(-1)!.content).toBe("echo: Hello!");
  });

  it("reports a failing graph as an error event, and __error__ from wait", async () => {
    const thread = await t.client.threads.create();
    const parts = await collect(t.client.runs.stream(thread.thread_id, "failing", { input: { text: "x" } }));
    const error = parts.find((p) => p.event === "error");
    expect(error?.data).toEqual({ error: "CustomError", message: "Boo!" });
    await expect(t.client.runs.wait(thread.thread_id, "failing", { input: { text: "x" } })).rejects.toThrow(/CustomError: Boo!/);
  });

  it("gives three concurrent readers of one run the identical event sequence", async () => {
    const thread = await t.client.threads.create();
    const run = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 300 }, streamMode: ["values", "updates", "debug"] });
    const readers = await Promise.all([0, 1, 2].map(() => collect(t.client.runs.joinStream(thread.thread_id, run.run_id))));
    expect(readers[0]!.length).toBeGreaterThan(2);
    expect(readers[1]).toEqual(readers[0]);
    expect(readers[2]).toEqual(readers[0]);
  });

  it("lists, gets and deletes runs", async () => {
    const thread = await t.client.threads.create();
    const first = await t.client.runs.create(thread.thread_id, "agent", { input: hello });
    await t.client.runs.join(thread.thread_id, first.run_id);
    const second = await t.client.runs.create(thread.thread_id, "agent", { input: hello });
    await t.client.runs.join(thread.thread_id, second.run_id);
    expect((await t.client.runs.list(thread.thread_id)).map((r) => r.run_id)).toEqual([second.run_id, first.run_id]);
    expect((await t.client.runs.list(thread.thread_id, { limit: 1, offset: 1 })).map((r) => r.run_id)).toEqual([first.run_id]);
    await t.client.runs.delete(thread.thread_id, first.run_id);
    await expect(t.client.runs.get(thread.thread_id, first.run_id)).rejects.toMatchObject({ status: 404 });
  });

  it("rejects a second run on a busy thread with 422, and 404 for a missing thread", async () => {
    const thread = await t.client.threads.create();
    const slow = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 400 } });
    await expect(t.client.runs.create(thread.thread_id, "agent", { input: hello })).rejects.toMatchObject({ status: 422 });
    await t.client.runs.join(thread.thread_id, slow.run_id);
    await expect(t.client.runs.create("5b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c01", "agent", { input: hello })).rejects.toMatchObject({ status: 404 });
    const created = await t.client.runs.create("5b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c02", "agent", { input: hello, ifNotExists: "create" });
    await t.client.runs.join(created.thread_id, created.run_id);
    await expect(t.client.runs.create(thread.thread_id, "no-such-assistant")).rejects.toMatchObject({ status: 404 });
  });

  it("enqueues runs on one thread and runs them one at a time, in order", async () => {
    const thread = await t.client.threads.create();
    const runs = [];
    for (let i = 0; i < 5; i++) {
      runs.push(await t.client.runs.create(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: `m${i}` }] }, multitaskStrategy: "enqueue" }));
    }
    for (const run of runs) await t.client.runs.join(thread.thread_id, run.run_id);
    const state = await t.client.threads.getState<{ messages: Array<{ content: string }> }>(thread.thread_id);
    expect(state.values.messages.map((m) => m.content)).toEqual(["m0", "echo: m0", "m1", "echo: m1", "m2", "echo: m2", "m3", "echo: m3", "m4", "echo: m4"]);
    expect((await t.client.threads.get(thread.thread_id)).status).toBe("idle");
  });

  it("interrupts a running run with the interrupt strategy", async () => {
    const thread = await t.client.threads.create();
    const slow = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 3_000 } });
    await waitFor(async () => (await t.client.runs.get(thread.thread_id, slow.run_id)).status === "running");
    const next = await t.client.runs.create(thread.thread_id, "agent", { input: hello, multitaskStrategy: "interrupt" });
    await t.client.runs.join(thread.thread_id, next.run_id);
    expect((await t.client.runs.get(thread.thread_id, slow.run_id)).status).toBe("interrupted");
    expect((await t.client.runs.get(thread.thread_id, next.run_id)).status).toBe("success");
  });

  it("rolls back a running run: the run and its checkpoints are gone", async () => {
    const thread = await t.client.threads.create();
    const first = await t.client.runs.create(thread.thread_id, "agent", { input: hello });
    await t.client.runs.join(thread.thread_id, first.run_id);
    const before = await t.client.threads.getHistory(thread.thread_id, { limit: 100 });
    const slow = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 3_000 } });
    await waitFor(async () => (await t.client.runs.get(thread.thread_id, slow.run_id)).status === "running");
    await t.client.runs.cancel(thread.thread_id, slow.run_id, true, "rollback");
    await expect(t.client.runs.get(thread.thread_id, slow.run_id)).rejects.toMatchObject({ status: 404 });
    const after = await t.client.threads.getHistory(thread.thread_id, { limit: 100 });
    expect(after.map((h) => h.checkpoint?.checkpoint_id)).toEqual(before.map((h) => h.checkpoint?.checkpoint_id));
  });

  it("cancels: interrupt keeps the run as interrupted; cancelling a finished run is a no-op", async () => {
    const thread = await t.client.threads.create();
    const slow = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 3_000 } });
    await waitFor(async () => (await t.client.runs.get(thread.thread_id, slow.run_id)).status === "running");
    await t.client.runs.cancel(thread.thread_id, slow.run_id, true);
    expect((await t.client.runs.get(thread.thread_id, slow.run_id)).status).toBe("interrupted");
    expect((await t.client.threads.get(thread.thread_id)).status).not.toBe("busy");
    await t.client.runs.cancel(thread.thread_id, slow.run_id, true);
    expect((await t.client.runs.get(thread.thread_id, slow.run_id)).status).toBe("interrupted");
    await expect(t.client.runs.cancel(thread.thread_id, "6b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c01")).rejects.toMatchObject({ status: 404 });
  });

  it("cancels a pending run (queued behind another) and many runs at once", async () => {
    const thread = await t.client.threads.create();
    const slow = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 600 } });
    const queued = await t.client.runs.create(thread.thread_id, "agent", { input: hello, multitaskStrategy: "enqueue" });
    await t.client.runs.cancelMany({ threadId: thread.thread_id, runIds: [queued.run_id] });
    expect((await t.client.runs.get(thread.thread_id, queued.run_id)).status).toBe("interrupted");
    await t.client.runs.join(thread.thread_id, slow.run_id);
    expect((await t.client.runs.get(thread.thread_id, slow.run_id)).status).toBe("success");
  });

  it("interrupts and resumes with command.resume, streaming the interrupt", async () => {
    const thread = await t.client.threads.create();
    const parts = await collect(t.client.runs.stream(thread.thread_id, "interrupting", { input: { question: "name?" }, streamMode: ["updates"] }));
    const interrupt = parts.find((p) => p.event === "updates" && "__interrupt__" in (p.data as object));
    expect(interrupt).toBeTruthy();
    expect((await t.client.threads.get(thread.thread_id)).status).toBe("interrupted");
    const values = (await t.client.runs.wait(thread.thread_id, "interrupting", { command: { resume: "Ada" } })) as { answer: string };
    expect(values.answer).toBe("final: Ada");
  });

  it("stops at interrupt_before and continues with a null input", async () => {
    const thread = await t.client.threads.create();
    await t.client.runs.wait(thread.thread_id, "agent", { input: hello, interruptBefore: ["chatbot"] });
    const paused = await t.client.threads.getState(thread.thread_id);
    expect(paused.next).toEqual(["chatbot"]);
    expect((await t.client.threads.get(thread.thread_id)).status).toBe("interrupted");
    const values = (await t.client.runs.wait(thread.thread_id, "agent", { input: null })) as { messages: Array<{ content: string }> };
    expect(values.messages.at(-1)!.content).toBe("echo: Hello!");
  });

  it("forks from an earlier checkpoint and applies command.update and goto", async () => {
    const thread = await t.client.threads.create();
    await t.client.runs.wait(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "first" }] } });
    const history = await t.client.threads.getHistory<{ messages: unknown[] }>(thread.thread_id, { limit: 10 });
    const beforeAnswer = history.find((h) => h.next.includes("chatbot"))!;
    const forked = (await t.client.runs.wait(thread.thread_id, "agent", {
      input: null,
      checkpointId: beforeAnswer.checkpoint!.checkpoint_id!,
    })) as { messages: Array<{ content: string }> };
    expect(forked.messages.map((m) => m.content)).toEqual(["first", "echo: first"]);
    const updated = (await t.client.runs.wait(thread.thread_id, "agent", {
      command: { update: { messages: [{ role: "user", content: "via update" }] }, goto: "chatbot" },
    })) as { messages: Array<{ content: string }> };
    expect(updated.messages.at(-1)!.content).toBe("echo: via update");
  });

  it("runs at most --n-jobs-per-worker runs at once across threads", async () => {
    const small = await startTestServer({ config: fixture("api"), nJobsPerWorker: 2 });
    try {
      const c = sdkClient(small.url);
      const threads = await Promise.all([0, 1, 2, 3].map(() => c.threads.create()));
      const runs = await Promise.all(threads.map((t) => c.runs.create(t.thread_id, "slow", { input: { delay_ms: 400 } })));
      let peak = 0;
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const statuses = await Promise.all(runs.map((r) => c.runs.get(r.thread_id, r.run_id).then((x) => x.status)));
        peak = Math.max(peak, statuses.filter((s) => s === "running").length);
        if (statuses.every((s) => s === "success")) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(peak).toBe(2);
    } finally {
      await small.close();
    }
  });

  it("runs stateless batches and deletes their threads after", async () => {
    const created = await t.client.runs.createBatch([{ assistantId: "agent", input: hello }, { assistantId: "agent", input: hello }]);
    expect(created).toHaveLength(2);
    for (const run of created) {
      await waitFor(async () => {
        const res = await fetch(`${t.server.url}/threads/${run.thread_id}`);
        return res.status === 404;
      });
    }
  });

  it("sets Content-Location on create routes and SSE framing with ids", async () => {
    const thread = await t.client.threads.create();
    const res = await fetch(`${t.server.url}/threads/${thread.thread_id}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "agent", input: hello, stream_resumable: true }),
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const location = res.headers.get("content-location")!;
    expect(location).toMatch(new RegExp(`^/threads/${thread.thread_id}/runs/[0-9a-f-]+$`));
    expect(res.headers.get("location")).toBe(`${location}/stream`);
    const text = await res.text();
    expect(text.startsWith("event: metadata\ndata: {")).toBe(true);
    expect(text).toMatch(/\nid: 0\n\n/);
    // Replay after the first event with Last-Event-ID.
    const replay = await fetch(`${t.server.url}${location}/stream`, { headers: { "last-event-id": "0" } });
    const replayed = await replay.text();
    expect(replayed.startsWith("event: values")).toBe(true);
    expect(replayed).not.toContain("event: metadata");
  });

  it("cancels a joined run on disconnect when cancel_on_disconnect is set", async () => {
    const thread = await t.client.threads.create();
    const run = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 5_000 } });
    const controller = new AbortController();
    const res = await fetch(`${t.server.url}/threads/${thread.thread_id}/runs/${run.run_id}/stream?cancel_on_disconnect=true`, { signal: controller.signal });
    await res.body!.getReader().read();
    controller.abort();
    await waitFor(async () => (await t.client.runs.get(thread.thread_id, run.run_id)).status === "interrupted");
  });

  it("cancels a streamed run when the client disconnects with on_disconnect=cancel", async () => {
    const thread = await t.client.threads.create();
    const controller = new AbortController();
    const res = await fetch(`${t.server.url}/threads/${thread.thread_id}/runs/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "slow", input: { delay_ms: 5_000 }, on_disconnect: "cancel" }),
      signal: controller.signal,
    });
    const runId = res.headers.get("content-location")!.split("/").at(-1)!;
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await waitFor(async () => (await t.client.runs.get(thread.thread_id, runId)).status === "interrupted");
  });
});
