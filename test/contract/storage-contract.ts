/**
 * The storage contract suite: every repository operation a backend must get right. Each backend
 * runs it unchanged: `describeStorageContract("sqlite", () => openSqliteStorage(":memory:"))`.
 * Checkpoints, crons, races and leases are in the files beside this one.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Assistant, Run, Storage } from "../../src/storage/types.js";
import { describeThreadLifecycleContract } from "./thread-lifecycle-contract.js";
import { describeCheckpointContract } from "./checkpoints-contract.js";
import { describeConcurrencyContract } from "./concurrency-contract.js";
import { describeCronContract } from "./crons-contract.js";
import { describeLeaseContract } from "./leases-contract.js";

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

function assistant(n: number, overrides: Partial<Assistant> = {}): Assistant {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return {
    assistant_id: uuid(n),
    graph_id: "g",
    config: {},
    context: {},
    metadata: {},
    name: `assistant ${n}`,
    description: null,
    version: 1,
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

function run(n: number, threadId: string, overrides: Partial<Run> = {}): Run {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return {
    run_id: uuid(1000 + n),
    thread_id: threadId,
    assistant_id: uuid(1),
    status: "pending",
    metadata: {},
    kwargs: { config: {}, stream_mode: ["values"], temporary: false, subgraphs: false, resumable: false },
    multitask_strategy: "enqueue",
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

export function describeStorageContract(name: string, create: () => Promise<Storage> | Storage): void {
  describe(`storage contract: ${name}`, () => {
    let storage: Storage;
    beforeEach(async () => {
      storage = await create();
    });
    afterEach(async () => {
      await storage.close();
    });

    describe("assistants", () => {
      it("puts, gets, and treats if_exists raise/do_nothing and hidden ids as the API does", async () => {
        expect((await storage.assistants.put(assistant(1, { metadata: { owner: "a" } }), "raise")).kind).toBe("created");
        expect(await storage.assistants.get(uuid(1))).toMatchObject({ name: "assistant 1", version: 1 });
        expect(await storage.assistants.put(assistant(1), "raise")).toEqual({ kind: "conflict" });
        expect(await storage.assistants.put(assistant(1, { name: "other" }), "do_nothing")).toMatchObject({ kind: "existing", record: { name: "assistant 1" } });
        expect(await storage.assistants.put(assistant(1), "do_nothing", { owner: "b" })).toEqual({ kind: "conflict" });
        expect(await storage.assistants.get(uuid(1), { owner: "b" })).toBeNull();
        expect(await storage.assistants.get(uuid(1), { owner: "a" })).not.toBeNull();
        expect(await storage.assistants.get(uuid(99))).toBeNull();
      });

      it("updates with merged metadata and a new version, lists versions, restores one", async () => {
        await storage.assistants.put(assistant(1, { metadata: { a: 1 }, config: { x: 1 } }), "raise");
        const v2 = await storage.assistants.update(uuid(1), { metadata: { b: 2 }, config: { x: 2 }, name: "two" });
        expect(v2).toMatchObject({ version: 2, metadata: { a: 1, b: 2 }, config: { x: 2 }, name: "two" });
        expect(await storage.assistants.update(uuid(1), { name: "x" }, { a: 999 })).toBeNull();
        const versions = await storage.assistants.listVersions(uuid(1), { limit: 10, offset: 0 });
        expect(versions.map((v) => v.version)).toEqual([2, 1]);
        expect(await storage.assistants.listVersions(uuid(1), { limit: 10, offset: 0, metadata: { b: 2 } })).toHaveLength(1);
        const restored = await storage.assistants.setLatest(uuid(1), 1);
        expect(restored).toMatchObject({ version: 1, name: "assistant 1", config: { x: 1 } });
        expect(await storage.assistants.setLatest(uuid(1), 7)).toBeNull();
      });

      it("searches with metadata, graph, name, filters, sort and pagination; counts", async () => {
        for (let i = 1; i <= 5; i++) {
          await storage.assistants.put(
            assistant(i, { graph_id: i % 2 ? "odd" : "even", metadata: { n: i, tags: ["t", `t${i}`] }, name: `Name ${i}` }),
            "raise",
          );
        }
        const page = await storage.assistants.search({ limit: 2, offset: 1 });
        expect(page.total).toBe(5);
        expect(page.items.map((a) => a.metadata.n)).toEqual([4, 3]);
        expect((await storage.assistants.search({ limit: 10, offset: 0, sortBy: "name", sortOrder: "asc" })).items.map((a) => a.metadata.n)).toEqual([1, 2, 3, 4, 5]);
        expect((await storage.assistants.search({ graphId: "even", limit: 10, offset: 0 })).total).toBe(2);
        expect((await storage.assistants.search({ name: "name 3", limit: 10, offset: 0 })).items).toHaveLength(1);
        expect((await storage.assistants.search({ filter: { tags: { $contains: "t2" } }, limit: 10, offset: 0 })).items.map((a) => a.metadata.n)).toEqual([2]);
        expect((await storage.assistants.search({ filter: { tags: { $contains: ["t", "t5"] } }, limit: 10, offset: 0 })).total).toBe(1);
        expect((await storage.assistants.search({ filter: { n: { $eq: 4 } }, limit: 10, offset: 0 })).total).toBe(1);
        expect(await storage.assistants.count({ metadata: { n: 1 } })).toBe(1);
        expect(await storage.assistants.count({})).toBe(5);
      });

      it("deletes with versions and runs; truncate keeps system assistants", async () => {
        await storage.assistants.put(assistant(1, { metadata: { created_by: "system" } }), "raise");
        await storage.assistants.put(assistant(2), "raise");
        expect(await storage.assistants.delete(uuid(2), { deleteThreads: false, filter: { x: 1 } })).toBe(false);
        expect(await storage.assistants.delete(uuid(2), { deleteThreads: false })).toBe(true);
        expect(await storage.assistants.get(uuid(2))).toBeNull();
        expect(await storage.assistants.listVersions(uuid(2), { limit: 10, offset: 0 })).toEqual([]);
        await storage.assistants.put(assistant(3), "raise");
        await storage.assistants.truncate();
        expect((await storage.assistants.search({ limit: 10, offset: 0 })).items.map((a) => a.assistant_id)).toEqual([uuid(1)]);
      });
    });

    describe("threads", () => {
      it("creates once under concurrency, gets with filters, merges metadata", async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, () => storage.threads.create({ thread_id: uuid(1), metadata: { owner: "a" } }, "do_nothing")),
        );
        expect(results.every((r) => r.status === "fulfilled")).toBe(true);
        expect(results.filter((r) => r.status === "fulfilled" && r.value.kind === "created")).toHaveLength(1);
        expect(results.filter((r) => r.status === "fulfilled" && r.value.kind === "existing")).toHaveLength(49);
        expect(await storage.threads.create({ thread_id: uuid(1), metadata: {} }, "raise")).toEqual({ kind: "conflict" });
        expect(await storage.threads.create({ thread_id: uuid(1), metadata: {} }, "do_nothing", { owner: "b" })).toEqual({ kind: "conflict" });
        expect(await storage.threads.get(uuid(1), { owner: "b" })).toBeNull();
        const updated = await storage.threads.update(uuid(1), { metadata: { topic: "x" } });
        expect(updated?.metadata).toEqual({ owner: "a", topic: "x" });
        expect(await storage.threads.update(uuid(1), { metadata: {} }, { owner: "b" })).toBeNull();
        expect(await storage.threads.update(uuid(2), { metadata: {} })).toBeNull();
      });

      it("searches by metadata (indexed and not), ids, status and values; sorts and pages; counts", async () => {
        for (let i = 1; i <= 6; i++) {
          await storage.threads.create({ thread_id: uuid(i), metadata: { owner: i <= 3 ? "a" : "b", n: i, nested: { k: i % 2 }, tags: [`t${i}`] } }, "raise");
          await new Promise((r) => setTimeout(r, 2));
        }
        await storage.threads.setState(uuid(2), { status: "busy", values: { color: "red", size: 2 } });
        await storage.threads.setState(uuid(5), { status: "error", values: { color: "blue" } });
        const a = await storage.threads.search({ filter: { owner: "a" }, limit: 10, offset: 0 });
        expect(a.items.map((t) => t.metadata.n)).toEqual([3, 2, 1]);
        expect(a.total).toBe(3);
        // A page past the end still tells the total; an empty search says 0.
        expect(await storage.threads.search({ filter: { owner: "a" }, limit: 2, offset: 5 })).toEqual({ items: [], total: 3 });
        expect((await storage.threads.search({ filter: { owner: "a" }, limit: 2, offset: 1 })).total).toBe(3);
        expect(await storage.threads.search({ filter: { owner: "nobody" }, limit: 2, offset: 0 })).toEqual({ items: [], total: 0 });
        expect((await storage.threads.search({ metadata: { owner: "b", n: 5 }, limit: 10, offset: 0 })).total).toBe(1);
        expect((await storage.threads.search({ metadata: { nested: { k: 0 } }, limit: 10, offset: 0 })).total).toBe(3);
        expect((await storage.threads.search({ filter: { tags: { $contains: "t4" } }, limit: 10, offset: 0 })).items.map((t) => t.metadata.n)).toEqual([4]);
        expect((await storage.threads.search({ ids: [uuid(1), uuid(6)], limit: 10, offset: 0 })).total).toBe(2);
        expect((await storage.threads.search({ status: "error", limit: 10, offset: 0 })).items.map((t) => t.metadata.n)).toEqual([5]);
        expect((await storage.threads.search({ values: { color: "red" }, limit: 10, offset: 0 })).items.map((t) => t.metadata.n)).toEqual([2]);
        const asc = await storage.threads.search({ limit: 2, offset: 2, sortBy: "created_at", sortOrder: "asc" });
        expect(asc.items.map((t) => t.metadata.n)).toEqual([3, 4]);
        expect(asc.total).toBe(6);
        expect((await storage.threads.search({ limit: 10, offset: 0, sortBy: "status", sortOrder: "asc" })).items[0]!.status).toBe("busy");
        expect(await storage.threads.count({ filter: { owner: "b" } })).toBe(3);
        expect(await storage.threads.count({ status: "busy" })).toBe(1);
        // Metadata written later (by a run) is searchable too.
        await storage.threads.update(uuid(6), { metadata: { owner: "a" } });
        expect(await storage.threads.count({ filter: { owner: "a" } })).toBe(4);
      });

      it("matches metadata exactly: arrays and objects are equal, not contained; $contains on arrays", async () => {
        await storage.threads.create({ thread_id: uuid(1), metadata: { tags: ["a", "b"], obj: { k: 1, j: 2 }, none: null, items: [{ id: 1, x: 2 }] } }, "raise");
        await storage.threads.create({ thread_id: uuid(2), metadata: { tags: ["a"], obj: { k: 1 }, none: 0, items: [{ id: 1 }] } }, "raise");
        const ids = async (filter: Record<string, unknown>) =>
          (await storage.threads.search({ filter, limit: 10, offset: 0 })).items.map((t) => t.thread_id).sort();
        expect(await ids({ tags: ["a"] })).toEqual([uuid(2)]);
        expect(await ids({ obj: { k: 1 } })).toEqual([uuid(2)]);
        expect(await ids({ obj: { $eq: { k: 1, j: 2 } } })).toEqual([uuid(1)]);
        expect(await ids({ none: null })).toEqual([uuid(1)]);
        expect(await ids({ tags: { $contains: "a" } })).toEqual([uuid(1), uuid(2)]);
        expect(await ids({ tags: { $contains: ["b", "a"] } })).toEqual([uuid(1)]);
        expect(await ids({ items: { $contains: { id: 1 } } })).toEqual([uuid(2)]);
        expect(await ids({ obj: { $contains: 1 } })).toEqual([]);
      });

      it("stores any JSON string intact (NUL, lone surrogates, private-use characters) and filters on it", async () => {
        const odd = ["a\u0000b", "\ud800c", "\uf8ff0", "\\u0000", "\uf8ff\uf8ffs"];
        await storage.threads.create({ thread_id: uuid(1), metadata: { odd } }, "raise");
        await storage.threads.create({ thread_id: uuid(2), metadata: { odd: odd[0] } }, "raise");
        await storage.threads.setState(uuid(1), { status: "idle", values: { odd } });
        expect(await storage.threads.get(uuid(1))).toMatchObject({ metadata: { odd }, values: { odd } });
        expect((await storage.threads.search({ filter: { odd: odd[0] }, limit: 10, offset: 0 })).items.map((t) => t.thread_id)).toEqual([uuid(2)]);
        expect((await storage.threads.search({ filter: { odd: { $contains: odd[1] } }, limit: 10, offset: 0 })).items.map((t) => t.thread_id)).toEqual([uuid(1)]);
        await storage.store.put(["o"], "k", { odd });
        expect((await storage.store.get(["o"], "k"))?.value).toEqual({ odd });
      });

      it("records a run's outcome on the thread", async () => {
        await storage.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
        expect((await storage.threads.get(uuid(1)))?.values).toBeUndefined();
        await storage.threads.setState(uuid(1), { status: "interrupted", values: { a: 1 }, interrupts: { task: [{ value: 1 }] } });
        expect(await storage.threads.get(uuid(1))).toMatchObject({ status: "interrupted", values: { a: 1 }, interrupts: { task: [{ value: 1 }] } });
      });

      it("copies a thread and deletes one with its runs", async () => {
        await storage.threads.create({ thread_id: uuid(1), metadata: { a: 1 } }, "raise");
        await storage.threads.setState(uuid(1), { status: "idle", values: { v: 1 } });
        const copy = await storage.threads.copy(uuid(1), { thread_id: uuid(2), metadata: { a: 1, thread_id: uuid(2) } });
        expect(copy).toMatchObject({ thread_id: uuid(2), status: "idle", values: { v: 1 }, metadata: { thread_id: uuid(2) } });
        expect(await storage.threads.copy(uuid(9), { thread_id: uuid(3), metadata: {} })).toBeNull();

        await storage.runs.create({ run: run(1, uuid(1)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
        expect(await storage.threads.delete(uuid(1), { a: 2 })).toBe(false);
        expect(await storage.threads.delete(uuid(1))).toBe(true);
        expect(await storage.runs.get(uuid(1001))).toBeNull();
        expect(await storage.threads.get(uuid(1))).toBeNull();
        expect(await storage.threads.delete(uuid(1))).toBe(false);
      });
    });

    describe("runs", () => {
      it("creates atomically: missing thread, create-if-missing, reject when busy; marks the thread busy", async () => {
        expect((await storage.runs.create({ run: run(1, uuid(1)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} })).kind).toBe("thread_missing");
        const created = await storage.runs.create({
          run: run(1, uuid(1)),
          internal: { attempt: 0, auth: { user: { identity: "u" }, permissions: [] } },
          createThreadWith: { owner: "a" },
          threadMetadata: { graph_id: "g" },
          threadConfig: { configurable: { x: 1 } },
        });
        expect(created.kind).toBe("created");
        expect(await storage.threads.get(uuid(1))).toMatchObject({ status: "busy", metadata: { owner: "a", graph_id: "g" }, config: { configurable: { x: 1 } } });
        expect(await storage.runs.getInternal(uuid(1001))).toMatchObject({ attempt: 0, auth: { user: { identity: "u" } } });
        const busy = await storage.runs.create({ run: run(2, uuid(1), { multitask_strategy: "reject" }), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
        expect(busy).toMatchObject({ kind: "busy" });
        const queued = await storage.runs.create({ run: run(3, uuid(1)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
        expect(queued.kind === "created" && queued.inflight.map((r) => r.run_id)).toEqual([uuid(1001)]);
        expect(await storage.runs.get(uuid(1001), uuid(9))).toBeNull();
      });

      it("treats an existing thread the caller's filter hides as missing, even with create-if-missing", async () => {
        await storage.threads.create({ thread_id: uuid(1), metadata: { owner: "a" } }, "raise");
        const input = (n: number, owner: string) => ({
          run: run(n, uuid(1)),
          internal: { attempt: 0 },
          createThreadWith: { owner },
          threadMetadata: {},
          threadConfig: {},
          threadFilter: { owner },
        });
        expect((await storage.runs.create(input(1, "b"))).kind).toBe("thread_missing");
        expect(await storage.runs.get(uuid(1001))).toBeNull();
        expect((await storage.threads.get(uuid(1)))?.status).toBe("idle");
        expect((await storage.runs.create(input(2, "a"))).kind).toBe("created");
      });

      it("applies a filter with object values and $contains to run creation", async () => {
        await storage.threads.create({ thread_id: uuid(1), metadata: { owner: "a", team: { id: 1 }, tags: ["x", { k: 1 }] } }, "raise");
        const input = (n: number, team: number, tag: unknown) => ({
          run: run(n, uuid(1)),
          internal: { attempt: 0 },
          threadMetadata: {},
          threadConfig: {},
          threadFilter: { owner: "a", team: { id: team }, tags: { $contains: [tag] } },
        });
        expect((await storage.runs.create(input(1, 2, { k: 1 }))).kind).toBe("thread_missing");
        expect((await storage.runs.create(input(2, 1, { k: 2 }))).kind).toBe("thread_missing");
        expect((await storage.runs.create(input(3, 1, { k: 1 }))).kind).toBe("created");
        // Fields of another type than the filter's (a string where it names an object) do not match.
        await storage.threads.create({ thread_id: uuid(2), metadata: { owner: "a", team: "t", tags: ["x"] } }, "raise");
        expect((await storage.runs.create({ ...input(4, 1, { k: 1 }), run: run(4, uuid(2)) })).kind).toBe("thread_missing");
        expect((await storage.runs.create({ ...input(5, 1, "x"), run: run(5, uuid(2)), threadFilter: { tags: { $contains: [{ k: 1 }] } } })).kind).toBe("thread_missing");
      });

      it("claims oldest first, one running run per thread, never the same run twice", async () => {
        for (const t of [1, 2]) await storage.threads.create({ thread_id: uuid(t), metadata: {} }, "raise");
        await storage.runs.create({ run: run(1, uuid(1)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
        await storage.runs.create({ run: run(2, uuid(1)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
        await storage.runs.create({ run: run(3, uuid(2)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
        const now = new Date(Date.UTC(2027, 0, 1));
        await storage.assistants.put(assistant(1, { metadata: { owner: "a", nul: "x\u0000y" }, config: { configurable: { k: 1 } } }), "raise");
        const claims = await Promise.all([storage.runs.claimNext("owner-a", now, 60_000), storage.runs.claimNext("owner-a", now, 60_000), storage.runs.claimNext("owner-a", now, 60_000)]);
        // A backend that reads the run's assistant with the claim gives it exactly as a read would.
        for (const c of claims) if (c?.assistant !== undefined) expect(c.assistant).toEqual(await storage.assistants.get(c.assistant_id));
        const ids = claims.filter(Boolean).map((r) => r!.run_id);
        expect(ids.sort()).toEqual([uuid(1001), uuid(1003)]);
        expect(claims.find((c) => c?.run_id === uuid(1001))?.attempt).toBe(1);
        expect(await storage.runs.hasInflight(uuid(1), uuid(1001))).toBe(true);
        await storage.runs.finish({ owner: "owner-a", runId: uuid(1001), threadId: uuid(1), status: "success", thread: { status: "idle", values: { a: 1 } } });
        // Another run is queued on the thread: it stays busy.
        expect((await storage.threads.get(uuid(1)))?.status).toBe("busy");
        expect((await storage.threads.get(uuid(1)))?.values).toEqual({ a: 1 });
        expect((await storage.runs.claimNext("owner-a", now, 60_000))?.run_id).toBe(uuid(1002));
        expect(await storage.runs.claimNext("owner-a", now, 60_000)).toBeNull();
        expect((await storage.runs.listByThread(uuid(1), { limit: 10, offset: 0 })).map((r) => r.run_id)).toEqual([uuid(1002), uuid(1001)]);
        expect((await storage.runs.listByThread(uuid(1), { limit: 10, offset: 0, status: "success" })).map((r) => r.run_id)).toEqual([uuid(1001)]);
      });

      it("finishes a run: its status, then the thread's state (idle once nothing else is queued) or the thread's deletion", async () => {
        for (const t of [1, 2]) await storage.threads.create({ thread_id: uuid(t), metadata: {} }, "raise");
        await storage.runs.create({ run: run(1, uuid(1)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
        await storage.runs.create({ run: run(2, uuid(2)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
        await storage.runs.claimNext("owner-a", new Date(Date.UTC(2027, 0, 1)), 60_000);
        await storage.runs.claimNext("owner-a", new Date(Date.UTC(2027, 0, 1)), 60_000);
        await storage.runs.finish({ owner: "owner-a", runId: uuid(1001), threadId: uuid(1), status: "error", thread: { status: "error", values: { b: 2 }, interrupts: {} } });
        expect((await storage.runs.get(uuid(1001)))?.status).toBe("error");
        expect(await storage.threads.get(uuid(1))).toMatchObject({ status: "error", values: { b: 2 }, interrupts: {} });
        await storage.runs.finish({ owner: "owner-a", runId: uuid(1002), threadId: uuid(2), status: "success", thread: "delete" });
        expect(await storage.threads.get(uuid(2))).toBeNull();
        expect(await storage.runs.get(uuid(1002))).toBeNull();
        // A run deleted meanwhile (its thread deleted) is not recorded, and that is fine.
        await expect(storage.runs.finish({ owner: "owner-a", runId: uuid(1002), threadId: uuid(2), status: "success", thread: { status: "idle" } })).resolves.toBe(false);
      });

      it("does not claim a run before it is due; requeues running runs after a crash", async () => {
        await storage.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
        const later = new Date(Date.UTC(2030, 0, 1)).toISOString();
        await storage.runs.create({ run: run(1, uuid(1), { created_at: later, updated_at: later }), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
        expect(await storage.runs.claimNext("owner-a", new Date(Date.UTC(2029, 0, 1)), 60_000)).toBeNull();
        expect((await storage.runs.nextDueAt())?.toISOString()).toBe(later);
        const claimed = await storage.runs.claimNext("owner-a", new Date(Date.UTC(2031, 0, 1)), 60_000);
        expect(claimed?.status).toBe("running");
        expect(await storage.runs.requeueRunning()).toEqual([uuid(1001)]);
        expect((await storage.runs.get(uuid(1001)))?.status).toBe("pending");
        expect((await storage.runs.claimNext("owner-a", new Date(Date.UTC(2031, 0, 1)), 60_000))?.attempt).toBe(2);
        expect(await storage.runs.delete(uuid(1001))).toBe(true);
        expect(await storage.runs.delete(uuid(1001))).toBe(false);
      });
    });

    describe("store", () => {
      it("puts, gets, overwrites and deletes; namespaces are exact", async () => {
        await storage.store.put(["a", "b"], "k", { v: 1 });
        expect(await storage.store.get(["a", "b"], "k")).toMatchObject({ namespace: ["a", "b"], key: "k", value: { v: 1 } });
        expect(await storage.store.get(["a"], "k")).toBeNull();
        expect(await storage.store.get(["a", "bb"], "k")).toBeNull();
        await storage.store.put(["a", "b"], "k", { v: 2 });
        expect((await storage.store.get(["a", "b"], "k"))?.value).toEqual({ v: 2 });
        expect(await storage.store.delete(["a", "b"], "k")).toBe(true);
        expect(await storage.store.delete(["a", "b"], "k")).toBe(false);
      });

      it("searches by label prefix (not string prefix), value filters and authorization filters", async () => {
        await storage.store.put(["u", "ann"], "1", { topic: "x", n: 1 });
        await storage.store.put(["u", "ann"], "2", { topic: "y", n: 2 });
        await storage.store.put(["u", "annie"], "3", { topic: "x", n: 3 });
        expect((await storage.store.search(["u", "ann"], { limit: 10, offset: 0 })).map((i) => i.key).sort()).toEqual(["1", "2"]);
        expect((await storage.store.search(["u"], { filter: { topic: "x" }, limit: 10, offset: 0 })).map((i) => i.key).sort()).toEqual(["1", "3"]);
        expect((await storage.store.search(["u"], { filter: { n: { $gt: 1, $lt: 3 } }, limit: 10, offset: 0 })).map((i) => i.key)).toEqual(["2"]);
        expect((await storage.store.search([], { authFilter: { namespace: { $contains: "annie" } }, limit: 10, offset: 0 })).map((i) => i.key)).toEqual(["3"]);
        expect(await storage.store.listNamespaces({ limit: 10, offset: 0, authFilter: { key: "3" } })).toEqual([["u", "annie"]]);
        expect(await storage.store.listNamespaces({ prefix: ["u", "*"], suffix: ["ann"], limit: 10, offset: 0 })).toEqual([["u", "ann"]]);
      });

      it("takes any label but an empty one or a dot, and cuts listed namespaces at maxDepth", async () => {
        await storage.store.put(["user_1", "a%b"], "k", { v: 1 });
        await storage.store.put(["user11", "aXb"], "k", { v: 2 });
        await storage.store.put(["x:y", "z"], "k", { v: 3 });
        expect((await storage.store.search(["user_1"], { limit: 10, offset: 0 })).map((i) => i.value.v)).toEqual([1]);
        expect((await storage.store.search(["user_1", "a%b"], { limit: 10, offset: 0 })).map((i) => i.value.v)).toEqual([1]);
        expect((await storage.store.search(["x:y"], { limit: 10, offset: 0 })).map((i) => i.value.v)).toEqual([3]);
        expect(await storage.store.listNamespaces({ maxDepth: 1, limit: 10, offset: 0 })).toEqual([["user11"], ["user_1"], ["x:y"]]);
        expect(await storage.store.listNamespaces({ prefix: ["user_1"], limit: 10, offset: 0 })).toEqual([["user_1", "a%b"]]);
      });

      it("hides expired items and sweeps them", async () => {
        await storage.store.put(["t"], "gone", { v: 1 }, { ttlMinutes: 0.0001 });
        await storage.store.put(["t"], "kept", { v: 1 });
        await new Promise((r) => setTimeout(r, 20));
        expect(await storage.store.get(["t"], "gone")).toBeNull();
        expect(await storage.store.sweepExpired()).toBe(1);
        expect((await storage.store.search(["t"], { limit: 10, offset: 0 })).map((i) => i.key)).toEqual(["kept"]);
      });

      it("serves the same data as a LangGraph BaseStore", async () => {
        await storage.store.langgraph.put(["g"], "k", { from: "graph" });
        expect((await storage.store.get(["g"], "k"))?.value).toEqual({ from: "graph" });
        await storage.store.put(["g"], "h", { from: "http" });
        expect((await storage.store.langgraph.get(["g"], "h"))?.value).toEqual({ from: "http" });
        expect((await storage.store.langgraph.search(["g"])).map((i) => i.key).sort()).toEqual(["h", "k"]);
        expect(await storage.store.langgraph.listNamespaces({})).toEqual([["g"]]);
        await storage.store.langgraph.delete(["g"], "k");
        expect(await storage.store.get(["g"], "k")).toBeNull();
      });
    });

    describeThreadLifecycleContract(() => storage, uuid);
    describeCheckpointContract(() => storage, uuid);
    describeCronContract(() => storage, uuid);
    describeConcurrencyContract(() => storage, uuid, run);
    describeLeaseContract(() => storage, uuid, run);

    it("truncates what it is asked to", async () => {
      await storage.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      await storage.runs.create({ run: run(1, uuid(1)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
      await storage.truncate({ runs: true, threads: false, assistants: false, checkpointer: false, store: false });
      expect(await storage.runs.get(uuid(1001))).toBeNull();
      expect(await storage.threads.get(uuid(1))).not.toBeNull();
      await storage.truncate({ runs: false, threads: true, assistants: false, checkpointer: false, store: false });
      expect(await storage.threads.get(uuid(1))).toBeNull();
    });
  });
}
