/** Concurrency at the sizes the fault issue names: outcomes stay consistent and the pool keeps working. */
import { describe, expect, it } from "vitest";
import { fixture, useTestServer, waitFor } from "../helpers/server.js";

const t = useTestServer({ config: fixture("api") });

const submit = (threadId: string, strategy: "reject" | "enqueue" | "interrupt" | "rollback", n: number, delayMs = 30) =>
  Promise.allSettled(Array.from({ length: n }, () => t.client.runs.create(threadId, "slow", { input: { delay_ms: delayMs }, multitaskStrategy: strategy })));
const settled = async (threadId: string) => {
  await waitFor(async () => (await t.client.threads.get(threadId)).status !== "busy", 60_000);
  return t.client.runs.list(threadId, { limit: 1000 });
};

describe("50 concurrent runs on one thread", () => {
  it("reject: exactly one accepted, 49 refused with 422", async () => {
    const thread = await t.client.threads.create();
    // Long enough that the first run is still in flight when the last request arrives.
    const results = await submit(thread.thread_id, "reject", 50, 2_000);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected" && (r.reason as { status: number }).status === 422)).toHaveLength(49);
    expect((await settled(thread.thread_id)).map((r) => r.status)).toEqual(["success"]);
  });

  it("enqueue: all 50 succeed", async () => {
    const thread = await t.client.threads.create();
    const results = await submit(thread.thread_id, "enqueue", 50);
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    const runs = await settled(thread.thread_id);
    expect(runs.filter((r) => r.status === "success")).toHaveLength(50);
  });

  it.each(["interrupt", "rollback"] as const)("%s: the newest run succeeds, every other run ends interrupted or is gone", async (strategy) => {
    const thread = await t.client.threads.create();
    const results = await submit(thread.thread_id, strategy, 50);
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    const runs = await settled(thread.thread_id);
    expect(runs[0]!.status).toBe("success");
    expect(runs.every((r) => r.status === "success" || r.status === "interrupted")).toBe(true);
    if (strategy === "rollback") expect(runs.filter((r) => r.status === "interrupted")).toHaveLength(0);
    console.log(`${strategy}: ${runs.length} of 50 runs remain; ${runs.filter((r) => r.status === "success").length} succeeded`);
  });
});

it("creates 200 threads in parallel, all distinct and all stored", async () => {
  const threads = await Promise.all(Array.from({ length: 200 }, (_, i) => t.client.threads.create({ metadata: { batch: "p200", i } })));
  expect(new Set(threads.map((t) => t.thread_id)).size).toBe(200);
  expect(await t.client.threads.count({ metadata: { batch: "p200" } })).toBe(200);
});

it("keeps run outcomes consistent when cancels race completions", async () => {
  const thread = await t.client.threads.create();
  for (let i = 0; i < 20; i++) {
    const run = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: i * 3 }, multitaskStrategy: "enqueue" });
    await new Promise((r) => setTimeout(r, i * 3));
    await t.client.runs.cancel(thread.thread_id, run.run_id).catch(() => undefined);
  }
  const runs = await settled(thread.thread_id);
  expect(runs.every((r) => r.status === "success" || r.status === "interrupted")).toBe(true);
  // The pool still runs new work.
  const values = (await t.client.runs.wait(thread.thread_id, "slow", { input: { delay_ms: 1 }, multitaskStrategy: "enqueue" })) as { done: boolean };
  expect(values.done).toBe(true);
});
