import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStorage } from "../../src/storage/sqlite/index.js";
import { describeStorageContract } from "./storage-contract.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "agent-server-contract-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStorageContract("sqlite (in memory)", () => openSqliteStorage(":memory:"));
describeStorageContract("sqlite (file)", () => openSqliteStorage(path.join(dir, `db-${n++}.sqlite`)));

describe("sqlite group commit", () => {
  it("commits concurrent writes together, rolls back only the one that fails, and answers only once committed", async () => {
    const file = path.join(dir, "group.sqlite");
    const storage = openSqliteStorage(file);
    try {
      const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
      // Issued in one turn of the event loop: one group. The run whose kwargs cannot be stored
      // fails after its thread was inserted: that insert is rolled back, and nothing else.
      const now = new Date().toISOString();
      const unstorable = {
        run_id: id(9),
        thread_id: id(3),
        assistant_id: id(8),
        status: "pending" as const,
        metadata: {},
        kwargs: { config: {}, stream_mode: [], temporary: false, subgraphs: false, resumable: false, input: { big: 1n } },
        multitask_strategy: "enqueue" as const,
        created_at: now,
        updated_at: now,
      };
      const outcomes = await Promise.allSettled([
        storage.threads.create({ thread_id: id(1), metadata: { n: 1 } }, "raise"),
        storage.runs.create({ run: unstorable, internal: { attempt: 0 }, createThreadWith: { n: 2 }, threadMetadata: {}, threadConfig: {} }),
        storage.threads.create({ thread_id: id(2), metadata: { n: 3 } }, "raise"),
        storage.store.put(["ns"], "k", { v: 1 }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
      // Another connection sees exactly what was acknowledged: it is committed.
      const other = new Database(file, { readonly: true });
      try {
        const rows = other.prepare("SELECT thread_id, metadata FROM threads ORDER BY thread_id").all() as Array<{ thread_id: string; metadata: string }>;
        expect(rows).toEqual([
          { thread_id: id(1), metadata: JSON.stringify({ n: 1 }) },
          { thread_id: id(2), metadata: JSON.stringify({ n: 3 }) },
        ]);
        expect(other.prepare("SELECT count(*) AS n FROM store_items").get()).toEqual({ n: 1 });
      } finally {
        other.close();
      }
    } finally {
      await storage.close();
    }
  });
});
