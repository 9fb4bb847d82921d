/** The storage contract, part 3: crons — records, search, and the compare-and-set that fires a slot once. */
import { describe, expect, it } from "vitest";
import type { Cron, Storage } from "../../src/storage/types.js";

export function describeCronContract(storage: () => Storage, uuid: (n: number) => string): void {
  const cron = (n: number, overrides: Partial<Cron> = {}): Cron => {
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
    return {
      cron_id: uuid(500 + n),
      assistant_id: uuid(1),
      thread_id: null,
      schedule: "*/5 * * * *",
      timezone: null,
      payload: { input: { n } },
      metadata: { n, owner: n % 2 ? "a" : "b" },
      end_time: null,
      on_run_completed: "delete",
      user_id: "u",
      enabled: true,
      next_run_date: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
      created_at: at,
      updated_at: at,
      ...overrides,
    };
  };

  describe("crons", () => {
    it("creates, reads with filters, keeps the creator's auth, updates with merged metadata, deletes", async () => {
      const s = storage();
      const created = await s.crons.create(cron(1), { user: { identity: "u" }, permissions: ["p"] });
      expect(created).toMatchObject({ cron_id: uuid(501), payload: { input: { n: 1 } }, enabled: true, thread_id: null });
      expect(await s.crons.get(uuid(501), { owner: "b" })).toBeNull();
      expect(await s.crons.get(uuid(501), { owner: "a" })).toEqual(created);
      expect(await s.crons.getAuth(uuid(501))).toEqual({ user: { identity: "u" }, permissions: ["p"] });
      const updated = await s.crons.update(uuid(501), { enabled: false, metadata: { extra: true } });
      expect(updated).toMatchObject({ enabled: false, metadata: { n: 1, owner: "a", extra: true } });
      expect(await s.crons.update(uuid(501), { enabled: true }, { owner: "b" })).toBeNull();
      expect(await s.crons.delete(uuid(501), { owner: "b" })).toBe(false);
      expect(await s.crons.delete(uuid(501))).toBe(true);
      expect(await s.crons.get(uuid(501))).toBeNull();
    });

    it("searches and counts by assistant, thread, enabled and metadata; sorts and pages", async () => {
      const s = storage();
      for (let i = 1; i <= 4; i++) await s.crons.create(cron(i, { enabled: i !== 4, thread_id: i === 2 ? uuid(9) : null }), null);
      expect((await s.crons.search({ limit: 10, offset: 0 })).items.map((c) => c.metadata.n)).toEqual([4, 3, 2, 1]);
      expect((await s.crons.search({ limit: 2, offset: 1, sortBy: "next_run_date", sortOrder: "asc" })).items.map((c) => c.metadata.n)).toEqual([2, 3]);
      expect((await s.crons.search({ threadId: uuid(9), limit: 10, offset: 0 })).total).toBe(1);
      expect(await s.crons.count({ enabled: false })).toBe(1);
      expect(await s.crons.count({ filter: { owner: "a" } })).toBe(2);
      expect(await s.crons.count({ assistantId: uuid(2) })).toBe(0);
    });

    it("lists due crons and moves each slot on once (compare-and-set)", async () => {
      const s = storage();
      await s.crons.create(cron(1), null);
      await s.crons.create(cron(2, { enabled: false }), null);
      await s.crons.create(cron(30), null);
      const now = new Date(Date.UTC(2026, 0, 1, 0, 10));
      const due = await s.crons.due(now);
      expect(due.map((c) => c.cron_id)).toEqual([uuid(501)]);
      expect((await s.crons.nextDueAt())?.toISOString()).toBe(due[0]!.next_run_date);
      const slot = due[0]!.next_run_date!;
      const next = new Date(Date.UTC(2026, 0, 1, 0, 15)).toISOString();
      const wins = await Promise.all(Array.from({ length: 10 }, () => s.crons.advance(uuid(501), slot, next)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await s.crons.get(uuid(501)))?.next_run_date).toBe(next);
      expect(await s.crons.due(now)).toEqual([]);
    });
  });
}
