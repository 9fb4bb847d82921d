/** Graph files of every supported kind and export shape load and run. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer } from "../helpers/server.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer({ config: fixture("graph-shapes") });
});
afterAll(async () => {
  await server?.close();
});

describe("graph loading", () => {
  it.each([
    ["compiled_ts", "ts: hi"],
    ["uncompiled_mts", "mts: hi"],
    ["factory_js", "factory: hi"],
    ["compiled_mjs", "mjs: hi"],
  ])("runs %s", async (graphId, reply) => {
    const client = sdkClient(server.url);
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, graphId, { input: { text: "hi" } });
    await client.runs.join(thread.thread_id, run.run_id);
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
    expect((await client.threads.getState<{ reply: string }>(thread.thread_id)).values.reply).toBe(reply);
  });

  it("calls a factory with the run's config", async () => {
    const client = sdkClient(server.url);
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "factory_js", {
      input: { text: "hi" },
      config: { configurable: { prefix: "custom" } },
    });
    await client.runs.join(thread.thread_id, run.run_id);
    expect((await client.threads.get<{ reply: string }>(thread.thread_id)).values?.reply).toBe("custom: hi");
  });

  it("creates one system assistant per graph", async () => {
    const assistants = await sdkClient(server.url).assistants.search({ limit: 100 });
    expect(assistants.map((a) => a.graph_id).sort()).toEqual(["compiled_mjs", "compiled_ts", "factory_js", "uncompiled_mts"]);
    expect(assistants.every((a) => a.metadata?.created_by === "system")).toBe(true);
  });
});
