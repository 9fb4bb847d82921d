/** The auth machinery in detail: authenticate's answers, handler resolution and return kinds, Studio. */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer } from "../helpers/server.js";

let server: RunningServer;
const logLines: string[] = [];
beforeAll(async () => {
  server = await startTestServer({
    config: fixture("handlers"),
    logger: pino({ level: "warn" }, { write: (line: string) => void logLines.push(line) }),
  });
});
afterAll(async () => {
  await server?.close();
});

const post = (token: string, url: string, body: unknown = {}) =>
  fetch(`${server.url}${url}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });

describe("authenticate", () => {
  it("normalises a string identity and an object (display_name, permissions, extra fields)", async () => {
    const stringy = await sdkClient(server.url, "stringy").threads.create();
    expect(stringy.metadata).toMatchObject({ owner: "stringy", seen_display_name: "stringy", seen_permissions: [] });
    const alice = await sdkClient(server.url, "alice").threads.create();
    expect(alice.metadata).toMatchObject({ owner: "alice", seen_display_name: "alice", seen_permissions: ["write"] });
    const bob = await sdkClient(server.url, "bob").threads.create();
    expect(bob.metadata).toMatchObject({ seen_display_name: "Bob B." });
  });

  it("turns HTTPException into its status, headers and detail; any other error into 401", async () => {
    const expired = await post("http-exception", "/threads");
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect(await expired.json()).toEqual({ detail: "Token expired", code: "unauthorized" });
    const teapot = await post("teapot", "/threads");
    expect(teapot.status).toBe(418);
    expect(await teapot.json()).toEqual({ detail: "I am a teapot", code: "http_error" });
    const plain = await post("whoever", "/threads");
    expect(plain.status).toBe(401);
    expect(logLines.some((l) => l.includes("authenticate threw") && l.includes("no such user"))).toBe(true);
    expect((await post("not-authenticated", "/threads")).status).toBe(401);
  });

  it("answers 500 (logged, naming the auth module) when authenticate returns something invalid", async () => {
    const res = await post("bad-return", "/threads");
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ detail: "Internal server error", code: "internal_error" });
    expect(logLines.some((l) => l.includes("./auth.ts:auth") && l.includes("returned 42"))).toBe(true);
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
  });
});

describe("authorization handlers", () => {
  it("runs exactly one handler, the most specific: resource:action, resource, *:action, *", async () => {
    const alice = sdkClient(server.url, "alice");
    const thread = await alice.threads.create();
    expect(thread.metadata?.via).toBe("threads:create");
    const updated = await alice.threads.update(thread.thread_id, { metadata: { owner: "mallory" } });
    expect(updated.metadata).toMatchObject({ via: "threads", owner: "alice" });
    // threads:search resolves to "threads" ($eq filter), assistants:search to "*:search".
    const bob = sdkClient(server.url, "bob");
    expect((await bob.threads.search({ limit: 100 })).every((t) => t.metadata?.owner === "bob")).toBe(true);
    expect(await bob.assistants.search()).toEqual([]);
  });

  it("honours each return kind: false is 403, a thrown HTTPException its status, junk a 500", async () => {
    const bob = sdkClient(server.url, "bob");
    await expect(bob.assistants.create({ graphId: "agent" })).rejects.toMatchObject({ status: 403 });
    const alice = sdkClient(server.url, "alice");
    const mine = await alice.assistants.create({ graphId: "agent", name: "mine" });
    const del = await fetch(`${server.url}/assistants/${mine.assistant_id}`, { method: "DELETE", headers: { authorization: "Bearer alice" } });
    expect(del.status).toBe(403);
    expect(await del.json()).toEqual({ detail: "Assistants are permanent here", code: "forbidden" });
    await expect(alice.assistants.update(mine.assistant_id, { name: "x" })).rejects.toMatchObject({ status: 500 });
  });

  it("refuses (403) a store filter the store cannot apply, rather than ignoring it", async () => {
    const res = await post("alice", "/store/items/search", { namespace_prefix: [] });
    expect(res.status).toBe(403);
    expect((await res.json()).detail).toMatch(/\$gt/);
  });

  it("hides another user's private assistant (404), and its config never reaches someone else's run", async () => {
    const alice = sdkClient(server.url, "alice");
    const bob = sdkClient(server.url, "bob");
    const assistant = await alice.assistants.create({ graphId: "config_echo", config: { configurable: { secret: "alice-config" } } });
    expect(assistant.metadata).toMatchObject({ owner: "alice", readers: ["alice"] });
    const visible = (await alice.assistants.search({ limit: 100 })).map((a) => a.assistant_id);
    expect(visible).toContain(assistant.assistant_id);
    expect(visible).not.toContain("fe096781-5601-53d2-b2f6-0d3403f7e9ca");
    await expect(bob.assistants.get(assistant.assistant_id)).rejects.toMatchObject({ status: 404 });
    const bobThread = await bob.threads.create();
    await expect(bob.runs.create(bobThread.thread_id, assistant.assistant_id, { input: {} })).rejects.toMatchObject({ status: 404 });
    await expect(bob.runs.wait(null, assistant.assistant_id, { input: {} })).rejects.toMatchObject({ status: 404 });
    // The system assistant stays usable for everyone, and the owner's config reaches the owner's run.
    await bob.runs.wait(bobThread.thread_id, "agent", { input: { messages: [{ role: "user", content: "hi" }] } });
    const aliceThread = await alice.threads.create();
    const values = (await alice.runs.wait(aliceThread.thread_id, assistant.assistant_id, { input: {} })) as { configurable: Record<string, unknown> };
    expect(values.configurable.secret).toBe("alice-config");
  });

  it("authorizes the thread-less run stream against the run's thread", async () => {
    const alice = sdkClient(server.url, "alice");
    const run = await alice.runs.create(null, "agent", { input: { messages: [{ role: "user", content: "hi" }] }, onCompletion: "keep" as never });
    const asBob = await fetch(`${server.url}/runs/${run.run_id}/stream`, { headers: { authorization: "Bearer bob" } });
    expect(asBob.status).toBe(404);
    const asAlice = await fetch(`${server.url}/runs/${run.run_id}/stream`, { headers: { authorization: "Bearer alice" } });
    expect(asAlice.status).toBe(200);
    await asAlice.body?.cancel();
  });
});

describe("LangGraph Studio", () => {
  const studio = { "x-auth-scheme": "langsmith" };

  it("treats a loopback Studio request as the Studio user, and handlers still run for it", async () => {
    const res = await server.app.inject({ method: "POST", url: "/threads", headers: studio, payload: {}, remoteAddress: "127.0.0.1" });
    expect(res.statusCode).toBe(200);
    expect(res.json().metadata).toMatchObject({ owner: "langgraph-studio-user" });
  });

  it.each([
    ["true (boolean)", true],
    ['"true" (string)', "true"],
  ])("refuses the Studio header when disable_studio_auth is %s", async (_name, flag) => {
    const file = path.join(fixture("handlers"), `langgraph.studio-${typeof flag}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        graphs: { agent: "../../../examples/agent/graph.ts:graph" },
        auth: { path: "./auth.ts:auth", disable_studio_auth: flag },
      }),
    );
    const off = await startTestServer({ config: file });
    try {
      const res = await off.app.inject({ method: "POST", url: "/threads", headers: studio, payload: {}, remoteAddress: "127.0.0.1" });
      expect(res.statusCode).toBe(401);
    } finally {
      await off.close();
      rmSync(file);
    }
  });
});
