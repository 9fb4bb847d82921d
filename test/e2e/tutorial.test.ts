/** The custom-auth tutorial, part 1, end to end with the real SDK against the demo project. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer } from "../helpers/server.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("custom auth tutorial, part 1", () => {
  it("rejects a request without a token with 401", async () => {
    await expect(sdkClient(server.url).threads.create()).rejects.toMatchObject({ status: 401 });
  });

  it("rejects a wrong token with 401 and a JSON detail", async () => {
    await expect(sdkClient(server.url, "nope").threads.create()).rejects.toMatchObject({ status: 401 });
    const res = await fetch(`${server.url}/threads`, { method: "POST", headers: { authorization: "Bearer nope" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ detail: "Invalid token", code: "unauthorized" });
  });

  it("lets a known user create a thread, run the agent and read the echo reply", async () => {
    const alice = sdkClient(server.url, "user1-token");
    const thread = await alice.threads.create();
    expect(thread.status).toBe("idle");
    const run = await alice.runs.create(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "Hello!" }] },
    });
    expect(run.status).toBe("pending");
    await alice.runs.join(thread.thread_id, run.run_id);
    const finished = await alice.runs.get(thread.thread_id, run.run_id);
    expect(finished.status).toBe("success");
    const state = await alice.threads.getState<{ messages: Array<{ type: string; content: string }> }>(thread.thread_id);
    expect(state.values.messages.map((m) => [m.type, m.content])).toEqual([
      ["human", "Hello!"],
      ["ai", "echo: Hello!"],
    ]);
    const after = await alice.threads.get(thread.thread_id);
    expect(after.status).toBe("idle");
    expect(after.metadata).toMatchObject({ graph_id: "agent" });
  });

  it("accepts the graph id or the system assistant id", async () => {
    const alice = sdkClient(server.url, "user1-token");
    const byGraph = await alice.assistants.get("agent");
    expect(byGraph.assistant_id).toBe("fe096781-5601-53d2-b2f6-0d3403f7e9ca");
    const found = await alice.assistants.search({ graphId: "agent" });
    expect(found.map((a) => a.assistant_id)).toContain("fe096781-5601-53d2-b2f6-0d3403f7e9ca");
  });

  it("keeps /ok and /info public", async () => {
    expect(await (await fetch(`${server.url}/ok`)).json()).toEqual({ ok: true });
    expect((await fetch(`${server.url}/info`)).status).toBe(200);
  });
});

describe("custom auth tutorial, part 2: the published catch-all handler, verbatim", () => {
  let part2: RunningServer;
  beforeAll(async () => {
    part2 = await startTestServer({ config: fixture("tutorial-part2") });
  });
  afterAll(async () => {
    await part2?.close();
  });

  it("runs the tutorial's test: each user chats with the graph's assistant, and sees only their own threads", async () => {
    const alice = sdkClient(part2.url, "user1-token");
    const bob = sdkClient(part2.url, "user2-token");

    const aliceAssistant = await alice.assistants.create({ graphId: "agent" });
    expect(aliceAssistant.metadata).toMatchObject({ owner: "user1" });

    const aliceThread = await alice.threads.create();
    const aliceRun = await alice.runs.create(aliceThread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "Hi, this is Alice's private chat" }] },
    });
    await expect(bob.threads.get(aliceThread.thread_id)).rejects.toMatchObject({ status: 404 });

    const bobThread = await bob.threads.create();
    const bobRun = await bob.runs.create(bobThread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "Hi, this is Bob's private chat" }] },
    });

    expect((await alice.threads.search()).map((t) => t.thread_id)).toEqual([aliceThread.thread_id]);
    expect((await bob.threads.search()).map((t) => t.thread_id)).toEqual([bobThread.thread_id]);

    // Both runs of "agent" really ran, for each user.
    await alice.runs.join(aliceThread.thread_id, aliceRun.run_id);
    await bob.runs.join(bobThread.thread_id, bobRun.run_id);
    const last = async (client: typeof alice, id: string) =>
      (await client.threads.getState<{ messages: Array<{ content: string }> }>(id)).values.messages.at(-1)?.content;
    expect(await last(alice, aliceThread.thread_id)).toBe("echo: Hi, this is Alice's private chat");
    expect(await last(bob, bobThread.thread_id)).toBe("echo: Hi, this is Bob's private chat");
    // Stateless runs of the graph's assistant too.
    expect(await bob.runs.wait(null, "agent", { input: { messages: [{ role: "user", content: "stateless" }] } })).toMatchObject({
      messages: [{ content: "stateless" }, { content: "echo: stateless" }],
    });
  });

  it("keeps an assistant a user created private: another user can neither run it nor read it", async () => {
    const alice = sdkClient(part2.url, "user1-token");
    const bob = sdkClient(part2.url, "user2-token");
    const mine = await alice.assistants.create({ graphId: "agent", config: { configurable: { secret_prompt: "alice only" } } });
    const bobThread = await bob.threads.create();
    await expect(bob.runs.create(bobThread.thread_id, mine.assistant_id, { input: { messages: [] } })).rejects.toMatchObject({ status: 404 });
    await expect(bob.runs.wait(null, mine.assistant_id, { input: { messages: [] } })).rejects.toMatchObject({ status: 404 });
    await expect(bob.crons.create(mine.assistant_id, { schedule: "0 0 1 1 *" })).rejects.toMatchObject({ status: 404 });
    await expect(bob.assistants.get(mine.assistant_id)).rejects.toMatchObject({ status: 404 });
    expect((await bob.assistants.search()).map((a) => a.assistant_id)).not.toContain(mine.assistant_id);
    expect(JSON.stringify(await bob.runs.list(bobThread.thread_id))).not.toContain("alice only");
    // Alice runs her own assistant.
    const aliceThread = await alice.threads.create();
    const values = await alice.runs.wait(aliceThread.thread_id, mine.assistant_id, { input: { messages: [{ role: "user", content: "x" }] } });
    expect(values).toMatchObject({ messages: [{ content: "x" }, { content: "echo: x" }] });
  });
});

describe("custom auth tutorial, part 3: an authentication provider (Supabase's auth API on a loopback port)", () => {
  // A stand-in for Supabase's auth server with the three endpoints the tutorial calls.
  const ANON_KEY = "anon-public-key";
  const SERVICE_KEY = "service-role-key";
  const users = new Map<string, { id: string; email: string; password: string }>();
  const tokens = new Map<string, string>();
  let supabase: import("node:http").Server;
  let part3: RunningServer;
  const saved = { url: process.env.SUPABASE_URL, key: process.env.SUPABASE_SERVICE_KEY };

  beforeAll(async () => {
    const { createServer } = await import("node:http");
    const { randomUUID } = await import("node:crypto");
    supabase = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        const json = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
        const apiKey = req.headers.apikey;
        if (req.method === "POST" && req.url === "/auth/v1/signup" && apiKey === ANON_KEY) {
          const { email, password } = JSON.parse(body);
          const user = { id: randomUUID(), email, password };
          users.set(email, user);
          return json(200, { id: user.id, email });
        }
        if (req.method === "POST" && req.url === "/auth/v1/token?grant_type=password" && apiKey === ANON_KEY) {
          const { email, password } = JSON.parse(body);
          const user = users.get(email);
          if (!user || user.password !== password) return json(400, { error: "invalid_grant" });
          const token = randomUUID();
          tokens.set(token, email);
          return json(200, { access_token: token, token_type: "bearer" });
        }
        if (req.method === "GET" && req.url === "/auth/v1/user" && apiKey === SERVICE_KEY) {
          const email = tokens.get(String(req.headers.authorization).replace(/^Bearer /, ""));
          const user = email ? users.get(email) : undefined;
          return user ? json(200, { id: user.id, email: user.email }) : json(401, { msg: "invalid JWT" });
        }
        json(404, { msg: "not found" });
      });
    });
    await new Promise<void>((r) => supabase.listen(0, "127.0.0.1", r));
    process.env.SUPABASE_URL = `http://127.0.0.1:${(supabase.address() as { port: number }).port}`;
    process.env.SUPABASE_SERVICE_KEY = SERVICE_KEY;
    part3 = await startTestServer({ config: fixture("tutorial-part3") });
  });
  afterAll(async () => {
    await part3?.close();
    await new Promise((r) => supabase?.close(r));
    process.env.SUPABASE_URL = saved.url;
    process.env.SUPABASE_SERVICE_KEY = saved.key;
  });

  it("runs the tutorial's test: sign up and log in two users, who each see only their own threads", async () => {
    const SUPABASE_URL = process.env.SUPABASE_URL;
    const SUPABASE_ANON_KEY = ANON_KEY;
    const email1 = "someone+1@example.com";
    const email2 = "someone+2@example.com";
    const password = "secure-password";
    const post = (path: string, body: unknown) =>
      fetch(`${SUPABASE_URL}${path}`, { method: "POST", headers: { apiKey: SUPABASE_ANON_KEY, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    for (const email of [email1, email2]) expect((await post("/auth/v1/signup", { email, password })).status).toBe(200);
    const login = async (email: string) => ((await (await post("/auth/v1/token?grant_type=password", { email, password })).json()) as { access_token: string }).access_token;

    const user1Client = sdkClient(part3.url, await login(email1));
    const thread = await user1Client.threads.create();
    expect(thread.metadata).toMatchObject({ owner: users.get(email1)!.id });
    await expect(sdkClient(part3.url).threads.create()).rejects.toMatchObject({ status: 401 });
    await expect(sdkClient(part3.url, "forged-token").threads.create()).rejects.toMatchObject({ status: 401 });
    const user2Client = sdkClient(part3.url, await login(email2));
    await expect(user2Client.threads.get(thread.thread_id)).rejects.toMatchObject({ status: 404 });
    // Both users chat with the graph's assistant.
    for (const client of [user1Client, user2Client]) {
      const own = await client.threads.create();
      const values = (await client.runs.wait(own.thread_id, "agent", { input: { messages: [{ role: "user", content: "Hello!" }] } })) as {
        messages: Array<{ content: string }>;
      };
      expect(values.messages.at(-1)?.content).toBe("echo: Hello!");
    }
    expect((await user2Client.threads.search()).map((t) => t.thread_id)).not.toContain(thread.thread_id);
  });
});
