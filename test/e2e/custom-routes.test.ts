/** http.app: a Hono app and a Fastify plugin served beside the API, behind auth unless opened. */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, sdkClient, startTestServer, waitFor } from "../helpers/server.js";

const config = (name: string) => path.join(fixture("custom-routes"), `langgraph.${name}.json`);
const token = { authorization: "Bearer user1-token" };

describe("custom routes (http.app)", () => {
  it("serves a Hono app's routes behind authentication, beside the built-in routes", async () => {
    const server = await startTestServer({ config: config("hono") });
    try {
      expect((await fetch(`${server.url}/custom/hello`)).status).toBe(401);
      const ok = await fetch(`${server.url}/custom/hello`, { headers: token });
      expect(await ok.json()).toEqual({ hello: "from hono" });
      const echo = await fetch(`${server.url}/custom/echo`, { method: "POST", headers: { ...token, "content-type": "application/json" }, body: JSON.stringify({ a: 1 }) });
      expect(await echo.json()).toEqual({ echoed: { a: 1 } });
      expect((await fetch(`${server.url}/threads/search`, { method: "POST", headers: { ...token, "content-type": "application/json" }, body: "{}" })).status).toBe(200);
      expect((await fetch(`${server.url}/custom/missing`, { headers: token })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("serves a Fastify plugin's routes behind authentication", async () => {
    const server = await startTestServer({ config: config("plugin") });
    try {
      expect((await fetch(`${server.url}/custom/plugin`)).status).toBe(401);
      expect(await (await fetch(`${server.url}/custom/plugin`, { headers: token })).json()).toEqual({ hello: "from a fastify plugin" });
    } finally {
      await server.close();
    }
  });

  it("opens custom routes (only them) with enable_custom_route_auth: false", async () => {
    const server = await startTestServer({ config: config("open") });
    try {
      expect((await fetch(`${server.url}/custom/hello`)).status).toBe(200);
      expect((await fetch(`${server.url}/threads/search`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe("a Hono http.app in front of the API, as on LangGraph Platform", () => {
  it("applies the app's middleware to the API's own routes: headers it sets, a run body it rewrites", async () => {
    const server = await startTestServer({ config: config("middleware") });
    try {
      // The guide's middleware: every answer, the API's included, carries its header.
      const search = await fetch(`${server.url}/threads/search`, { method: "POST", headers: { ...token, "content-type": "application/json" }, body: "{}" });
      expect(search.status).toBe(200);
      expect(search.headers.get("x-custom-header")).toBe("Hello World");
      expect((await fetch(`${server.url}/custom/hello`, { headers: token })).headers.get("x-custom-header")).toBe("Hello World");
      // A body rewritten by the middleware is what the API receives.
      const alice = sdkClient(server.url, "user1-token", { "x-tenant": "acme" });
      const thread = await alice.threads.create();
      const run = await alice.runs.create(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "Hello!" }] } });
      expect(run.metadata).toMatchObject({ tenant: "acme" });
      await alice.runs.join(thread.thread_id, run.run_id);
      expect((await alice.runs.get(thread.thread_id, run.run_id)).metadata).toMatchObject({ tenant: "acme" });
      // Streams of the API stream through it.
      const chunks: string[] = [];
      for await (const chunk of alice.runs.stream(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "again" }] }, streamMode: "values" })) {
        chunks.push(chunk.event);
      }
      expect(chunks).toContain("values");
      expect(chunks[0]).toBe("metadata");
    } finally {
      await server.close();
    }
  });

  it("tells the API when a stream's client goes away (cancel_on_disconnect through the app)", async () => {
    const server = await startTestServer({ config: config("middleware") });
    try {
      const alice = sdkClient(server.url, "user1-token");
      const thread = await alice.threads.create();
      const run = await alice.runs.create(thread.thread_id, "slow", { input: { delay_ms: 5_000 } });
      const controller = new AbortController();
      const res = await fetch(`${server.url}/threads/${thread.thread_id}/runs/${run.run_id}/stream?cancel_on_disconnect=true`, {
        headers: token,
        signal: controller.signal,
      });
      expect(res.headers.get("x-custom-header")).toBe("Hello World");
      await res.body!.getReader().read();
      controller.abort();
      await waitFor(async () => (await alice.runs.get(thread.thread_id, run.run_id)).status === "interrupted");
    } finally {
      await server.close();
    }
  });

  it("falls through to the API for paths the app does not route (its own not-found handler notwithstanding)", async () => {
    const server = await startTestServer({ config: config("middleware") });
    try {
      const unknown = await fetch(`${server.url}/no/such/path`, { headers: token });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: "route_not_found" });
      expect((await fetch(`${server.url}/no/such/path`)).status).toBe(401);
      expect((await fetch(`${server.url}/custom/hello`)).status).toBe(401);
      expect((await fetch(`${server.url}/ok`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("keeps the status of an HTTPException a route throws, and streams a route's streaming answer", async () => {
    const server = await startTestServer({ config: config("middleware") });
    try {
      const bad = await fetch(`${server.url}/custom/validate`, { method: "POST", headers: { ...token, "content-type": "application/json" }, body: "{}" });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ detail: "name is required" });
      const good = await fetch(`${server.url}/custom/validate`, { method: "POST", headers: { ...token, "content-type": "application/json" }, body: '{"name":"x"}' });
      expect(await good.json()).toEqual({ ok: true });

      const streamed = await fetch(`${server.url}/custom/stream`, { headers: token });
      const reader = streamed.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      // The first chunk arrived while the route is still waiting to send the second.
      expect(first).toBe("first\n");
      expect((await fetch(`${server.url}/custom/release`, { method: "POST", headers: token })).status).toBe(200);
      let rest = "";
      for (let part = await reader.read(); !part.done; part = await reader.read()) rest += new TextDecoder().decode(part.value);
      expect(rest).toBe("second\n");
    } finally {
      await server.close();
    }
  });
});
