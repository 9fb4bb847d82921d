/** Webhooks: delivered as JSON to a local receiver, retried after a 500, policy-checked, safe. */
import { createServer as createHttpServer, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync, cpSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, REPO_ROOT, sdkClient, startTestServer, waitFor } from "../helpers/server.js";

interface Received {
  contentType?: string;
  body: Record<string, unknown>;
}

let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let failNext = 0;
let server: RunningServer;
let client: ReturnType<typeof sdkClient>;

beforeAll(async () => {
  receiver = createHttpServer((req, res) => {
    let data = "";
    req.on("data", (d) => (data += d));
    req.on("end", () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end("try again");
        return;
      }
      received.push({ contentType: req.headers["content-type"], body: JSON.parse(data) });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const address = receiver.address() as { port: number };
  receiverUrl = `http://127.0.0.1:${address.port}/hook`;
  server = await startTestServer({ config: fixture("api") });
  client = sdkClient(server.url);
});
afterAll(async () => {
  await server?.close();
  await new Promise((r) => receiver.close(r));
});

const hello = { messages: [{ role: "user", content: "Hello!" }] };

describe("webhooks", () => {
  it("POSTs the finished run as JSON, with its values", async () => {
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "agent", { input: hello, webhook: receiverUrl });
    const hit = await waitFor(async () => received.find((r) => r.body.run_id === run.run_id));
    expect(hit.contentType).toBe("application/json");
    expect(hit.body).toMatchObject({ run_id: run.run_id, thread_id: thread.thread_id, status: "success" });
    // The run as the API shows it, not the server's internals (the caller's auth among them).
    for (const internal of ["internal", "assistant", "cancel", "auth"]) expect(hit.body).not.toHaveProperty(internal);
    expect((hit.body.values as { messages: Array<{ content: string }> }).messages.at(-1)!.content).toBe("echo: Hello!");
    expect(hit.body.webhook_sent_at).toBeTruthy();
  });

  it("reports errors, and retries after a 500", async () => {
    failNext = 1;
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "failing", { input: { text: "x" }, webhook: receiverUrl });
    const hit = await waitFor(async () => received.find((r) => r.body.run_id === run.run_id), 10_000);
    expect(hit.body).toMatchObject({ status: "error", error: "Boo!" });
    expect(failNext).toBe(0);
  });

  it("never holds a worker back: a dead webhook leaves the next runs unaffected", async () => {
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "agent", { input: hello, webhook: "http://127.0.0.1:9/unreachable" });
    const values = (await client.runs.wait(thread.thread_id, "agent", { input: hello })) as { messages: unknown[] };
    expect(values.messages).toHaveLength(4);
  });

  it("rejects a malformed webhook URL with 422", async () => {
    const thread = await client.threads.create();
    await expect(client.runs.create(thread.thread_id, "agent", { input: hello, webhook: "not a url" })).rejects.toMatchObject({ status: 422 });
  });
});

describe("webhook policy and relative webhooks", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "agent-server-hooks-"));
  let secured: RunningServer;
  const logLines: string[] = [];
  beforeAll(async () => {
    const project = path.join(tmp, "a", "b", "project");
    cpSync(fixture("private"), project, { recursive: true });
    cpSync(path.join(REPO_ROOT, "examples"), path.join(tmp, "examples"), { recursive: true });
    cpSync(fixture("api"), path.join(tmp, "a", "api"), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(tmp, "node_modules"), "dir");
    writeFileSync(
      path.join(project, "langgraph.json"),
      JSON.stringify({
        graphs: { agent: "../../../examples/agent/graph.ts:graph" },
        auth: { path: "./auth.ts:auth" },
        webhooks: { url: { allowed_domains: ["127.0.0.1", "*.example.com"] } },
      }),
    );
    secured = await startTestServer({ config: project, logger: pino({ level: "warn" }, { write: (line: string) => void logLines.push(line) }) });
  });
  afterAll(async () => {
    await secured?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("refuses webhooks outside webhooks.url.allowed_domains", async () => {
    const alice = sdkClient(secured.url, "user1-token");
    const thread = await alice.threads.create();
    await expect(alice.runs.create(thread.thread_id, "agent", { input: hello, webhook: "https://evil.test/x" })).rejects.toMatchObject({ status: 422 });
    await alice.runs.create(thread.thread_id, "agent", { input: hello, webhook: "https://hooks.example.com/x", multitaskStrategy: "enqueue" });
  });

  it("sends a relative webhook through authentication without credentials: it cannot read the owner's data", async () => {
    const alice = sdkClient(secured.url, "user1-token");
    const thread = await alice.threads.create();
    // The webhook tries to create a thread; it carries no credentials, so authentication refuses it.
    const before = await alice.threads.count();
    const run = await alice.runs.create(thread.thread_id, "agent", { input: hello, webhook: "/threads", multitaskStrategy: "enqueue" });
    await alice.runs.join(thread.thread_id, run.run_id);
    const refused = await waitFor(async () => logLines.find((l) => l.includes(run.run_id) && l.includes("webhook refused (HTTP 401)")));
    expect(refused).toBeTruthy();
    expect(await alice.threads.count()).toBe(before);
  });
});
