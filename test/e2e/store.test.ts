/** The long-term store: every route through the SDK, shared with graphs, with TTL. */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, sdkClient, startTestServer, useTestServer } from "../helpers/server.js";

const t = useTestServer({ config: fixture("api") });

describe("store", () => {
  it("puts, gets, updates and deletes an item", async () => {
    await t.client.store.putItem(["users", "u1"], "prefs", { theme: "dark" });
    const item = await t.client.store.getItem(["users", "u1"], "prefs");
    expect(item).toMatchObject({ namespace: ["users", "u1"], key: "prefs", value: { theme: "dark" } });
    await t.client.store.putItem(["users", "u1"], "prefs", { theme: "light" });
    const updated = await t.client.store.getItem(["users", "u1"], "prefs");
    expect(updated?.value).toEqual({ theme: "light" });
    expect(updated?.createdAt).toBe(item?.createdAt);
    await t.client.store.deleteItem(["users", "u1"], "prefs");
    expect(await t.client.store.getItem(["users", "u1"], "prefs")).toBeNull();
  });

  it("searches under a prefix with value filters and pages", async () => {
    for (let i = 0; i < 5; i++) await t.client.store.putItem(["docs", i % 2 ? "odd" : "even"], `d${i}`, { n: i, kind: i % 2 ? "odd" : "even" });
    const all = await t.client.store.searchItems(["docs"], { limit: 10 });
    expect(all.items).toHaveLength(5);
    const odd = await t.client.store.searchItems(["docs"], { filter: { kind: "odd" } });
    expect(odd.items.map((i) => i.key).sort()).toEqual(["d1", "d3"]);
    const big = await t.client.store.searchItems(["docs"], { filter: { n: { $gte: 3 } } });
    expect(big.items.map((i) => i.key).sort()).toEqual(["d3", "d4"]);
    const page = await t.client.store.searchItems(["docs", "even"], { limit: 2, offset: 1 });
    expect(page.items).toHaveLength(2);
    expect((await t.client.store.searchItems(["doc"])).items).toEqual([]);
  });

  it("lists namespaces with prefix, suffix, max_depth and paging", async () => {
    await t.client.store.putItem(["tree", "a", "x"], "k", {});
    await t.client.store.putItem(["tree", "a", "y"], "k", {});
    await t.client.store.putItem(["tree", "b", "x"], "k", {});
    const under = await t.client.store.listNamespaces({ prefix: ["tree"] });
    expect(under.namespaces).toEqual([["tree", "a", "x"], ["tree", "a", "y"], ["tree", "b", "x"]]);
    expect((await t.client.store.listNamespaces({ prefix: ["tree"], suffix: ["x"] })).namespaces).toEqual([["tree", "a", "x"], ["tree", "b", "x"]]);
    expect((await t.client.store.listNamespaces({ prefix: ["tree"], maxDepth: 2 })).namespaces).toEqual([["tree", "a"], ["tree", "b"]]);
    expect((await t.client.store.listNamespaces({ prefix: ["tree"], limit: 1, offset: 1 })).namespaces).toEqual([["tree", "a", "y"]]);
  });

  it("rejects empty labels and labels with periods with 422", async () => {
    const res = await fetch(`${t.server.url}/store/items`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ namespace: ["a.b"], key: "k", value: {} }),
    });
    expect(res.status).toBe(422);
    expect((await res.json()).detail).toMatch(/cannot be empty or contain periods/);
    const empty = await fetch(`${t.server.url}/store/items`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ namespace: ["a", ""], key: "k", value: {} }),
    });
    expect(empty.status).toBe(422);
  });

  it("is the same store graphs use: each side reads what the other wrote", async () => {
    await t.client.store.putItem(["notes", "ada"], "from-http", { text: "hello graph" });
    const thread = await t.client.threads.create();
    const values = (await t.client.runs.wait(thread.thread_id, "memory", { input: { user: "ada" } })) as { note: { text: string } };
    expect(values.note).toEqual({ text: "hello graph" });
    const written = await t.client.store.getItem(["notes", "ada"], "from-graph");
    expect(written?.value).toEqual({ text: "graph saw: hello graph" });
  });

  it("applies store.ttl.default_ttl from langgraph.json to items put without a ttl", async () => {
    const file = path.join(fixture("api"), "langgraph.store-ttl.json");
    writeFileSync(file, JSON.stringify({ graphs: { agent: "../../../examples/agent/graph.ts:graph" }, store: { ttl: { default_ttl: 0.01, refresh_on_read: false } } }));
    const ttlServer = await startTestServer({ config: file });
    try {
      const c = sdkClient(ttlServer.url);
      await c.store.putItem(["cfg"], "default", { v: 1 });
      await c.store.putItem(["cfg"], "forever", { v: 2 }, { ttl: null });
      expect(await c.store.getItem(["cfg"], "default")).not.toBeNull();
      await new Promise((r) => setTimeout(r, 800));
      expect(await c.store.getItem(["cfg"], "default")).toBeNull();
      expect(await c.store.getItem(["cfg"], "forever")).not.toBeNull();
    } finally {
      await ttlServer.close();
      rmSync(file);
    }
  });

  it("expires items after their TTL and refreshes it on read", async () => {
    await t.client.store.putItem(["ttl"], "short", { v: 1 }, { ttl: 0.01 }); // 0.6 s
    await t.client.store.putItem(["ttl"], "kept", { v: 2 });
    expect(await t.client.store.getItem(["ttl"], "short")).not.toBeNull();
    await new Promise((r) => setTimeout(r, 800));
    expect(await t.client.store.getItem(["ttl"], "short")).toBeNull();
    expect((await t.client.store.searchItems(["ttl"])).items.map((i) => i.key)).toEqual(["kept"]);

    await t.client.store.putItem(["ttl"], "refreshed", { v: 3 }, { ttl: 0.01 });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 300));
      expect(await t.client.store.getItem(["ttl"], "refreshed", { refreshTtl: true }), `read ${i}`).not.toBeNull();
    }
  });
});
