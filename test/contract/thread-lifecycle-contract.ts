/**
 * The storage contract, threads over time: when their state last changed (`state_updated_at`),
 * their time-to-live and what the sweeper does when it runs out, and pruning their checkpoints to
 * the latest. Checkpoints are written by a real LangGraph graph on the backend's checkpointer.
 */
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import type { Run, Storage } from "../../src/storage/types.js";

const State = Annotation.Root({
  items: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** `echo` answers the last item; with `ask`, the graph then waits at an interrupt for an answer. */
function graph(storage: Storage, ask = false) {
  const echo = new StateGraph(State)
    .addNode("echo", (s: typeof State.State) => ({ items: [`${s.items.at(-1)}!`] }))
    .addEdge(START, "echo");
  if (!ask) return echo.addEdge("echo", END).compile({ checkpointer: storage.checkpointer });
  return echo
    .addNode("ask", () => ({ items: [String(interrupt("more?"))] }))
    .addEdge("echo", "ask")
    .addEdge("ask", END)
    .compile({ checkpointer: storage.checkpointer });
}

const config = (threadId: string, n: number) => ({ configurable: { thread_id: threadId, run_id: `run-${n}` } });

async function checkpointCount(storage: Storage, threadId: string): Promise<number> {
  let n = 0;
  for await (const _ of storage.checkpointer.list({ configurable: { thread_id: threadId } })) n++;
  return n;
}

function pendingRun(runId: string, threadId: string): Run {
  const now = new Date().toISOString();
  return {
    run_id: runId,
    thread_id: threadId,
    assistant_id: runId,
    status: "pending",
    metadata: {},
    kwargs: { config: {}, stream_mode: ["values"], temporary: false, subgraphs: false, resumable: false },
    multitask_strategy: "enqueue",
    created_at: now,
    updated_at: now,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 3));
const minutesFrom = (at: string, minutes: number) => Date.parse(at) + minutes * 60_000;

export function describeThreadLifecycleContract(storage: () => Storage, uuid: (n: number) => string): void {
  describe("threads over time", () => {
    it("state_updated_at starts at creation and moves only when the values or interrupts change", async () => {
      const s = storage();
      const created = await s.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      const thread = created.kind === "created" ? created.record : null;
      expect(thread?.state_updated_at).toBe(thread?.created_at);
      await tick();
      const renamed = await s.threads.update(uuid(1), { metadata: { topic: "x" } });
      expect(renamed!.updated_at > thread!.updated_at).toBe(true);
      expect(renamed!.state_updated_at).toBe(thread!.state_updated_at);
      await tick();
      await s.threads.setState(uuid(1), { status: "idle", values: { a: 1 } });
      const changed = (await s.threads.get(uuid(1)))!.state_updated_at;
      expect(changed > thread!.state_updated_at).toBe(true);
      await tick();
      await s.threads.setState(uuid(1), { status: "busy", values: { a: 1 } });
      expect((await s.threads.get(uuid(1)))!.state_updated_at).toBe(changed);

      // A run's outcome is a state change too; and threads sort by it.
      await s.threads.create({ thread_id: uuid(2), metadata: {} }, "raise");
      await tick();
      await s.runs.create({ run: pendingRun(uuid(1001), uuid(1)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
      await s.runs.claimNext("owner-a", new Date(Date.now() + 60_000), 60_000);
      await s.runs.finish({ runId: uuid(1001), threadId: uuid(1), owner: "owner-a", status: "success", thread: { status: "idle", values: { a: 2 } } });
      expect((await s.threads.get(uuid(1)))!.state_updated_at > changed).toBe(true);
      const byState = await s.threads.search({ limit: 10, offset: 0, sortBy: "state_updated_at", sortOrder: "desc" });
      expect(byState.items.map((t) => t.thread_id)).toEqual([uuid(1), uuid(2)]);
      const asc = await s.threads.search({ limit: 10, offset: 0, sortBy: "state_updated_at", sortOrder: "asc" });
      expect(asc.items.map((t) => t.thread_id)).toEqual([uuid(2), uuid(1)]);
    });

    it("keeps a time-to-live set at creation or replaced by an update, and lists what has expired", async () => {
      const s = storage();
      const before = new Date().toISOString();
      await s.threads.create({ thread_id: uuid(1), metadata: {}, ttl: { strategy: "delete", minutes: 60 } }, "raise");
      await s.threads.create({ thread_id: uuid(2), metadata: {} }, "raise");
      await s.threads.create({ thread_id: uuid(3), metadata: {}, ttl: { strategy: "delete", minutes: 120 } }, "raise");
      const ttl = await s.threads.getTtl(uuid(1));
      expect(ttl).toMatchObject({ strategy: "delete", ttl_minutes: 60 });
      expect(Date.parse(ttl!.expires_at)).toBeGreaterThanOrEqual(minutesFrom(before, 60));
      expect(Date.parse(ttl!.expires_at)).toBeLessThanOrEqual(minutesFrom(new Date().toISOString(), 60));
      expect(await s.threads.getTtl(uuid(2))).toBeNull();
      expect(await s.threads.getTtl(uuid(99))).toBeNull();

      // An update replaces it, counting from the update; an update without one keeps it.
      await s.threads.update(uuid(3), { ttl: { strategy: "keep_latest", minutes: 30 } });
      await s.threads.update(uuid(1), { metadata: { a: 1 } });
      expect(await s.threads.getTtl(uuid(3))).toMatchObject({ strategy: "keep_latest", ttl_minutes: 30 });
      expect((await s.threads.getTtl(uuid(1)))?.expires_at).toBe(ttl!.expires_at);
      expect(await s.threads.update(uuid(1), { ttl: { strategy: "delete", minutes: 1 } }, { a: 2 })).toBeNull();

      expect(await s.threads.expired(new Date(), 10)).toEqual([]);
      const soon = (await s.threads.getTtl(uuid(3)))!.expires_at;
      expect((await s.threads.nextExpiry())?.toISOString()).toBe(soon);
      const later = new Date(minutesFrom(new Date().toISOString(), 90));
      expect(await s.threads.expired(later, 10)).toEqual([
        { thread_id: uuid(3), strategy: "keep_latest" },
        { thread_id: uuid(1), strategy: "delete" },
      ]);
      expect(await s.threads.expired(later, 1)).toHaveLength(1);
    });

    it("sweeps an expired thread: delete takes its runs and checkpoints, keep_latest keeps its state and expires again a TTL later", async () => {
      const s = storage();
      const echo = graph(s);
      await s.threads.create({ thread_id: uuid(1), metadata: {}, ttl: { strategy: "delete", minutes: 5 } }, "raise");
      await s.threads.create({ thread_id: uuid(2), metadata: {}, ttl: { strategy: "keep_latest", minutes: 5 } }, "raise");
      for (const n of [1, 2, 3]) {
        await echo.invoke({ items: [`a${n}`] }, config(uuid(1), n));
        await echo.invoke({ items: [`b${n}`] }, config(uuid(2), n));
      }
      await s.runs.create({ run: pendingRun(uuid(1001), uuid(1)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
      expect(await checkpointCount(s, uuid(2))).toBeGreaterThan(3);

      expect(await s.threads.sweep(uuid(1), new Date())).toBeNull();
      expect(await s.threads.get(uuid(1))).not.toBeNull();
      const expiredAt = new Date(minutesFrom(new Date().toISOString(), 6));
      expect(await s.threads.sweep(uuid(1), expiredAt)).toBe("deleted");
      expect(await s.threads.get(uuid(1))).toBeNull();
      expect(await s.runs.get(uuid(1001))).toBeNull();
      expect(await checkpointCount(s, uuid(1))).toBe(0);
      expect(await s.threads.sweep(uuid(1), expiredAt)).toBeNull();

      expect(await s.threads.sweep(uuid(2), expiredAt)).toBe("pruned");
      expect(await checkpointCount(s, uuid(2))).toBe(1);
      expect((await echo.getState(config(uuid(2), 9))).values.items).toEqual(["b1", "b1!", "b2", "b2!", "b3", "b3!"]);
      expect((await s.threads.getTtl(uuid(2)))?.expires_at).toBe(new Date(expiredAt.getTime() + 5 * 60_000).toISOString());
      expect(await s.threads.sweep(uuid(2), expiredAt)).toBeNull();
      // The thread goes on: a new run continues from the state that was kept.
      await echo.invoke({ items: ["c"] }, config(uuid(2), 4));
      expect((await echo.getState(config(uuid(2), 9))).values.items.slice(-2)).toEqual(["c", "c!"]);
    });

    it("prunes checkpoints to the latest, keeping its pending writes (an interrupt), never for a hidden or missing thread", async () => {
      const s = storage();
      const asking = graph(s, true);
      await s.threads.create({ thread_id: uuid(1), metadata: { owner: "a" } }, "raise");
      await asking.invoke({ items: ["x"] }, config(uuid(1), 1));
      await asking.invoke({ items: ["y"] }, config(uuid(1), 2));
      const before = await asking.getState(config(uuid(1), 9));
      expect(before.next).toEqual(["ask"]);
      expect(await checkpointCount(s, uuid(1))).toBeGreaterThan(2);

      expect(await s.threads.pruneCheckpoints(uuid(1), { owner: "b" })).toBe(false);
      expect(await checkpointCount(s, uuid(1))).toBeGreaterThan(2);
      expect(await s.threads.pruneCheckpoints(uuid(99))).toBe(false);
      expect(await s.threads.pruneCheckpoints(uuid(1), { owner: "a" })).toBe(true);
      expect(await checkpointCount(s, uuid(1))).toBe(1);
      const after = await asking.getState(config(uuid(1), 9));
      expect(after.values).toEqual(before.values);
      expect(after.next).toEqual(["ask"]);
      expect(after.tasks[0]?.interrupts.map((i) => i.value)).toEqual(["more?"]);
    });
  });
}
