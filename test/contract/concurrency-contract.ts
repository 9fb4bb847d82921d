/**
 * The storage contract, part 4: races a backend shared by several server instances must win —
 * concurrent run creations on one thread, concurrent claims.
 */
import { describe, expect, it } from "vitest";
import type { Run, Storage } from "../../src/storage/types.js";

export function describeConcurrencyContract(storage: () => Storage, uuid: (n: number) => string, run: (n: number, threadId: string, overrides?: Partial<Run>) => Run): void {
  describe("concurrency", () => {
    it("accepts exactly one of many concurrent `reject` runs on one thread", async () => {
      const s = storage();
      await s.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          s.runs.create({ run: run(i, uuid(1), { multitask_strategy: "reject" }), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} }),
        ),
      );
      expect(results.filter((r) => r.kind === "created")).toHaveLength(1);
      expect(results.filter((r) => r.kind === "busy")).toHaveLength(49);
      expect(await s.runs.listByThread(uuid(1), { limit: 100, offset: 0 })).toHaveLength(1);
    });

    it("claims each run once and at most one run per thread, however many claim at once", async () => {
      const s = storage();
      for (let t = 1; t <= 5; t++) {
        await s.threads.create({ thread_id: uuid(t), metadata: {} }, "raise");
        for (let r = 0; r < 3; r++) {
          await s.runs.create({ run: run(t * 10 + r, uuid(t)), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });
        }
      }
      const now = new Date(Date.UTC(2027, 0, 1));
      const claimed = (await Promise.all(Array.from({ length: 20 }, () => s.runs.claimNext("owner-a", now, 60_000)))).filter((r) => r !== null);
      expect(claimed).toHaveLength(5);
      expect(new Set(claimed.map((r) => r.thread_id)).size).toBe(5);
      // The oldest run of each thread.
      expect(claimed.map((r) => r.run_id).sort()).toEqual([1, 2, 3, 4, 5].map((t) => uuid(1000 + t * 10)));
      expect(await s.runs.listByStatus("running")).toHaveLength(5);
    });
  });
}
