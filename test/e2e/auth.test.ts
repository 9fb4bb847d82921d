/** Authentication on every route, and the tutorial's part 2: private conversations. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer } from "../helpers/server.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer({ config: fixture("private") });
});
afterAll(async () => {
  await server?.close();
});

const CONSOLE = ["/console", "/console/", "/console/console.js", "/console/console.css"];
const PUBLIC = new Set(["/ok", "/info", "/openapi.json", ...CONSOLE].flatMap((path) => [`GET ${path}`, `HEAD ${path}`]));
const SAMPLE_UUID = "7b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c01";

describe("every route is authenticated", () => {
  it("answers 401 without a token on every registered non-public route (and unknown paths)", async () => {
    const routes = server.app.registeredRoutes.filter(
      (r) => r.method !== "OPTIONS" && !PUBLIC.has(`${r.method} ${r.url}`) && !r.url.startsWith("/docs"),
    );
    expect(routes.length).toBeGreaterThan(30);
    const unguarded: string[] = [];
    for (const route of [...routes, { method: "GET", url: "/no/such/path" }, { method: "POST", url: "/also/unknown" }]) {
      const url = route.url.replace(/:[a-z_]+/g, SAMPLE_UUID).replace("*", "x");
      const res = await fetch(`${server.url}${url}`, {
        method: route.method,
        headers: route.method === "GET" || route.method === "HEAD" ? {} : { "content-type": "application/json" },
        body: route.method === "GET" || route.method === "HEAD" ? undefined : "{}",
      });
      if (res.status !== 401) unguarded.push(`${route.method} ${route.url} -> ${res.status}`);
    }
    expect(unguarded).toEqual([]);
  });

  it("keeps /ok, /info, /docs and /openapi.json public, and CORS preflight answered without a token", async () => {
    for (const path of ["/ok", "/info", "/openapi.json", "/docs/"]) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(200);
    }
    const preflight = await fetch(`${server.url}/threads`, {
      method: "OPTIONS",
      headers: { origin: "https://smith.langchain.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBeTruthy();
  });

  it.each([
    ["empty", ""],
    ["Bearer alone", "Bearer"],
    ["another scheme", "Basic dXNlcjE6cGFzcw=="],
    ["64 KB", `Bearer ${"x".repeat(64 * 1024)}`],
  ])("rejects a malformed Authorization header (%s) with a clean 401", async (_name, value) => {
    const res = await fetch(`${server.url}/threads/search`, {
      method: "POST",
      headers: { authorization: value, "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(401);
    expect((await res.json()).detail).toBeTruthy();
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
  });

  it("rejects a non-ASCII Authorization header with 401", async () => {
    const res = await server.app.inject({ method: "POST", url: "/threads/search", headers: { authorization: "Bearer tökén" }, payload: {} });
    expect(res.statusCode).toBe(401);
  });

  it("treats x-auth-scheme: langsmith as Studio only from a loopback peer", async () => {
    const local = await server.app.inject({ method: "POST", url: "/threads/search", headers: { "x-auth-scheme": "langsmith" }, payload: {}, remoteAddress: "127.0.0.1" });
    expect(local.statusCode).toBe(200);
    const remote = await server.app.inject({ method: "POST", url: "/threads/search", headers: { "x-auth-scheme": "langsmith" }, payload: {}, remoteAddress: "203.0.113.7" });
    expect(remote.statusCode).toBe(401);
  });
});

describe("tutorial part 2: private conversations", () => {
  it("stamps the owner and keeps each user's threads private (404 for the other user)", async () => {
    const alice = sdkClient(server.url, "user1-token");
    const bob = sdkClient(server.url, "user2-token");
    const thread = await alice.threads.create({ metadata: { owner: "bob-pretends" } });
    expect(thread.metadata).toMatchObject({ owner: "user1" });
    const run = await alice.runs.create(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "secret" }] } });
    await alice.runs.join(thread.thread_id, run.run_id);

    const id = thread.thread_id;
    const denied: Array<[string, () => Promise<unknown>]> = [
      ["get", () => bob.threads.get(id)],
      ["update", () => bob.threads.update(id, { metadata: { owner: "user2" } })],
      ["delete", () => bob.threads.delete(id)],
      ["copy", () => bob.threads.copy(id)],
      ["state", () => bob.threads.getState(id)],
      ["update state", () => bob.threads.updateState(id, { values: {} })],
      ["history", () => bob.threads.getHistory(id)],
      ["run", () => bob.runs.create(id, "agent", { input: {} })],
      ["list runs", () => bob.runs.list(id)],
      ["get run", () => bob.runs.get(id, run.run_id)],
      ["join", () => bob.runs.join(id, run.run_id)],
      ["cancel", () => bob.runs.cancel(id, run.run_id)],
      ["delete run", () => bob.runs.delete(id, run.run_id)],
      ["wait", () => bob.runs.wait(id, "agent", { input: {} })],
    ];
    for (const [name, call] of denied) {
      await expect(call(), name).rejects.toMatchObject({ status: 404 });
    }
    const stream = await fetch(`${server.url}/threads/${id}/runs/${run.run_id}/stream`, { headers: { authorization: "Bearer user2-token" } });
    expect(stream.status).toBe(404);

    expect((await bob.threads.search()).map((t) => t.thread_id)).not.toContain(id);
    expect(await bob.threads.count()).toBe(0);
    expect((await alice.threads.search()).map((t) => t.thread_id)).toContain(id);
    expect((await alice.threads.get(id)).metadata).toMatchObject({ owner: "user1" });
  });

  it("hands the authenticated user to graphs, whatever the caller puts in configurable", async () => {
    const bob = sdkClient(server.url, "user2-token");
    const thread = await bob.threads.create();
    const values = (await bob.runs.wait(thread.thread_id, "whoami", {
      input: {},
      config: { configurable: { langgraph_auth_user_id: "user1" } },
    })) as { identity: string; display_name: string; permissions: unknown };
    expect(values).toEqual({ identity: "user2", display_name: "Bob", permissions: [], user_id: "user2" });
  });

  it("scopes the store to each user's namespace on every store route", async () => {
    const alice = sdkClient(server.url, "user1-token");
    const bob = sdkClient(server.url, "user2-token");
    await alice.store.putItem(["notes"], "diary", { text: "alice's secret" });
    expect((await alice.store.getItem(["notes"], "diary"))?.value).toEqual({ text: "alice's secret" });
    expect((await alice.store.getItem(["notes"], "diary"))?.namespace).toEqual(["user1", "notes"]);
    expect(await bob.store.getItem(["notes"], "diary")).toBeNull();
    expect(await bob.store.getItem(["user1", "notes"], "diary")).toBeNull();
    expect((await bob.store.searchItems([])).items).toEqual([]);
    expect((await bob.store.listNamespaces()).namespaces).toEqual([]);
    await bob.store.deleteItem(["user1", "notes"], "diary");
    await bob.store.putItem(["user1", "notes"], "diary", { text: "bob was here" });
    expect((await alice.store.getItem(["notes"], "diary"))?.value).toEqual({ text: "alice's secret" });
    expect((await alice.store.listNamespaces()).namespaces).toEqual([["user1", "notes"]]);
    expect((await alice.store.searchItems([])).items.map((i) => i.value)).toEqual([{ text: "alice's secret" }]);
  });

  it("lets no one re-own a thread through PATCH, and never returns the auth user", async () => {
    const alice = sdkClient(server.url, "user1-token");
    const thread = await alice.threads.create();
    const patched = await alice.threads.update(thread.thread_id, { metadata: { owner: "user2" } });
    expect(patched.metadata?.owner).toBe("user1");
    const run = await alice.runs.create(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "x" }] },
      config: { configurable: { langgraph_auth_user_id: "user2", user_id: "user2" } },
    });
    await alice.runs.join(thread.thread_id, run.run_id);
    const body = JSON.stringify([await alice.threads.get(thread.thread_id), await alice.runs.get(thread.thread_id, run.run_id)]);
    expect(body).not.toContain("must-never-be-returned");
    expect(body).not.toContain("langgraph_auth_user");
    expect(body).not.toContain('"user_id":"user2"');
  });
});
