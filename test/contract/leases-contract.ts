/**
 * The storage contract, part 5: the lease model several instances share — take-over of a silent
 * owner's run, renewal, fenced outcomes, release, cancels recorded for the owner — and periodic
 * tasks, and (on backends that have them) shared run events.
 */
import { describe, expect, it } from "vitest";
import type { Run, Storage } from "../../src/storage/types.js";

export function describeLeaseContract(storage: () => Storage, uuid: (n: number) => string, run: (n: number, threadId: string, overrides?: Partial<Run>) => Run): void {
  const at = (seconds: number) => new Date(Date.UTC(2027, 0, 1, 0, 0, seconds));
  const create = (s: Storage, n: number, threadId: string) =>
    s.runs.create({ run: run(n, threadId), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {} });

  describe("leases", () => {
    it("lets another owner take a run over only once its lease expired, and fences the old owner's outcome", async () => {
      const s = storage();
      await s.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      await create(s, 1, uuid(1));
      expect(await s.runs.claimNext("a", at(0), 10_000)).toMatchObject({ run_id: uuid(1001), attempt: 1, cancel: null });
      // Still a's: b finds nothing to claim, and a renews.
      expect(await s.runs.claimNext("b", at(5), 10_000)).toBeNull();
      expect(await s.runs.renewLeases("a", [uuid(1001), uuid(1999)], at(5), 10_000)).toEqual([{ runId: uuid(1001), cancel: null }]);
      expect(await s.runs.claimNext("b", at(12), 10_000)).toBeNull();
      // a went silent: at 16 its lease (renewed at 5 for 10 s) has expired.
      expect(await s.runs.claimNext("b", at(16), 10_000)).toMatchObject({ run_id: uuid(1001), attempt: 2, status: "running" });
      expect(await s.runs.renewLeases("a", [uuid(1001)], at(17), 10_000)).toEqual([]);
      const outcome = { runId: uuid(1001), threadId: uuid(1), status: "success" as const, thread: { status: "idle" as const, values: { by: "a" } } };
      expect(await s.runs.finish({ ...outcome, owner: "a" })).toBe(false);
      expect(await s.threads.get(uuid(1))).toMatchObject({ status: "busy" });
      expect(await s.runs.finish({ ...outcome, owner: "b", thread: { status: "idle", values: { by: "b" } } })).toBe(true);
      expect(await s.threads.get(uuid(1))).toMatchObject({ status: "idle", values: { by: "b" } });
      expect((await s.runs.get(uuid(1001)))?.status).toBe("success");
    });

    it("claims a run as it is created when it can start at once, under a lease like a claim's; a run that must wait stays pending", async () => {
      const s = storage();
      await s.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      const claimFor = { owner: "a", now: at(0), leaseMs: 10_000 };
      const first = await s.runs.create({ run: run(1, uuid(1), { created_at: at(0).toISOString() }), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {}, claimFor });
      expect(first).toMatchObject({ kind: "created", claimed: { run_id: uuid(1001), status: "running", attempt: 1, cancel: null } });
      expect((await s.runs.get(uuid(1001)))?.status).toBe("running");
      expect(await s.runs.claimNext("b", at(1), 10_000)).toBeNull();
      expect(await s.runs.renewLeases("a", [uuid(1001)], at(1), 10_000)).toEqual([{ runId: uuid(1001), cancel: null }]);
      // Behind a run in flight on its thread: pending, for a claim once the thread is free.
      const second = await s.runs.create({ run: run(2, uuid(1), { created_at: at(1).toISOString() }), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {}, claimFor: { ...claimFor, now: at(1) } });
      expect(second).toMatchObject({ kind: "created" });
      expect(second.kind === "created" && second.claimed).toBeFalsy();
      expect((await s.runs.get(uuid(1002)))?.status).toBe("pending");
      // Due later (after_seconds): pending too.
      await s.threads.create({ thread_id: uuid(2), metadata: {} }, "raise");
      const later = await s.runs.create({ run: run(3, uuid(2), { created_at: at(30).toISOString() }), internal: { attempt: 0 }, threadMetadata: {}, threadConfig: {}, claimFor: { ...claimFor, now: at(1) } });
      expect(later.kind === "created" && later.claimed).toBeFalsy();
      // A stateless run's new thread: claimed.
      const stateless = await s.runs.create({
        run: run(4, uuid(3), { created_at: at(2).toISOString() }),
        internal: { attempt: 0 },
        createThreadWith: {},
        threadMetadata: {},
        threadConfig: {},
        claimFor: { ...claimFor, now: at(2) },
      });
      expect(stateless).toMatchObject({ kind: "created", claimed: { run_id: uuid(1004), attempt: 1 } });
      // The first run's owner went silent: its lease (renewed at 1 for 10 s) expires, and it is taken over.
      expect(await s.runs.claimNext("b", at(12), 10_000)).toMatchObject({ run_id: uuid(1001), attempt: 2 });
    });

    it("deletes a rolled-back run only for its owner; releases runs back to the queue", async () => {
      const s = storage();
      for (const t of [1, 2]) await s.threads.create({ thread_id: uuid(t), metadata: {} }, "raise");
      await create(s, 1, uuid(1));
      await create(s, 2, uuid(2));
      await s.runs.claimNext("a", at(0), 60_000);
      await s.runs.claimNext("a", at(0), 60_000);
      const deleted = { runId: uuid(1001), threadId: uuid(1), status: "deleted" as const, thread: { status: "idle" as const } };
      expect(await s.runs.finish({ ...deleted, owner: "b" })).toBe(false);
      expect(await s.runs.finish({ ...deleted, owner: "a" })).toBe(true);
      expect(await s.runs.get(uuid(1001))).toBeNull();
      expect(await s.runs.release("b", [uuid(1002)])).toEqual([]);
      expect(await s.runs.release("a", [uuid(1002)])).toEqual([uuid(1002)]);
      expect((await s.runs.get(uuid(1002)))?.status).toBe("pending");
      // Released runs are claimed at once by anyone, as the next attempt.
      expect(await s.runs.claimNext("b", at(1), 60_000)).toMatchObject({ run_id: uuid(1002), attempt: 2 });
    });

    it("records a cancel for a running run's owner, and cancels a pending run (settling its thread)", async () => {
      const s = storage();
      await s.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      await create(s, 1, uuid(1));
      await create(s, 2, uuid(1));
      expect(await s.runs.requestCancel(uuid(1001), "rollback")).toBe(false); // not running yet
      await s.runs.claimNext("a", at(0), 60_000);
      expect(await s.runs.cancelPending(uuid(1001), "interrupted")).toBe(false);
      expect(await s.runs.requestCancel(uuid(1001), "rollback")).toBe(true);
      expect(await s.runs.renewLeases("a", [uuid(1001)], at(1), 60_000)).toEqual([{ runId: uuid(1001), cancel: "rollback" }]);
      // A take-over inherits the request.
      expect(await s.runs.claimNext("b", at(120), 60_000)).toMatchObject({ run_id: uuid(1001), cancel: "rollback" });
      expect(await s.runs.cancelPending(uuid(1002), "delete")).toBe(true);
      expect(await s.runs.get(uuid(1002))).toBeNull();
      expect((await s.threads.get(uuid(1)))?.status).toBe("busy"); // 1001 still running
      await s.runs.finish({ runId: uuid(1001), threadId: uuid(1), owner: "b", status: "interrupted", thread: { status: "idle" } });
      await create(s, 3, uuid(1));
      expect(await s.runs.cancelPending(uuid(1003), "interrupted")).toBe(true);
      expect(await s.threads.get(uuid(1))).toMatchObject({ status: "idle" });
      expect((await s.runs.get(uuid(1003)))?.status).toBe("interrupted");
    });

    it("gives a periodic task to one caller per interval", async () => {
      const s = storage();
      const claims = await Promise.all(Array.from({ length: 5 }, () => s.claimPeriodicTask("sweep", at(0), 60_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await s.claimPeriodicTask("sweep", at(59), 60_000)).toBe(false);
      expect(await s.claimPeriodicTask("other", at(59), 60_000)).toBe(true);
      expect(await s.claimPeriodicTask("sweep", at(60), 60_000)).toBe(true);
    });

    it("shares run events, in order, continuing across appends (backends several instances share)", async () => {
      const s = storage();
      if (!s.events) return expect(s.exclusive).toBe(true);
      await s.threads.create({ thread_id: uuid(1), metadata: {} }, "raise");
      await create(s, 1, uuid(1));
      expect(await s.events.lastId(uuid(1001))).toBe(-1);
      await s.events.append(uuid(1001), [0, 1, 2].map((id) => ({ id, event: "values", data: JSON.stringify({ id, nul: "a\u0000" }) })));
      await s.events.append(uuid(1001), [{ id: 3, event: "end", data: "null" }]);
      expect(await s.events.lastId(uuid(1001))).toBe(3);
      expect((await s.events.after(uuid(1001), 0, 2)).map((e) => e.id)).toEqual([1, 2]);
      expect(JSON.parse((await s.events.after(uuid(1001), 1, 1))[0]!.data)).toEqual({ id: 2, nul: "a\u0000" });
      // Events outlive their run (readers of a stateless run read them after it is deleted),
      // until swept: never while the run is in flight.
      expect(await s.events.sweep(new Date(Date.now() + 60_000))).toBe(0);
      await s.runs.delete(uuid(1001));
      expect(await s.events.after(uuid(1001), 2, 10)).toHaveLength(1);
      expect(await s.events.sweep(new Date(Date.now() - 60_000))).toBe(0); // too recent
      expect(await s.events.sweep(new Date(Date.now() + 60_000))).toBe(4);
      expect(await s.events.after(uuid(1001), -1, 10)).toEqual([]);
    });
  });
}
