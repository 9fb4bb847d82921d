/** The assistants API through the real SDK: every route, its happy path and its errors. */
import { describe, expect, it } from "vitest";
import { fixture, sdkClient, startTestServer, useTestServer } from "../helpers/server.js";

const t = useTestServer({ config: fixture("api") });

describe("assistants", () => {
  it("creates, reads, patches (new version, metadata merged) and deletes", async () => {
    const created = await t.client.assistants.create({
      graphId: "agent",
      name: "Helper",
      description: "helps",
      config: { configurable: { model: "a" } },
      context: { tone: "dry" },
      metadata: { team: "x", stage: "dev" },
    });
    expect(created).toMatchObject({ graph_id: "agent", name: "Helper", description: "helps", version: 1, context: { tone: "dry" } });
    expect(await t.client.assistants.get(created.assistant_id)).toMatchObject({ assistant_id: created.assistant_id, name: "Helper" });

    const patched = await t.client.assistants.update(created.assistant_id, {
      metadata: { stage: "prod" },
      config: { configurable: { model: "b" } },
      name: "Helper 2",
    });
    expect(patched.version).toBe(2);
    expect(patched.metadata).toEqual({ team: "x", stage: "prod" });
    expect(patched.config).toEqual({ configurable: { model: "b" } });
    expect(patched.name).toBe("Helper 2");

    const versions = await t.client.assistants.getVersions(created.assistant_id);
    expect(versions.map((v) => v.version)).toEqual([2, 1]);

    const restored = await t.client.assistants.setLatest(created.assistant_id, 1);
    expect(restored).toMatchObject({ version: 1, name: "Helper", config: { configurable: { model: "a" } } });

    await t.client.assistants.delete(created.assistant_id);
    await expect(t.client.assistants.get(created.assistant_id)).rejects.toMatchObject({ status: 404 });
    await expect(t.client.assistants.delete(created.assistant_id)).rejects.toMatchObject({ status: 404 });
  });

  it("honours if_exists and rejects an unknown graph at create time", async () => {
    const id = "0b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c01";
    const first = await t.client.assistants.create({ graphId: "agent", assistantId: id, name: "one" });
    await expect(t.client.assistants.create({ graphId: "agent", assistantId: id })).rejects.toMatchObject({ status: 409 });
    const again = await t.client.assistants.create({ graphId: "agent", assistantId: id, ifExists: "do_nothing", name: "two" });
    expect(again).toMatchObject({ assistant_id: first.assistant_id, name: "one" });
    await expect(t.client.assistants.create({ graphId: "no-such-graph" })).rejects.toMatchObject({ status: 404 });
    await expect(t.client.assistants.update(id, { graphId: "no-such-graph" })).rejects.toMatchObject({ status: 404 });
  });

  it("searches by metadata, graph and name, pages and sorts, and counts", async () => {
    const made = [];
    for (const name of ["alpha", "beta", "gamma"]) {
      made.push(await t.client.assistants.create({ graphId: "interrupting", name, metadata: { suite: "search" } }));
    }
    const all = await t.client.assistants.search({ metadata: { suite: "search" }, limit: 10 });
    expect(all.map((a) => a.name)).toEqual(["gamma", "beta", "alpha"]);
    const asc = await t.client.assistants.search({ metadata: { suite: "search" }, sortBy: "name", sortOrder: "asc" });
    expect(asc.map((a) => a.name)).toEqual(["alpha", "beta", "gamma"]);
    const page = await t.client.assistants.search({ metadata: { suite: "search" }, limit: 2, offset: 1, sortBy: "name", sortOrder: "asc", includePagination: true });
    expect(page.assistants.map((a) => a.name)).toEqual(["beta", "gamma"]);
    expect(page.next).toBeNull();
    const first = await t.client.assistants.search({ metadata: { suite: "search" }, limit: 2, includePagination: true });
    expect(first.next).toBe("2");
    expect((await t.client.assistants.search({ name: "AMM" })).map((a) => a.name)).toEqual(["gamma"]);
    expect(await t.client.assistants.count({ metadata: { suite: "search" } })).toBe(3);
    expect(await t.client.assistants.count({ graphId: "interrupting" })).toBeGreaterThanOrEqual(4);
    const selected = await t.client.assistants.search({ metadata: { suite: "search" }, select: ["assistant_id", "name"] });
    expect(Object.keys(selected[0]!).sort()).toEqual(["assistant_id", "name"]);
    const res = await fetch(`${t.server.url}/assistants/search`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ metadata: { suite: "search" }, limit: 1 }) });
    expect(res.headers.get("x-pagination-total")).toBe("3");
  });

  it("draws the graph (also with xray, which LangGraph expands as far as it can)", async () => {
    const plain = await t.client.assistants.getGraph("nested");
    const ids = (plain.nodes as Array<{ id: string }>).map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining(["__start__", "child", "__end__"]));
    expect((plain.edges as unknown[]).length).toBeGreaterThan(0);
    const xray = await t.client.assistants.getGraph("nested", { xray: 2 });
    expect((xray.nodes as Array<{ id: string }>).map((n) => n.id)).toEqual(expect.arrayContaining(["__start__", "__end__"]));
  });

  it("gives JSON schemas from Zod and from an Annotation state's TypeScript types", async () => {
    const zod = await t.client.assistants.getSchemas("nested");
    expect(zod.graph_id).toBe("nested");
    expect(zod.state_schema).toMatchObject({ type: "object", properties: { text: { type: "string" } } });
    const annotation = await t.client.assistants.getSchemas("interrupting");
    expect(annotation.input_schema).toMatchObject({ type: "object", properties: { question: { type: "string" }, answer: { type: "string" } } });
  });

  it("lists subgraphs with their schemas", async () => {
    const subgraphs = await t.client.assistants.getSubgraphs("nested");
    expect(Object.keys(subgraphs)).toEqual(["child"]);
    expect(subgraphs.child!.state_schema).toMatchObject({ type: "object" });
    expect(await t.client.assistants.getSubgraphs("nested", { namespace: "child", recurse: true })).toHaveProperty("child");
    expect(await t.client.assistants.getSubgraphs("agent")).toEqual({});
  });

  it("answers bad input with 422 naming the field, and unknown versions with 404", async () => {
    const bad = await fetch(`${t.server.url}/assistants/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ limit: -1 }),
    });
    expect(bad.status).toBe(422);
    expect((await bad.json()).detail).toMatch(/limit/);
    const sort = await fetch(`${t.server.url}/assistants/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sort_by: "nope" }),
    });
    expect(sort.status).toBe(422);
    expect((await sort.json()).detail).toMatch(/sort_by must be one of/);
    await expect(t.client.assistants.create({ graphId: "agent", assistantId: "not-a-uuid" })).rejects.toMatchObject({ status: 422 });
    await expect(t.client.assistants.setLatest("agent", 99)).rejects.toMatchObject({ status: 404 });
    await expect(t.client.assistants.getVersions("0b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1cff")).rejects.toMatchObject({ status: 404 });
  });

  it("seeds system assistants' config and context from LANGGRAPH_CONFIG", async () => {
    process.env.LANGGRAPH_CONFIG = JSON.stringify({ agent: { configurable: { model: "seeded" }, context: { tone: "warm" } } });
    const seeded = await startTestServer({ config: fixture("api") });
    try {
      const agent = await sdkClient(seeded.url).assistants.get("agent");
      expect(agent.config).toEqual({ configurable: { model: "seeded" } });
      expect(agent.context).toEqual({ tone: "warm" });
    } finally {
      delete process.env.LANGGRAPH_CONFIG;
      await seeded.close();
    }
  });

  it("deletes an assistant with its threads when asked", async () => {
    const assistant = await t.client.assistants.create({ graphId: "agent" });
    const thread = await t.client.threads.create();
    const run = await t.client.runs.create(thread.thread_id, assistant.assistant_id, { input: { messages: [{ role: "user", content: "x" }] } });
    await t.client.runs.join(thread.thread_id, run.run_id);
    const res = await fetch(`${t.server.url}/assistants/${assistant.assistant_id}?delete_threads=true`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([assistant.assistant_id]);
    await expect(t.client.threads.get(thread.thread_id)).rejects.toMatchObject({ status: 404 });
  });
});
