/**
 * What the Platform's published API has beyond what the SDK walk (sdk-walk.test.ts) exercises:
 * prune under authorization, a thread TTL's keep_latest strategy, `include` and `extract` as the
 * Python SDK spells them, `version` in the query of `/latest`, nulls, and `/info`'s metadata.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer, useTestServer, waitFor } from "../helpers/server.js";
import { PROTECTED_THREAD } from "../fixtures/prune-guard/auth.js";

const t = useTestServer({ config: fixture("sdk-walk") });
const json = { "content-type": "application/json" };
const hello = (text: string) => ({ messages: [{ role: "user", content: text }] });

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${t.server.url}${path}`, { method: "POST", headers: { ...json, ...headers }, body: JSON.stringify(body) });
}

describe("threads", () => {
  it("applies a keep_latest TTL: the thread stays with its state, its history is cut to the latest checkpoint, and it expires again later", async () => {
    const thread = await t.client.threads.create();
    for (const text of ["one", "two"]) {
      const run = await t.client.runs.create(thread.thread_id, "agent", { input: hello(text) });
      await t.client.runs.join(thread.thread_id, run.run_id);
    }
    expect((await t.client.threads.getHistory(thread.thread_id, { limit: 100 })).length).toBeGreaterThan(1);
    const res = await fetch(`${t.server.url}/threads/${thread.thread_id}`, {
      method: "PATCH",
      headers: json,
      body: JSON.stringify({ ttl: { ttl: 0.005, strategy: "keep_latest" } }),
    });
    expect(res.status).toBe(200);
    const first = ((await (await fetch(`${t.server.url}/threads/${thread.thread_id}?include=ttl`)).json()) as { ttl: { expires_at: string } }).ttl;
    await waitFor(async () => (await t.client.threads.getHistory(thread.thread_id, { limit: 100 })).length === 1);
    const state = await t.client.threads.getState<{ messages: Array<{ content: string }> }>(thread.thread_id);
    expect(state.values.messages.map((m) => m.content)).toEqual(["one", "echo: one", "two", "echo: two"]);
    // Python's SDK sends include comma-separated.
    const again = await (await fetch(`${t.server.url}/threads/${thread.thread_id}?include=ttl,other`)).json();
    expect(again.ttl).toMatchObject({ strategy: "keep_latest", ttl_minutes: 0.005 });
    expect(Date.parse(again.ttl.expires_at)).toBeGreaterThan(Date.parse(first.expires_at));
  });

  it("refuses an extract path outside values, metadata, config and interrupts, and more than ten of them", async () => {
    const bad = await post("/threads/search", { extract: { x: "status" } });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ code: "invalid_request", detail: expect.stringContaining("extract.x") });
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "values.a"]));
    expect((await post("/threads/search", { extract: many })).status).toBe(422);
    expect((await post("/threads/search", { extract: { x: "values..a" } })).status).toBe(422);
  });
});

describe("fields as the Platform's API spells them", () => {
  it("/info carries metadata", async () => {
    const info = await (await fetch(`${t.server.url}/info`)).json();
    expect(info).toMatchObject({ metadata: {}, flags: { assistants: true, crons: true } });
  });

  it("POST /assistants/:id/latest takes the version in the query", async () => {
    const created = await t.client.assistants.create({ graphId: "agent", name: "one" });
    await t.client.assistants.update(created.assistant_id, { name: "two" });
    const res = await fetch(`${t.server.url}/assistants/${created.assistant_id}/latest?version=1`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ version: 1, name: "one" });
    const none = await fetch(`${t.server.url}/assistants/${created.assistant_id}/latest`, { method: "POST" });
    expect(none.status).toBe(422);
    expect((await none.json()).code).toBe("validation_error");
  });

  it("takes null for the store search's optional fields", async () => {
    await t.client.store.putItem(["nulls"], "k", { v: 1 });
    const res = await post("/store/items/search", { namespace_prefix: null, filter: null, query: null, refresh_ttl: null, limit: 100 });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: Array<{ key: string }> }).items.map((i) => i.key)).toContain("k");
  });

  it("keeps durability in a cron's payload, checkpoint_during too", async () => {
    const res = await post("/runs/crons", { assistant_id: "agent", schedule: "0 0 1 1 *", checkpoint_during: false });
    expect(res.status).toBe(200);
    expect((await res.json()).payload).toMatchObject({ checkpoint_during: false });
  });
});

describe("prune under authorization", () => {
  let tutorial: RunningServer;
  let guarded: RunningServer;
  beforeAll(async () => {
    [tutorial, guarded] = await Promise.all([startTestServer({ config: fixture("tutorial-part2") }), startTestServer({ config: fixture("prune-guard") })]);
  });
  afterAll(async () => {
    await Promise.all([tutorial?.close(), guarded?.close()]);
  });

  it("prunes only the caller's threads: another user's thread is not counted and stays", async () => {
    const alice = sdkClient(tutorial.url, "user1-token");
    const bob = sdkClient(tutorial.url, "user2-token");
    const mine = await alice.threads.create();
    const theirs = await bob.threads.create();
    expect(await alice.threads.prune([mine.thread_id, theirs.thread_id])).toEqual({ pruned_count: 1 });
    await expect(alice.threads.get(mine.thread_id)).rejects.toMatchObject({ status: 404 });
    expect((await bob.threads.get(theirs.thread_id)).thread_id).toBe(theirs.thread_id);
    expect(await alice.threads.prune([theirs.thread_id], { strategy: "keep_latest" })).toEqual({ pruned_count: 0 });
  });

  it("refuses the whole prune (403) when a handler denies one thread, before any is deleted", async () => {
    const client = sdkClient(guarded.url, "any");
    const free = await client.threads.create();
    await client.threads.create({ threadId: PROTECTED_THREAD });
    await expect(client.threads.prune([free.thread_id, PROTECTED_THREAD])).rejects.toMatchObject({ status: 403 });
    expect((await client.threads.get(free.thread_id)).thread_id).toBe(free.thread_id);
    expect((await client.threads.get(PROTECTED_THREAD)).thread_id).toBe(PROTECTED_THREAD);
    expect(await client.threads.prune([free.thread_id])).toEqual({ pruned_count: 1 });
  });
});
