import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStorage } from "../../src/storage/postgres/index.js";
import type { PgSignals } from "../../src/storage/postgres/notifications.js";
import type { Run } from "../../src/storage/types.js";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.js";
import { waitFor } from "../helpers/server.js";
import { describeStorageContract } from "./storage-contract.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("contract");
});
afterAll(async () => {
  await db?.drop();
});

describeStorageContract("postgres", async () => {
  await db.reset();
  return openPostgresStorage(db.url, { poolSize: 5 });
});

describe("postgres signals between instances", () => {
  it("delivers a notification to the other instance, and reports a lost listening connection once it is back", async () => {
    await db.reset();
    const [a, b] = await Promise.all([openPostgresStorage(db.url, { poolSize: 2 }), openPostgresStorage(db.url, { poolSize: 2 })]);
    try {
      const got: string[] = [];
      b.signals.subscribe("cancel", (payload) => got.push(payload));
      let reconnects = 0;
      b.signals.onReconnect(() => reconnects++);
      // Published until the listener is up (LISTEN happens in the background).
      await waitFor(async () => {
        await a.signals.publish("cancel", "run-1 interrupt");
        return got.includes("run-1 interrupt");
      });
      // The database drops the listening connection: it comes back, and says so.
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'agent-server listener' AND datname = $1`, [db.name]);
      } finally {
        await admin.end();
      }
      await waitFor(async () => reconnects > 0);
      expect(reconnects).toBe(1);
      got.length = 0;
      await waitFor(async () => {
        await a.signals.publish("cancel", "run-2 rollback");
        return got.includes("run-2 rollback");
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("postgres run outcomes", () => {
  it("signal the run's end to readers everywhere, and queued work to claimers only when a run waits on the thread", async () => {
    await db.reset();
    const [a, b] = await Promise.all([openPostgresStorage(db.url, { poolSize: 2 }), openPostgresStorage(db.url, { poolSize: 2 })]);
    const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
    const run = (n: number) => {
      const at = new Date(Date.UTC(2027, 0, 1, 0, 0, n)).toISOString();
      return { run_id: id(1000 + n), thread_id: id(1), assistant_id: id(9), status: "pending" as const, metadata: {}, kwargs: {} as Run["kwargs"], multitask_strategy: "enqueue" as const, created_at: at, updated_at: at };
    };
    try {
      const ended: string[] = [];
      let claimable = 0;
      b.signals.subscribe("events", (payload) => ended.push(payload));
      b.signals.subscribe("runs", () => claimable++);
      await (b.signals as PgSignals).ready();
      await a.threads.create({ thread_id: id(1), metadata: {} }, "raise");
      for (const n of [1, 2]) await a.runs.create({ run: run(n), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
      await waitFor(async () => claimable === 2); // one per creation
      const now = new Date(Date.UTC(2027, 0, 1, 0, 1));
      expect(await a.runs.claimNext("a", now, 60_000)).toMatchObject({ run_id: id(1001) });
      expect(await a.runs.finish({ runId: id(1001), threadId: id(1), owner: "a", status: "success", thread: { status: "idle", values: { n: 1 } } })).toBe(true);
      // Run 2 waits on the thread: it stays busy, and claimers are told.
      await waitFor(async () => ended.includes(id(1001)) && claimable === 3);
      expect(await a.threads.get(id(1))).toMatchObject({ status: "busy", values: { n: 1 } });
      expect(await a.runs.claimNext("a", now, 60_000)).toMatchObject({ run_id: id(1002) });
      expect(await a.runs.finish({ runId: id(1002), threadId: id(1), owner: "a", status: "success", thread: { status: "idle", values: { n: 2 } } })).toBe(true);
      await waitFor(async () => ended.includes(id(1002)));
      expect(await a.threads.get(id(1))).toMatchObject({ status: "idle", values: { n: 2 } });
      // Nothing waits any more: no wake-up for claimers (a `cancel` sent after the finish arrives
      // after anything the finish sent, on the one listening connection).
      const marker: string[] = [];
      b.signals.subscribe("cancel", (payload) => marker.push(payload));
      await waitFor(async () => {
        await a.signals.publish("cancel", "marker");
        return marker.length > 0;
      });
      expect(claimable).toBe(3);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("postgres claims", () => {
  it("never take a thread's second run while another claimer holds its first", async () => {
    await db.reset();
    const storage = await openPostgresStorage(db.url, { poolSize: 2 });
    const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
    const run = (n: number) => {
      const at = new Date(Date.UTC(2027, 0, 1, 0, 0, n)).toISOString();
      return { run_id: id(1000 + n), thread_id: id(1), assistant_id: id(9), status: "pending" as const, metadata: {}, kwargs: {} as Run["kwargs"], multitask_strategy: "enqueue" as const, created_at: at, updated_at: at };
    };
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await storage.threads.create({ thread_id: id(1), metadata: {} }, "raise");
      for (const n of [1, 2]) await storage.runs.create({ run: run(n), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
      // Another instance's claim is under way: it holds the first run's row, not yet committed.
      await other.query("BEGIN");
      await other.query("SELECT 1 FROM runs WHERE run_id = $1 FOR UPDATE", [id(1001)]);
      expect(await storage.runs.claimNext("b", new Date(Date.UTC(2027, 0, 1, 0, 1)), 60_000)).toBeNull();
      await other.query("ROLLBACK");
      expect(await storage.runs.claimNext("b", new Date(Date.UTC(2027, 0, 1, 0, 1)), 60_000)).toMatchObject({ run_id: id(1001) });
    } finally {
      await other.end();
      await storage.close();
    }
  });
});

/** The task ids of a thread's checkpoint writes, as the database holds them (read on a connection of its own). */
async function writtenTasks(threadId: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ task_id: string }>("SELECT task_id FROM checkpoint_writes WHERE thread_id = $1 ORDER BY task_id", [threadId]);
    return rows.map((r) => r.task_id);
  } finally {
    await client.end();
  }
}

describe("postgres checkpoint batches", () => {
  it("fail only the save Postgres refuses; the others in its batch are written", async () => {
    await db.reset();
    const storage = await openPostgresStorage(db.url, { poolSize: 2 });
    const at = (task: string) => ({ configurable: { thread_id: "batch-thread", checkpoint_ns: "", checkpoint_id: "c1", task } });
    try {
      // The first save goes at once; the next three wait for it and share the next batch.
      const saves = [
        storage.checkpointer.putWrites(at("a"), [["x", 1]], "task-a"),
        storage.checkpointer.putWrites(at("b"), [["x", 2]], "task-b"),
        storage.checkpointer.putWrites(at("c"), [["bad\u0000channel", 3]], "task-c"),
        storage.checkpointer.putWrites(at("d"), [["x", 4]], "task-d"),
      ];
      const outcomes = await Promise.allSettled(saves);
      expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
      expect(await writtenTasks("batch-thread")).toEqual(["task-a", "task-b", "task-d"]);
    } finally {
      await storage.close();
    }
  });
});

describe("postgres checkpoint deletes", () => {
  it("wait for the saves still queued, so none lands after them", async () => {
    await db.reset();
    const storage = await openPostgresStorage(db.url, { poolSize: 4 });
    const at = { configurable: { thread_id: "deleted-thread", checkpoint_ns: "", checkpoint_id: "c1" } };
    try {
      // The first save goes at once, the others queue behind it; the delete is asked for meanwhile.
      const saves = Array.from({ length: 6 }, (_, i) => storage.checkpointer.putWrites(at, [["x", i]], `task-${i}`));
      await storage.deleteCheckpointsAfter("deleted-thread", null);
      await Promise.all(saves);
      expect(await writtenTasks("deleted-thread")).toEqual([]);
    } finally {
      await storage.close();
    }
  });
});

describe("postgres prepared statements", () => {
  it("keep working when another instance's migration changes a table under them", async () => {
    await db.reset();
    const storage = await openPostgresStorage(db.url, { poolSize: 1 });
    try {
      await storage.threads.create({ thread_id: "00000000-0000-4000-8000-000000000001", metadata: {} }, "raise");
      await storage.runs.listByThread("00000000-0000-4000-8000-000000000001", { limit: 1, offset: 0 }); // prepared: SELECT * FROM runs …
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        await admin.query("ALTER TABLE runs ADD COLUMN added_by_a_newer_version text");
        expect(await storage.runs.listByThread("00000000-0000-4000-8000-000000000001", { limit: 1, offset: 0 })).toEqual([]);
      } finally {
        await admin.query("ALTER TABLE runs DROP COLUMN added_by_a_newer_version");
        await admin.end();
      }
    } finally {
      await storage.close();
    }
  });
});
