/**
 * The storage contract, part 2: checkpoints, through a real LangGraph graph on the backend's
 * checkpointer — the run's metadata on each checkpoint, editing it, copying a thread with its
 * checkpoints, and rolling back what a run wrote.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import type { Storage } from "../../src/storage/types.js";

const State = Annotation.Root({
  items: Annotation<unknown[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** A graph that answers each item with `<item>!`. */
function echoGraph(storage: Storage) {
  return new StateGraph(State)
    .addNode("echo", (s: typeof State.State) => ({ items: [`${String(s.items.at(-1))}!`] }))
    .addEdge(START, "echo")
    .addEdge("echo", END)
    .compile({ checkpointer: storage.checkpointer });
}

/** Each run needs its own id: a run id that wrote the last checkpoint resumes from it instead of starting. */
const config = (threadId: string, runId = "run-1") => ({ configurable: { thread_id: threadId, run_id: runId, langgraph_auth_user_id: "secret" } });

export function describeCheckpointContract(storage: () => Storage, uuid: (n: number) => string): void {
  describe("checkpoints", () => {
    it("carry the run's metadata (never the caller's identity), which can be patched", async () => {
      const s = storage();
      await s.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      await echoGraph(s).invoke({ items: ["a"] }, config(uuid(1)));
      const tuple = await s.checkpointer.getTuple({ configurable: { thread_id: uuid(1), checkpoint_ns: "" } });
      expect(tuple?.metadata).toMatchObject({ run_id: "run-1", thread_id: uuid(1) });
      expect(tuple?.metadata).not.toHaveProperty("langgraph_auth_user_id");
      const id = tuple!.config.configurable!.checkpoint_id as string;
      expect(await s.patchCheckpointMetadata(uuid(1), { checkpoint_id: id }, { reviewed: true })).toBe(true);
      const patched = await s.checkpointer.getTuple({ configurable: { thread_id: uuid(1), checkpoint_ns: "", checkpoint_id: id } });
      expect(patched?.metadata).toMatchObject({ run_id: "run-1", reviewed: true });
      expect(await s.patchCheckpointMetadata(uuid(1), { checkpoint_id: "nope" }, { x: 1 })).toBe(false);
    });

    it("are copied with their thread, and the copy lives on its own", async () => {
      const s = storage();
      const graph = echoGraph(s);
      await s.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      await graph.invoke({ items: ["a"] }, config(uuid(1)));
      await s.threads.copy(uuid(1), { thread_id: uuid(2), metadata: {} });
      expect((await graph.getState(config(uuid(2)))).values.items).toEqual(["a", "a!"]);
      await graph.invoke({ items: ["b"] }, config(uuid(2), "run-2"));
      expect((await graph.getState(config(uuid(2)))).values.items).toEqual(["a", "a!", "b", "b!"]);
      expect((await graph.getState(config(uuid(1)))).values.items).toEqual(["a", "a!"]);
      expect(await s.threads.delete(uuid(1))).toBe(true);
      expect(await s.checkpointer.getTuple(config(uuid(1)))).toBeUndefined();
      expect((await graph.getState(config(uuid(2)))).values.items).toHaveLength(4);
    });

    it("written by a rolled-back run are deleted, and the next run's state is its own", async () => {
      const s = storage();
      const graph = echoGraph(s);
      await s.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      await graph.invoke({ items: ["a"] }, config(uuid(1), "run-1"));
      const head = (await s.checkpointer.getTuple(config(uuid(1))))!.config.configurable!.checkpoint_id as string;
      await graph.invoke({ items: ["b"] }, config(uuid(1), "run-2"));
      await s.deleteCheckpointsAfter(uuid(1), head);
      expect((await graph.getState(config(uuid(1)))).values.items).toEqual(["a", "a!"]);
      // The next run writes the same channel versions the rolled-back one did: it must see its own values.
      await graph.invoke({ items: ["c"] }, config(uuid(1), "run-3"));
      expect((await graph.getState(config(uuid(1)))).values.items).toEqual(["a", "a!", "c", "c!"]);
      await s.deleteCheckpointsAfter(uuid(1), null);
      expect(await s.checkpointer.getTuple(config(uuid(1)))).toBeUndefined();
    });

    it("refuse state that cannot be stored as JSON, keeping the last good checkpoint", async () => {
      const s = storage();
      const graph = echoGraph(s);
      await s.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      await graph.invoke({ items: ["a"] }, config(uuid(1)));
      await expect(graph.invoke({ items: [10n] }, config(uuid(1), "run-2"))).rejects.toThrow(/cannot be stored as JSON/);
      expect((await graph.getState(config(uuid(1)))).values.items).toEqual(["a", "a!"]);
    });

    it("saved by many runs at once are each kept whole", async () => {
      const s = storage();
      const graph = echoGraph(s);
      const threads = Array.from({ length: 24 }, (_, i) => uuid(100 + i));
      for (const t of threads) await s.threads.create({ thread_id: t, metadata: {} }, "raise");
      await Promise.all(threads.map((t, i) => graph.invoke({ items: [`t${i}`] }, config(t))));
      await Promise.all(threads.map((t, i) => graph.invoke({ items: [`u${i}`] }, config(t, "run-2"))));
      for (const [i, t] of threads.entries()) {
        expect((await graph.getState(config(t))).values.items).toEqual([`t${i}`, `t${i}!`, `u${i}`, `u${i}!`]);
      }
    });

    it("keep a task's first write to a channel, and the last to a special channel, however close together they come", async () => {
      const s = storage();
      await s.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      await echoGraph(s).invoke({ items: ["a"] }, config(uuid(1)));
      const head = (await s.checkpointer.getTuple(config(uuid(1))))!.config;
      const at = { configurable: { ...head.configurable, checkpoint_ns: "" } };
      // Issued in one tick: on a backend that batches saves, they share a batch.
      await Promise.all([
        s.checkpointer.putWrites(at, [["items", "first"]], "task-1"),
        s.checkpointer.putWrites(at, [["items", "second"]], "task-1"),
        s.checkpointer.putWrites(at, [["__error__", "first"]], "task-2"),
        s.checkpointer.putWrites(at, [["__error__", "second"]], "task-2"),
      ]);
      await s.checkpointer.putWrites(at, [["__error__", "third"]], "task-2");
      const writes = (await s.checkpointer.getTuple(at))!.pendingWrites!;
      expect(writes.filter(([task]) => task === "task-1")).toEqual([["task-1", "items", "first"]]);
      expect(writes.filter(([task]) => task === "task-2")).toEqual([["task-2", "__error__", "third"]]);
    });
  });
}
