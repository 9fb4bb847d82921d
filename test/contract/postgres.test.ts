import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStorage } from "../../src/storage/postgres/index.js";
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
