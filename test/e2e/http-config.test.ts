/** The API description and the http keys of langgraph.json. */
import { Validator } from "@seriousme/openapi-schema-validator";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer } from "../helpers/server.js";
import { passTutorialFlow } from "../helpers/tutorial-flow.js";

const token = { authorization: "Bearer user1-token", "content-type": "application/json" };

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer({ config: fixture("http") });
});
afterAll(async () => {
  await server?.close();
});

describe("/openapi.json", () => {
  it("is valid OpenAPI 3, lists every registered route, and carries the auth scheme from auth.openapi", async () => {
    const spec = await (await fetch(`${server.url}/openapi.json`)).json();
    const result = await new Validator().validate(spec);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const documented = new Set(
      Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ":$1")}`),
      ),
    );
    const routes = server.app.registeredRoutes.filter((r) => !["HEAD", "OPTIONS"].includes(r.method) && !r.url.startsWith("/docs") && !r.url.startsWith("/console") && r.url !== "/openapi.json");
    const missing = routes.map((r) => `${r.method} ${r.url}`).filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
    expect(spec.components.securitySchemes).toEqual({ BearerAuth: { type: "http", scheme: "bearer" } });
    expect(spec.security).toEqual([{ BearerAuth: [] }]);
  });

  it("compiles every route's request schema (validators are otherwise built by their first request)", async () => {
    // This file's server has the store routes off: compile the full route table's.
    const full = await startTestServer();
    try {
      const compiled = full.app.validators.compileAll();
      expect(compiled).toBeGreaterThan(50);
      expect(full.app.validators.compileAll()).toBe(0);
    } finally {
      await full.close();
    }
  });

  it("serves the interactive reference at /docs without a token", async () => {
    const res = await fetch(`${server.url}/docs/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/swagger/i);
  });
});

describe("http keys", () => {
  it("switches off a route group with http.disable_store", async () => {
    const res = await fetch(`${server.url}/store/items/search`, {
      method: "POST",
      headers: { authorization: "Bearer user1-token", "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(404);
    expect(server.app.registeredRoutes.some((r) => r.url.startsWith("/store"))).toBe(false);
  });

  it("copies only the headers http.configurable_headers allows into configurable", async () => {
    const res = await fetch(`${server.url}/runs/wait`, {
      method: "POST",
      headers: {
        authorization: "Bearer user1-token",
        "content-type": "application/json",
        "x-user-tier": "gold",
        "x-user-secret": "s3cret",
        "x-other": "no",
        "user-agent": "tester/1",
      },
      body: JSON.stringify({ assistant_id: "config_echo", input: {} }),
    });
    const { configurable } = (await res.json()) as { configurable: Record<string, unknown> };
    expect(configurable["x-user-tier"]).toBe("gold");
    for (const absent of ["x-user-secret", "x-other", "user-agent", "authorization"]) expect(configurable).not.toHaveProperty(absent);
  });

  it("applies http.cors: allowed origins, credentials, exposed headers, max age", async () => {
    const preflight = await fetch(`${server.url}/threads`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.test", "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.test");
    expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");
    expect(preflight.headers.get("access-control-max-age")).toBe("600");
    const other = await fetch(`${server.url}/threads`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.test", "access-control-request-method": "POST" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const simple = await fetch(`${server.url}/ok`, { headers: { origin: "https://app.example.test" } });
    expect(simple.headers.get("access-control-expose-headers")?.split(/,\s*/)).toEqual(["x-custom", "content-location", "x-pagination-total", "x-pagination-next"]);
  });
});

describe("http.mount_prefix", () => {
  it("serves the API, docs, UI and custom routes under the prefix, with the SDK pointed at it", async () => {
    const mounted = await startTestServer({ config: path.join(fixture("ui"), "langgraph.mounted.json") });
    try {
      const origin = new URL(mounted.url).origin;
      expect(mounted.url).toBe(`${origin}/api/v1`);
      // The SDK takes the prefixed URL as its apiUrl: the tutorial flow and a resumable stream work.
      await passTutorialFlow(mounted.url);
      const alice = sdkClient(mounted.url, "user1-token");
      const thread = await alice.threads.create();
      const events: string[] = [];
      for await (const chunk of alice.runs.stream(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "hi" }] }, streamResumable: true })) {
        events.push(chunk.event);
      }
      expect(events).toEqual(["metadata", "values", "values"]);

      for (const p of ["/ok", "/info", "/openapi.json", "/docs/", "/ui/agent/entrypoint.js"]) expect((await fetch(`${mounted.url}${p}`)).status, p).toBe(200);
      const spec = (await (await fetch(`${mounted.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(spec.paths)).toContain("/api/v1/threads/{thread_id}");
      // Outside the prefix nothing is served, and nothing is public either.
      expect((await fetch(`${origin}/ok`)).status).toBe(401);
      expect((await fetch(`${origin}/threads/search`, { method: "POST", headers: token, body: "{}" })).status).toBe(404);
      // The UI tags point under the prefix; a fetch app sees its own paths.
      const html = await (await fetch(`${mounted.url}/ui/agent`, { method: "POST", headers: token, body: '{"name":"weather"}' })).text();
      expect(html).toContain(`src="${mounted.url}/ui/agent/entrypoint.js"`);
      expect(await (await fetch(`${mounted.url}/custom/hello`, { headers: token })).json()).toEqual({ hello: "from hono" });
    } finally {
      await mounted.close();
    }
  });
});
