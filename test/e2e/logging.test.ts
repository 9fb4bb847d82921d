/** What the logs say: one line per request and per run, and never a credential. */
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer } from "../helpers/server.js";

const lines: string[] = [];
let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer({ config: fixture("private"), logger: pino({ level: "debug" }, { write: (l: string) => void lines.push(l) }) });
});
afterAll(async () => {
  await server?.close();
});

it("logs requests and runs, and never the bearer token, api key or cookies", async () => {
  const alice = sdkClient(server.url, "user1-token", { "x-api-key": "secret-api-key", cookie: "session=secret-cookie" });
  const thread = await alice.threads.create();
  await alice.runs.wait(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "hi" }] } });
  await fetch(`${server.url}/threads`, { method: "POST", headers: { authorization: "Bearer wrong-secret-token" } });
  const all = lines.join("\n");
  expect(all).toMatch(/POST \/threads 200/);
  expect(all).toMatch(/POST \/threads 401/);
  expect(all).toMatch(/run [0-9a-f-]+ agent success \(queued \d+ ms, ran \d+ ms\)/);
  for (const secret of ["user1-token", "secret-api-key", "secret-cookie", "wrong-secret-token"]) expect(all).not.toContain(secret);
});
