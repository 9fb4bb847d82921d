/**
 * What LangGraph Platform provides to a project's code, used as the SDK documents it: getLogger()
 * from @langchain/langgraph-sdk/logging, and `new Client()` without apiUrl inside a graph and
 * inside an http.app route, which reaches the server the code runs on.
 */
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer } from "../helpers/server.js";

const LOGGER = Symbol.for("langgraph.api.sdk-logger");
const lines: Array<Record<string, unknown>> = [];
let server: RunningServer;
beforeAll(async () => {
  const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  server = await startTestServer({ config: fixture("platform"), logger });
});
afterAll(async () => {
  await server?.close();
});

const alice = () => sdkClient(server.url, "user1-token");
const bob = () => sdkClient(server.url, "user2-token");

describe("getLogger()", () => {
  it("works at a graph's module scope, and inside a run its lines carry the run's ids", async () => {
    expect(lines.some((l) => l.msg === "logging graph loaded")).toBe(true);
    const thread = await alice().threads.create();
    const run = await alice().runs.create(thread.thread_id, "logging", { input: { text: "hi" } });
    await alice().runs.join(thread.thread_id, run.run_id);
    expect((await alice().runs.get(thread.thread_id, run.run_id)).status).toBe("success");

    const working = lines.find((l) => l.msg === "working on it");
    expect(working).toMatchObject({ level: 30, text: "hi", runId: run.run_id, threadId: thread.thread_id, graphId: "logging", node: "work" });
    // winston's info-object form: `message` is the text, the rest are fields.
    expect(lines.find((l) => l.msg === "an info object")).toMatchObject({ level: 40, detail: 42, runId: run.run_id });
  });
});

describe("new Client() without apiUrl", () => {
  it("inside a graph reaches this server, as the run's user, streams included", async () => {
    const thread = await alice().threads.create();
    const result = (await alice().runs.wait(thread.thread_id, "delegate", { input: { question: "hi" } })) as Record<string, unknown>;
    expect(result.answer).toBe("echo: hi");
    expect(result.streamed).toEqual(expect.arrayContaining(["metadata", "values"]));
    const delegated = result.delegated_thread as string;
    // The thread the graph made belongs to the run's user: the auth handlers ran as Alice.
    expect(result.visible_threads).toEqual([delegated]);
    expect((await alice().threads.get(delegated)).metadata).toMatchObject({ owner: "user1", purpose: "delegated" });
    await expect(bob().threads.get(delegated)).rejects.toMatchObject({ status: 404 });
  });

  /** POST /ask of a custom route that runs "agent" through the SDK: as Bob, as nobody. */
  async function expectRouteRunsAsCaller(url: string): Promise<void> {
    const ask = (token?: string) =>
      fetch(`${url}/ask`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ question: "yo" }),
      });
    expect((await ask()).status).toBe(401);
    const res = await ask("user2-token");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { thread_id: string; answer: string };
    expect(body.answer).toBe("echo: yo");
    expect((await sdkClient(url, "user2-token").threads.get(body.thread_id)).metadata).toMatchObject({ owner: "user2" });
    await expect(sdkClient(url, "user1-token").threads.get(body.thread_id)).rejects.toMatchObject({ status: 404 });
  }

  it("inside a custom route (a Hono app) runs a graph as the route's caller", async () => {
    await expectRouteRunsAsCaller(server.url);
  });

  it("inside a custom route (a Fastify plugin) runs a graph as the route's caller", async () => {
    const withPlugin = await startTestServer({ config: path.join(fixture("platform"), "langgraph.plugin.json") });
    try {
      await expectRouteRunsAsCaller(withPlugin.url);
    } finally {
      await withPlugin.close();
    }
  });

  it("made at module scope acts as nobody: its requests are authenticated like anyone's, and cannot pass for Studio", async () => {
    // The module-scope client sends `x-auth-scheme: langsmith` and no credentials.
    const res = await fetch(`${server.url}/shared-client`, { headers: { authorization: "Bearer user1-token" } });
    expect(await res.json()).toEqual({ status: 401 });
    // Nor does any path open the server to outside callers (the Python server's in-process
    // client uses a /noauth root path).
    expect((await fetch(`${server.url}/noauth/threads/search`, { method: "POST", body: "{}" })).status).toBe(401);
  });
});

describe("with http.mount_prefix", () => {
  it("new Client() in a graph reaches the API under the prefix", async () => {
    const mounted = await startTestServer({ config: path.join(fixture("platform"), "langgraph.mounted.json") });
    try {
      expect(mounted.url).toMatch(/\/my-agent$/);
      const client = sdkClient(mounted.url, "user1-token");
      const thread = await client.threads.create();
      const result = (await client.runs.wait(thread.thread_id, "delegate", { input: { question: "hi" } })) as { answer: string; delegated_thread: string };
      expect(result.answer).toBe("echo: hi");
      expect((await client.threads.get(result.delegated_thread)).metadata).toMatchObject({ owner: "user1" });
    } finally {
      await mounted.close();
    }
  });
});

describe("several servers in one process", () => {
  it("each run reaches its own server; closing the newer one hands the globals back to the older", async () => {
    const newer = await startTestServer({ config: fixture("platform") });
    let newerClosed = false;
    try {
      const thread = await alice().threads.create();
      const result = (await alice().runs.wait(thread.thread_id, "delegate", { input: { question: "hi" } })) as { delegated_thread: string };
      expect((await alice().threads.get(result.delegated_thread)).thread_id).toBe(result.delegated_thread);
      await expect(sdkClient(newer.url, "user1-token").threads.get(result.delegated_thread)).rejects.toMatchObject({ status: 404 });

      await newer.close();
      newerClosed = true;
      expect((globalThis as Record<symbol, unknown>)[LOGGER]).toBeDefined();
      // The logging graph calls getLogger() inside its node: it still finds the older server's.
      const run = await alice().runs.create(thread.thread_id, "logging", { input: { text: "after" } });
      await alice().runs.join(thread.thread_id, run.run_id);
      expect((await alice().runs.get(thread.thread_id, run.run_id)).status).toBe("success");
      expect(lines.some((l) => l.msg === "working on it" && l.runId === run.run_id)).toBe(true);
    } finally {
      if (!newerClosed) await newer.close();
    }
  });

  it("a closed server leaves no globals behind", async () => {
    const other = await startTestServer({ config: fixture("platform") });
    await other.close();
    await server.close();
    expect((globalThis as Record<symbol, unknown>)[LOGGER]).toBeUndefined();
    expect((globalThis as Record<symbol, unknown>)[Symbol.for("langgraph_api:fetch")]).toBeUndefined();
  });
});
