/** The custom-auth tutorial, part 1, end to end with the real SDK against the demo project. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { sdkClient, startTestServer } from "../helpers/server.js";

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
    expect(await res.json()).toEqual({ detail: "Invalid token" });
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
