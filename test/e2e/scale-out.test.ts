/**
 * Two `agent-server serve` processes on one PostgreSQL database, as behind a load balancer: any
 * instance answers for a run executing on the other — its stream (live, in order, same ids,
 * Last-Event-ID), /wait, /join and cancel — the reject strategy holds across them, a cron slot
 * fires once, and when the executing instance is killed (SIGKILL) the other resumes its run from
 * the last checkpoint once the lease expires.
 */
import type { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runCli, startDev, type DevProcess } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.js";
import { fixture, REPO_ROOT, sdkClient, waitFor } from "../helpers/server.js";

const LEASE_SECONDS = 2;
let db: TestDatabase;
const instances: DevProcess[] = [];

function serve(): Promise<DevProcess> {
  const args = [BIN, "serve", "--config", fixture("scale-out"), "--host", "127.0.0.1", "--port", "0", "--database-url", db.url];
  args.push("--lease-seconds", String(LEASE_SECONDS), "--workers", "4", "--shutdown-grace", "0");
  return startDev(process.execPath, args, { cwd: REPO_ROOT, env: { LOG_LEVEL: "info" }, timeoutMs: 60_000 });
}

interface Part {
  id?: string;
  event: string;
  data: unknown;
}

async function collect(stream: AsyncIterable<Part>): Promise<Part[]> {
  const parts: Part[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** The pid in the first custom event of a run: the process executing it. */
async function executorOf(client: Client, threadId: string, runId: string): Promise<number> {
  for await (const part of client.runs.joinStream(threadId, runId, { lastEventId: "-1" }) as AsyncIterable<Part>) {
    if (part.event === "custom") return (part.data as { pid: number }).pid;
  }
  throw new Error(`run ${runId} ended without a custom event`);
}

beforeAll(async () => {
  db = await createTestDatabase("scaleout");
  // The schema first, as a deployment would (serve would also do it, under the same lock).
  const migrated = await runCli(["migrate", "--database-url", db.url]);
  expect(migrated.stdout).toMatch(/applied migrations 1, 2/);
  instances.push(...(await Promise.all([serve(), serve()])));
}, 120_000);

afterAll(async () => {
  await Promise.all(instances.map((i) => (i.child.exitCode === null && i.child.signalCode === null ? i.stop("SIGTERM") : undefined)));
  await db?.drop();
});

describe("two instances on one PostgreSQL database", () => {
  const clients = () => instances.map((i) => sdkClient(i.url));

  it("serves what one instance wrote from the other at once", async () => {
    const [a, b] = clients() as [Client, Client];
    const thread = await a.threads.create({ metadata: { owner: "scale-out" } });
    expect((await b.threads.get(thread.thread_id)).metadata).toMatchObject({ owner: "scale-out" });
    expect(await b.threads.count({ metadata: { owner: "scale-out" } })).toBe(1);
    await b.store.putItem(["shared"], "k", { from: "b" });
    expect((await a.store.getItem(["shared"], "k"))?.value).toEqual({ from: "b" });
  });

  it("streams a run to readers on both instances: every event, in order, same ids, and replays from Last-Event-ID", async () => {
    const [a, b] = clients() as [Client, Client];
    const thread = await a.threads.create();
    const run = await a.runs.create(thread.thread_id, "ticker", { input: { count: 150, interval_ms: 5 }, streamMode: ["custom", "values"] });
    const [onA, onB] = await Promise.all([a, b].map((c) => collect(c.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "-1" }) as AsyncIterable<Part>)));
    const ticks = (parts: Part[]) => parts.filter((p) => p.event === "custom").map((p) => (p.data as { i: number }).i);
    expect(ticks(onA)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    // The reader on the other instance saw exactly the same stream, ids included.
    expect(onB.map((p) => [p.id, p.event])).toEqual(onA.map((p) => [p.id, p.event]));
    expect(onA.map((p) => Number(p.id))).toEqual(onA.map((_, i) => i));
    const executor = (onA.find((p) => p.event === "custom")!.data as { pid: number }).pid;
    const remote = [a, b][instances.findIndex((i) => i.child.pid === executor) === 0 ? 1 : 0]!;
    const resumed = await collect(remote.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "100" }) as AsyncIterable<Part>);
    expect(resumed.map((p) => p.id)).toEqual(onA.slice(101).map((p) => p.id));
  });

  it("answers /join and /wait on one instance for a run executing on the other", async () => {
    const [a, b] = clients() as [Client, Client];
    const thread = await a.threads.create();
    const run = await a.runs.create(thread.thread_id, "ticker", { input: { count: 20, interval_ms: 20 }, streamMode: ["custom", "values"] });
    const executor = await executorOf(a, thread.thread_id, run.run_id);
    const remote = instances[0]!.child.pid === executor ? b : a;
    expect(await remote.runs.join(thread.thread_id, run.run_id)).toMatchObject({ ticks: 20 });
    // /wait creates a run wherever it lands and answers its result, whichever instance executes it.
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => [a, b][i % 2]!.runs.wait(null, "agent", { input: { messages: [{ role: "user", content: `hi ${i}` }] } })),
    );
    results.forEach((r, i) => expect((r as { messages: Array<{ content: string }> }).messages.at(-1)?.content).toBe(`echo: hi ${i}`));
  });

  it("cancels from one instance a run executing on the other within a second (interrupt, then rollback)", async () => {
    const [a, b] = clients() as [Client, Client];
    for (const action of ["interrupt", "rollback"] as const) {
      const thread = await a.threads.create();
      const run = await a.runs.create(thread.thread_id, "ticker", { input: { count: 10_000, interval_ms: 10 }, streamMode: ["custom"] });
      const executor = await executorOf(a, thread.thread_id, run.run_id);
      const remote = instances[0]!.child.pid === executor ? b : a;
      const started = Date.now();
      await remote.runs.cancel(thread.thread_id, run.run_id, true, action);
      const tookMs = Date.now() - started;
      console.log(`cross-instance cancel (${action}) took effect in ${tookMs} ms`);
      expect(tookMs).toBeLessThan(1_000);
      if (action === "interrupt") expect((await a.runs.get(thread.thread_id, run.run_id)).status).toBe("interrupted");
      else await expect(a.runs.get(thread.thread_id, run.run_id)).rejects.toMatchObject({ status: 404 });
      expect((await b.threads.get(thread.thread_id)).status).not.toBe("busy");
    }
  });

  it("accepts exactly one of 50 concurrent `reject` runs on one thread, spread over both instances", async () => {
    const [a, b] = clients() as [Client, Client];
    const thread = await a.threads.create();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        // Long enough to be in flight while all 50 arrive.
        [a, b][i % 2]!.runs.create(thread.thread_id, "ticker", { input: { count: 1_000, interval_ms: 10 }, multitaskStrategy: "reject" }),
      ),
    );
    const accepted = outcomes.filter((o) => o.status === "fulfilled");
    expect(accepted).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === "rejected")) expect((o as PromiseRejectedResult).reason).toMatchObject({ status: 422 });
    expect(await b.runs.list(thread.thread_id)).toHaveLength(1);
    await a.runs.cancel(thread.thread_id, (accepted[0] as PromiseFulfilledResult<{ run_id: string }>).value.run_id, true);
  });

  it("fires each cron slot once, whichever instance gets there first", async () => {
    const [a, b] = clients() as [Client, Client];
    const thread = await a.threads.create();
    const cron = await a.crons.createForThread(thread.thread_id, "agent", {
      schedule: "* * * * * *", // every second
      input: { messages: [{ role: "user", content: "tick" }] },
    });
    await waitFor(async () => (await b.runs.list(thread.thread_id, { limit: 100 })).length >= 4, 20_000);
    await a.crons.delete(cron.cron_id);
    const runs = await b.runs.list(thread.thread_id, { limit: 100 });
    const seconds = runs.map((r) => Math.floor(new Date(r.created_at).getTime() / 1000));
    // One run per slot: no second has two.
    expect(new Set(seconds).size).toBe(runs.length);
  });

  it("hands a running run over at once when its instance stops (SIGTERM, no grace): a rolling restart drops nothing", { timeout: 60_000 }, async () => {
    const [a] = clients() as [Client, Client];
    const thread = await a.threads.create();
    const run = await a.runs.create(thread.thread_id, "steps", { input: { delay_ms: 3_000 }, streamMode: ["custom", "values"] });
    const executor = await executorOf(a, thread.thread_id, run.run_id);
    const leaving = instances.findIndex((i) => i.child.pid === executor);
    const staying = sdkClient(instances[1 - leaving]!.url);
    const stoppedAt = Date.now();
    expect(await instances[leaving]!.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    // Released, not left to its lease: the other instance starts it again right away.
    await waitFor(async () => (await staying.runs.get(thread.thread_id, run.run_id)).status === "running" && Date.now(), 10_000);
    const resumedMs = Date.now() - stoppedAt;
    console.log(`run resumed on the other instance ${resumedMs} ms after SIGTERM (lease ${LEASE_SECONDS} s)`);
    expect(resumedMs).toBeLessThan(LEASE_SECONDS * 1000);
    await staying.runs.join(thread.thread_id, run.run_id);
    expect((await staying.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
    // A new instance takes the place of the one that left.
    instances[leaving] = await serve();
  });

  it("resumes a run from its last checkpoint on the other instance after the executing one is killed", { timeout: 60_000 }, async () => {
    const [a, b] = clients() as [Client, Client];
    const thread = await a.threads.create();
    const run = await a.runs.create(thread.thread_id, "steps", { input: { delay_ms: 4_000 }, streamMode: ["custom", "values"] });
    // `second` has started: once `first` is checkpointed, kill its process outright.
    const executor = await executorOf(a, thread.thread_id, run.run_id);
    // LangGraph writes the checkpoint of `first` while `second` runs: wait until it is stored.
    await waitFor(async () => (await b.threads.getState<{ log?: string[] }>(thread.thread_id)).values.log?.includes(`first@${executor}`));
    const victim = instances.findIndex((i) => i.child.pid === executor);
    expect(victim).toBeGreaterThanOrEqual(0);
    const survivor = [a, b][1 - victim]!;
    const survivorPid = instances[1 - victim]!.child.pid;
    const killedAt = Date.now();
    await instances[victim]!.stop("SIGKILL");
    await survivor.runs.join(thread.thread_id, run.run_id);
    console.log(`run taken over and finished ${Date.now() - killedAt} ms after the kill (lease ${LEASE_SECONDS} s, second step 4 s)`);
    const finished = await survivor.runs.get(thread.thread_id, run.run_id);
    expect(finished.status).toBe("success");
    const state = await survivor.threads.getState<{ log: string[] }>(thread.thread_id);
    // `first` ran once, on the killed instance; `second` ran to completion on the survivor.
    expect(state.values.log).toEqual([`first@${executor}`, `second@${survivorPid}`]);
    expect((await survivor.threads.get(thread.thread_id)).status).toBe("idle");
    expect(await survivor.threads.count({ status: "busy" })).toBe(0);
  });
});
