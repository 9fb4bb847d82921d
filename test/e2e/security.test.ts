/**
 * The red-team findings, each reproduced as an attack first: a request body that writes into
 * another user's thread or poses as another user, paths that look public, web pages claiming to
 * be Studio, data wipes, webhook addresses that reach the machine itself, CORS that matches too
 * much, and inputs that made the server answer 500.
 */
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookPolicy } from "../../src/runs/webhook-policy.js";
import type { RunningServer, ServerOptions } from "../../src/server.js";
import { fixture, REPO_ROOT, sdkClient, startTestServer, waitFor } from "../helpers/server.js";

const hello = (text = "Hello!") => ({ messages: [{ role: "user", content: text }] });
type Msgs = { messages: Array<{ content: string }> };
const ALICE = { authorization: "Bearer user1-token" };

/** A request with the path exactly as written (fetch would normalise `..`). */
function rawRequest(base: string, method: string, rawPath: string, headers: Record<string, string | string[]> = {}) {
  const url = new URL(base);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: rawPath, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "agent-server-security-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A project in a temporary folder: the demo's graph and auth module plus the given keys. */
function project(name: string, extra: Record<string, unknown>): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "langgraph.json"),
    JSON.stringify({
      graphs: { agent: path.join(REPO_ROOT, "examples/agent/graph.ts:graph") },
      auth: { path: path.join(REPO_ROOT, "examples/security/auth.ts:auth") },
      ...extra,
    }),
  );
  return dir;
}

async function withServer<T>(options: ServerOptions, body: (server: RunningServer) => Promise<T>): Promise<T> {
  const server = await startTestServer(options);
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

describe("a run request cannot reach another user's thread or identity", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ config: fixture("private") });
  });
  afterAll(async () => server?.close());

  it("ignores a checkpoint.thread_id naming someone else's thread (runs and state updates)", async () => {
    const alice = sdkClient(server.url, "user1-token");
    const bob = sdkClient(server.url, "user2-token");
    const aliceThread = await alice.threads.create();
    await alice.runs.wait(aliceThread.thread_id, "agent", { input: hello("alice's secret") });
    const bobThread = await bob.threads.create();
    // The attack: Bob's run on Bob's thread, with a checkpoint pointing into Alice's thread.
    const values = (await bob.runs.wait(bobThread.thread_id, "agent", {
      input: hello("bob here"),
      checkpoint: { thread_id: aliceThread.thread_id } as never,
    })) as Msgs;
    expect(values.messages.map((m) => m.content)).toEqual(["bob here", "echo: bob here"]);
    await bob.threads.updateState(bobThread.thread_id, {
      values: { messages: [{ role: "user", content: "injected" }] },
      checkpoint: { thread_id: aliceThread.thread_id } as never,
    });
    const aliceState = (await alice.threads.getState<Msgs>(aliceThread.thread_id)).values;
    expect(aliceState.messages.map((m) => m.content)).toEqual(["alice's secret", "echo: alice's secret"]);
    expect(JSON.stringify((await bob.threads.getState(bobThread.thread_id)).values)).not.toContain("alice's secret");
  });

  it("ignores identity keys in checkpoint, config and an assistant's config", async () => {
    const bob = sdkClient(server.url, "user2-token");
    const thread = await bob.threads.create();
    const viaCheckpoint = await bob.runs.wait(thread.thread_id, "whoami", {
      input: {},
      checkpoint: { langgraph_auth_user_id: "user1", langgraph_auth_permissions: ["admin"], user_id: "user1" } as never,
    });
    expect(viaCheckpoint).toMatchObject({ identity: "user2", permissions: [], user_id: "user2" });
    // An assistant whose author put another user's id in its config.
    const assistant = await bob.assistants.create({ graphId: "whoami", config: { configurable: { user_id: "user1", langgraph_auth_user_id: "user1" } } });
    const viaAssistant = await bob.runs.wait(thread.thread_id, assistant.assistant_id, { input: {} });
    expect(viaAssistant).toMatchObject({ identity: "user2", user_id: "user2" });
    const patched = await bob.assistants.update(assistant.assistant_id, { config: { configurable: { user_id: "user1" } } });
    expect(await bob.runs.wait(thread.thread_id, patched.assistant_id, { input: {} })).toMatchObject({ user_id: "user2" });
  });

  it("hides a thread behind its update filter with the same 404 as a read (no 403 that reveals it)", async () => {
    const alice = sdkClient(server.url, "user1-token");
    const bob = sdkClient(server.url, "user2-token");
    const thread = await alice.threads.create();
    for (const call of [
      () => bob.threads.updateState(thread.thread_id, { values: {} }),
      () => bob.threads.get(thread.thread_id),
      () => bob.runs.cancel(thread.thread_id, thread.thread_id),
    ]) {
      await expect(call()).rejects.toMatchObject({ status: 404 });
    }
    const res = await fetch(`${server.url}/threads/${thread.thread_id}/state`, {
      method: "POST",
      headers: { authorization: "Bearer user2-token", "content-type": "application/json" },
      body: JSON.stringify({ values: {} }),
    });
    expect(await res.json()).toEqual({ detail: `Thread with ID ${thread.thread_id} not found`, code: "thread_not_found" });
  });
});

describe("public access is decided on the matched route, not the raw path", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ config: path.join(fixture("custom-routes"), "langgraph.hono.json") });
  });
  afterAll(async () => server?.close());

  it("never reaches a project's http.app without a token through paths that look public", async () => {
    // Control: with a token the app's page is there.
    expect((await rawRequest(server.url, "GET", "/admin", ALICE)).body).toContain("admin page");
    for (const method of ["GET", "HEAD"]) {
      for (const attack of ["/docs/../admin", "/docs/%2e%2e/admin", "/ui/%2e%2e/admin", "/ui/anything/else", "/docs/..%2fadmin", "/ok/../admin", "/admin"]) {
        const res = await rawRequest(server.url, method, attack);
        expect(`${method} ${attack} -> ${res.status}`).toBe(`${method} ${attack} -> 401`);
        expect(res.body).not.toContain("admin page");
      }
    }
    // The real public routes stay public.
    for (const open of ["/ok", "/info", "/openapi.json", "/docs", "/docs/"]) {
      expect((await rawRequest(server.url, "GET", open)).status, open).toBeLessThan(400);
    }
  });

  it("authenticates every route registered by the project's app (the route table, walked)", async () => {
    const plugin = await startTestServer({ config: path.join(fixture("custom-routes"), "langgraph.plugin.json") });
    try {
      const custom = plugin.app.registeredRoutes.filter((r) => r.url.startsWith("/custom"));
      expect(custom.length).toBeGreaterThan(0);
      for (const route of custom) {
        expect((await rawRequest(plugin.url, route.method, route.url)).status, `${route.method} ${route.url}`).toBe(401);
      }
    } finally {
      await plugin.close();
    }
  });
});

describe("only Studio gets the Studio identity", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ config: fixture("private"), studioOrigins: ["http://localhost:5173"] });
  });
  afterAll(async () => server?.close());

  const studio = { "x-auth-scheme": "langsmith" };
  const search = (headers: Record<string, string>, remoteAddress = "127.0.0.1") =>
    server.app.inject({ method: "POST", url: "/threads/search", headers: { host: "127.0.0.1:2024", ...studio, ...headers }, payload: {}, remoteAddress });

  it("refuses web pages, DNS rebinding, tunnels and remote peers", async () => {
    const attacks: Array<[string, Record<string, string>, string?]> = [
      ["a page the developer visits", { origin: "https://evil.example" }],
      ["a page on another local port", { origin: "http://127.0.0.1:8080" }],
      ["DNS rebinding (foreign Host)", { host: "rebind.evil.example:2024" }],
      ["a proxy or tunnel hop", { "x-forwarded-for": "203.0.113.9" }],
      ["a Forwarded header", { forwarded: "for=203.0.113.9" }],
      ["a remote peer", {}, "203.0.113.7"],
      ["a look-alike origin", { origin: "https://smith.langchain.com.evil.example" }],
    ];
    for (const [name, headers, peer] of attacks) {
      expect((await search(headers, peer)).statusCode, name).toBe(401);
    }
  });

  it("admits Studio itself: no Origin, Studio's origins, and origins the developer lists", async () => {
    const admitted: Array<Record<string, string>> = [{}, { origin: "https://smith.langchain.com" }, { origin: "https://eu.smith.langchain.com" }, { origin: "http://localhost:5173" }, { host: "localhost:2024" }, { host: "[::1]:2024" }];
    for (const headers of admitted) {
      expect((await search(headers)).statusCode, JSON.stringify(headers)).toBe(200);
    }
  });

  it("is off in production mode and with auth.disable_studio_auth", async () => {
    await withServer({ config: fixture("private"), mode: "production" }, async (prod) => {
      const res = await prod.app.inject({ method: "POST", url: "/threads/search", headers: { ...studio, host: "127.0.0.1" }, payload: {}, remoteAddress: "127.0.0.1" });
      expect(res.statusCode).toBe(401);
    });
    await withServer({ config: project("no-studio", { auth: { path: path.join(REPO_ROOT, "examples/security/auth.ts:auth"), disable_studio_auth: "true" } }) }, async (s) => {
      const res = await s.app.inject({ method: "POST", url: "/threads/search", headers: { ...studio, host: "127.0.0.1" }, payload: {}, remoteAddress: "127.0.0.1" });
      expect(res.statusCode).toBe(401);
    });
  });

  it("never grants an untrusted origin the x-auth-scheme header or private-network access in CORS", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/threads/search`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,x-auth-scheme,authorization",
          "access-control-request-private-network": "true",
        },
      });
    const evil = await preflight("https://evil.example");
    expect(evil.status).toBeLessThan(300);
    const evilHeaders = (evil.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    expect(evilHeaders).toContain("authorization");
    expect(evilHeaders).not.toContain("x-auth-scheme");
    expect(evil.headers.get("access-control-allow-private-network")).toBeNull();
    const smith = await preflight("https://smith.langchain.com");
    expect((smith.headers.get("access-control-allow-headers") ?? "").toLowerCase()).toContain("x-auth-scheme");
    expect(smith.headers.get("access-control-allow-origin")).toBe("https://smith.langchain.com");
    expect(smith.headers.get("access-control-allow-private-network")).toBe("true");
  });
});

describe("POST /internal/truncate", () => {
  const body = JSON.stringify({ threads: true, runs: true });

  it("does not exist unless asked for", async () => {
    await withServer({ config: fixture("private") }, async (s) => {
      const res = await fetch(`${s.url}/internal/truncate`, { method: "POST", headers: { ...ALICE, "content-type": "application/json" }, body });
      expect(res.status).toBe(404);
    });
  });

  it("when asked for, refuses the Studio identity and cross-origin requests, and wipes for a real user", async () => {
    await withServer({ config: fixture("private"), allowTruncate: true }, async (s) => {
      const alice = sdkClient(s.url, "user1-token");
      await alice.threads.create();
      const studio = await s.app.inject({ method: "POST", url: "/internal/truncate", headers: { "x-auth-scheme": "langsmith", host: "127.0.0.1" }, payload: { threads: true }, remoteAddress: "127.0.0.1" });
      expect(studio.statusCode).toBe(403);
      const page = await fetch(`${s.url}/internal/truncate`, { method: "POST", headers: { ...ALICE, origin: "https://evil.example", "content-type": "text/plain" }, body });
      expect(page.status).toBe(403);
      expect(await alice.threads.count()).toBe(1);
      const ok = await fetch(`${s.url}/internal/truncate`, { method: "POST", headers: { ...ALICE, "content-type": "application/json" }, body });
      expect(ok.status).toBe(200);
      expect(await alice.threads.count()).toBe(0);
    });
  });
});

describe("webhook URL policy", () => {
  let receiver: Server;
  let target: string;
  let redirectedHits = 0;
  beforeAll(async () => {
    receiver = createHttpServer((req, res) => {
      if (req.url === "/redirect") res.writeHead(302, { location: "/landed" }).end();
      else {
        if (req.url === "/landed") redirectedHits++;
        res.writeHead(200).end("ok");
      }
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    target = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  });
  afterAll(async () => new Promise((r) => receiver.close(r)));

  it("refuses loopback in all its spellings, link-local and private addresses with disable_loopback", async () => {
    await withServer({ config: project("hooks", { auth: undefined, webhooks: { url: { disable_loopback: true } } }) }, async (s) => {
      const client = sdkClient(s.url);
      const thread = await client.threads.create();
      for (const webhook of [
        "http://127.0.0.1:9/x",
        "http://localhost:9/x",
        "http://0.0.0.0:9/x",
        "http://[::1]:9/x",
        "http://[::ffff:127.0.0.1]:9/x",
        "http://2130706433:9/x",
        "http://0x7f.1:9/x",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.8/x",
        "http://192.168.1.1/x",
        "/threads",
      ]) {
        await expect(client.runs.create(thread.thread_id, "agent", { input: hello(), webhook }), webhook).rejects.toMatchObject({ status: 422 });
      }
    });
    await withServer({ config: project("hooks-private", { auth: undefined, webhooks: { url: { disable_loopback: true, allow_private_networks: true } } }) }, async (s) => {
      const client = sdkClient(s.url);
      const thread = await client.threads.create();
      const run = await client.runs.create(thread.thread_id, "agent", { input: hello(), webhook: "http://10.255.255.1:9/x" });
      expect(run.run_id).toBeTruthy();
      await expect(client.runs.create(thread.thread_id, "agent", { input: hello(), webhook: "http://127.0.0.1:9/x", multitaskStrategy: "enqueue" })).rejects.toMatchObject({ status: 422 });
    });
  });

  it("checks the connection's own DNS answer at delivery (a name that now points to loopback is refused)", async () => {
    const policy = new WebhookPolicy({ disable_loopback: true });
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => policy.guardedLookup("localhost", {}, (e) => resolve(e)));
    expect(err?.code).toBe("EWEBHOOKREFUSED");
    const open = new WebhookPolicy({});
    expect(open.checksAddresses).toBe(false);
  });

  it("never follows a redirect", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
    await withServer({ config: project("hooks-redirect", { auth: undefined }), logger }, async (s) => {
      const client = sdkClient(s.url);
      const thread = await client.threads.create();
      const run = await client.runs.create(thread.thread_id, "agent", { input: hello(), webhook: `${target}/redirect` });
      await waitFor(async () => lines.find((l) => l.includes(run.run_id) && l.includes("redirects are not followed")));
    });
    expect(redirectedHits).toBe(0);
  });
});

describe("CORS from langgraph.json", () => {
  it("matches allow_origin_regex against the whole origin, and never sends * with credentials", async () => {
    const config = project("cors", { http: { cors: { allow_origin_regex: "https://app\\.example\\.com", allow_credentials: true } } });
    await withServer({ config }, async (s) => {
      const get = (origin: string) => fetch(`${s.url}/ok`, { headers: { origin } });
      expect((await get("https://app.example.com")).headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect((await get("https://app.example.com.evil.net")).headers.get("access-control-allow-origin")).toBeNull();
      expect((await get("https://evil.net/?https://app.example.com")).headers.get("access-control-allow-origin")).toBeNull();
    });
    await withServer({ config: project("cors-creds", { http: { cors: { allow_credentials: true } } }) }, async (s) => {
      const res = await fetch(`${s.url}/ok`, { headers: { origin: "https://evil.example" } });
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    });
  });
});

describe("inputs that used to answer 500", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ config: fixture("private") });
  });
  afterAll(async () => server?.close());

  it("refuses two Authorization headers with 400", async () => {
    const res = await rawRequest(server.url, "POST", "/threads/search", {
      authorization: ["Bearer user2-token", "Bearer user1-token"],
      "content-type": "application/json",
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: "duplicate_authorization" });
  });

  it("searches threads by 40 metadata keys, and answers 422 past the limit", async () => {
    const alice = sdkClient(server.url, "user1-token");
    const metadata = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, `v${i}`]));
    const thread = await alice.threads.create({ metadata });
    expect((await alice.threads.search({ metadata })).map((t) => t.thread_id)).toEqual([thread.thread_id]);
    expect(await alice.threads.count({ metadata })).toBe(1);
    const tooMany = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
    await expect(alice.threads.search({ metadata: tooMany })).rejects.toMatchObject({ status: 422 });
  });
});
