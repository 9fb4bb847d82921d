/** Crons: scheduled runs through the SDK, on a real clock with a seconds-field schedule. */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type RunningServer } from "../../src/server.js";
import { fixture, REPO_ROOT, sdkClient, startTestServer, waitFor } from "../helpers/server.js";

let server: RunningServer;
let client: ReturnType<typeof sdkClient>;
const tmp = mkdtempSync(path.join(os.tmpdir(), "agent-server-crons-"));
beforeAll(async () => {
  server = await startTestServer({ config: fixture("api") });
  client = sdkClient(server.url);
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});
const hello = { messages: [{ role: "user", content: "tick" }] };

describe("crons", () => {
  it("rejects a bad schedule with 422", async () => {
    for (const schedule of ["not a cron", "61 * * * *", "* * *"]) {
      await expect(client.crons.create("agent", { schedule, input: hello })).rejects.toMatchObject({ status: 422 });
    }
    expect((await (await fetch(`${server.url}/info`)).json()).flags.crons).toBe(true);
  });

  it("fires a thread cron on schedule, lists, updates and deletes it", async () => {
    const thread = await client.threads.create();
    const cron = await client.crons.createForThread(thread.thread_id, "agent", { schedule: "* * * * * *", input: hello, metadata: { team: "t" } });
    expect(cron).toMatchObject({ thread_id: thread.thread_id, schedule: "* * * * * *", enabled: true, metadata: { team: "t" } });
    expect(cron.next_run_date).toBeTruthy();
    await waitFor(async () => (await client.runs.list(thread.thread_id)).filter((r) => r.status === "success").length >= 2, 10_000);

    expect((await client.crons.search({ threadId: thread.thread_id })).map((c) => c.cron_id)).toEqual([cron.cron_id]);
    expect(await client.crons.count({ threadId: thread.thread_id })).toBe(1);
    const patched = await client.crons.update(cron.cron_id, { schedule: "0 0 1 1 *", enabled: false });
    expect(patched).toMatchObject({ schedule: "0 0 1 1 *", enabled: false });
    const settled = (await client.runs.list(thread.thread_id, { limit: 100 })).length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await client.runs.list(thread.thread_id, { limit: 100 })).length).toBeLessThanOrEqual(settled + 1);

    await client.crons.delete(cron.cron_id);
    await expect(client.crons.delete(cron.cron_id)).rejects.toMatchObject({ status: 404 });
    expect(await client.crons.count({ threadId: thread.thread_id })).toBe(0);
  });

  it("fires stateless crons, keeping their threads with on_run_completed keep", async () => {
    const cron = await client.crons.create("agent", { schedule: "* * * * * *", input: hello, onRunCompleted: "keep" });
    const threads = await waitFor(async () => {
      const found = await client.threads.search({ metadata: { cron_id: cron.cron_id } });
      return found.length >= 1 && found;
    }, 10_000);
    await client.crons.delete(cron.cron_id);
    await waitFor(async () => (await client.threads.get(threads[0]!.thread_id)).status === "idle");
  });

  it("survives a restart, and fires once (not once per missed slot) after downtime", async () => {
    const project = path.join(tmp, "a", "b", "project");
    cpSync(fixture("api"), project, { recursive: true });
    cpSync(path.join(REPO_ROOT, "examples"), path.join(tmp, "examples"), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(tmp, "node_modules"), "dir");
    const first = await createServer({ config: project, port: 0, logLevel: "silent" });
    const c1 = sdkClient(first.url);
    const thread = await c1.threads.create();
    await c1.crons.createForThread(thread.thread_id, "agent", { schedule: "* * * * * *", input: hello });
    await waitFor(async () => (await c1.runs.list(thread.thread_id)).length >= 1, 10_000);
    await first.close({ graceMs: 5_000 });
    await new Promise((r) => setTimeout(r, 3_000)); // three slots missed

    const second = await createServer({ config: project, port: 0, logLevel: "silent" });
    try {
      const c2 = sdkClient(second.url);
      const countAt = async () => (await c2.runs.list(thread.thread_id, { limit: 100 })).length;
      const start = await countAt();
      await new Promise((r) => setTimeout(r, 600));
      // One catch-up run for the missed slots, at most one more for the slot that just began.
      expect((await countAt()) - start).toBeLessThanOrEqual(2);
      await waitFor(async () => (await countAt()) >= start + 2, 10_000);
    } finally {
      await second.close();
    }
  });
});

describe("crons and auth", () => {
  let secured: RunningServer;
  beforeAll(async () => {
    secured = await startTestServer({ config: fixture("private") });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it("keeps each user's crons private", async () => {
    const alice = sdkClient(secured.url, "user1-token");
    const bob = sdkClient(secured.url, "user2-token");
    const thread = await alice.threads.create();
    const cron = await alice.crons.createForThread(thread.thread_id, "agent", { schedule: "0 0 1 1 *", input: hello });
    expect(cron.metadata).toMatchObject({ owner: "user1" });
    await expect(bob.crons.createForThread(thread.thread_id, "agent", { schedule: "0 0 1 1 *" })).rejects.toMatchObject({ status: 404 });
    expect(await bob.crons.search()).toEqual([]);
    expect(await bob.crons.count()).toBe(0);
    await expect(bob.crons.update(cron.cron_id, { enabled: false })).rejects.toMatchObject({ status: 404 });
    await expect(bob.crons.delete(cron.cron_id)).rejects.toMatchObject({ status: 404 });
    expect((await alice.crons.search()).map((c) => c.cron_id)).toEqual([cron.cron_id]);
    await alice.crons.delete(cron.cron_id);
  });
});
