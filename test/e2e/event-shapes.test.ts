/**
 * Event and state shapes as LangGraph Platform clients use them: time travel from a streamed
 * debug checkpoint, a subgraph's interrupted state read through its task's checkpoint, the legacy
 * `messages` mode beside `values`, and graph factories built from the assistant's and the run's
 * config. The graphs follow LangGraph's examples (ReAct agent, subgraph state, graph rebuild).
 */
import type { Checkpoint } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer } from "../helpers/server.js";

type Part = { event: string; data: unknown };
type Message = { id: string; type: string; content: string };
type CheckpointPayload = {
  config: { configurable: Record<string, unknown> };
  parent_config: unknown;
  values: { messages?: Message[] };
  next: string[];
  checkpoint: Checkpoint;
  parent_checkpoint: Checkpoint | null;
};

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer({ config: fixture("event-shapes") });
});
afterAll(async () => {
  await server?.close();
});
const client = () => sdkClient(server.url);
const question = { messages: [{ role: "user", content: "What is the weather in sf?" }] };

async function stream(threadId: string, assistant: string, options: Record<string, unknown>): Promise<Part[]> {
  const parts: Part[] = [];
  for await (const part of client().runs.stream(threadId, assistant, options)) parts.push(part as Part);
  return parts;
}

describe("stream_mode debug", () => {
  it("checkpoint events carry checkpoint and parent_checkpoint, to read and fork from a streamed step", async () => {
    const thread = await client().threads.create();
    const parts = await stream(thread.thread_id, "react", { input: question, streamMode: ["debug"] });
    const checkpoints = parts
      .filter((p) => p.event === "debug" && (p.data as { type: string }).type === "checkpoint")
      .map((p) => (p.data as { payload: CheckpointPayload }).payload);
    expect(checkpoints.length).toBeGreaterThan(3);
    for (const [i, payload] of checkpoints.entries()) {
      expect(payload.checkpoint).toEqual({ thread_id: thread.thread_id, checkpoint_ns: "", checkpoint_id: expect.any(String), checkpoint_map: null });
      expect(payload.parent_checkpoint).toEqual(i === 0 ? null : checkpoints[i - 1]!.checkpoint);
      expect(payload).toHaveProperty("parent_config");
      expect(payload).not.toHaveProperty("parentConfig");
      expect(Object.keys(payload.config.configurable).filter((k) => k.startsWith("__"))).toEqual([]);
    }

    // Time travel from a streamed step: the one about to call the tool.
    const beforeTool = checkpoints.find((c) => c.next.includes("tools"))!;
    const state = await client().threads.getState<{ messages: Message[] }>(thread.thread_id, beforeTool.checkpoint);
    expect(state.next).toEqual(["tools"]);
    expect(state.checkpoint.checkpoint_id).toBe(beforeTool.checkpoint.checkpoint_id);
    const forked = (await client().runs.wait(thread.thread_id, "react", { input: null, checkpoint: beforeTool.checkpoint })) as { messages: Message[] };
    expect(forked.messages.map((m) => m.type)).toEqual(["human", "ai", "tool", "ai"]);
    expect(forked.messages.at(-1)!.content).toBe("The weather in sf is sunny");
  });

  it("never shows the authenticated user", async () => {
    const withAuth = await startTestServer({ config: fixture("platform") });
    try {
      const alice = sdkClient(withAuth.url, "user1-token");
      const thread = await alice.threads.create();
      const parts = await stream2(alice, thread.thread_id);
      expect(parts.some((p) => p.event === "debug")).toBe(true);
      const text = JSON.stringify(parts);
      expect(text).not.toContain("must-never-be-returned");
      expect(text).not.toContain("langgraph_auth_user");
    } finally {
      await withAuth.close();
    }
  });
});

async function stream2(c: ReturnType<typeof sdkClient>, threadId: string): Promise<Part[]> {
  const parts: Part[] = [];
  for await (const part of c.runs.stream(threadId, "agent", { input: question, streamMode: ["debug", "checkpoints"] })) parts.push(part as Part);
  return parts;
}

describe("GET /threads/{id}/state", () => {
  it("of a thread interrupted inside a subgraph: the task's checkpoint reads the subgraph's state", async () => {
    const thread = await client().threads.create();
    await client().runs.wait(thread.thread_id, "weather", { input: { question: "weather in sf?" } });
    const state = await client().threads.getState(thread.thread_id);
    expect(state.next).toEqual(["weather_graph"]);
    const task = state.tasks[0]!;
    expect(task.interrupts).toEqual([expect.objectContaining({ value: { question: "Look up the weather in San Francisco?" } })]);
    expect(task.checkpoint).toMatchObject({ thread_id: thread.thread_id, checkpoint_ns: expect.stringMatching(/^weather_graph:/) });

    const subgraph = await client().threads.getState<{ city: string }>(thread.thread_id, task.checkpoint!);
    expect(subgraph.values).toEqual({ city: "San Francisco" });
    expect(subgraph.next).toEqual(["weather_node"]);
    expect(subgraph.checkpoint.checkpoint_ns).toBe(task.checkpoint!.checkpoint_ns);
  });
});

describe("stream_mode messages beside values", () => {
  /** Every values event (root or subgraph) holds only messages announced complete before it, or the input. */
  function expectCompleteBeforeValues(parts: Part[]): void {
    const input = new Set(((parts.find((p) => p.event === "values")!.data as { messages: Message[] }).messages ?? []).map((m) => m.id));
    const complete = new Set<string>();
    for (const part of parts) {
      if (part.event === "messages/complete") for (const m of part.data as Message[]) complete.add(m.id);
      if (part.event === "values" || part.event.startsWith("values|")) {
        for (const m of (part.data as { messages?: Message[] }).messages ?? []) expect(input.has(m.id) || complete.has(m.id), `${part.event}: ${m.type} ${m.id}`).toBe(true);
      }
    }
    expect(complete.size).toBe(3);
  }

  it("announces each message complete before the values event of its step", async () => {
    const thread = await client().threads.create();
    const parts = await stream(thread.thread_id, "react", { input: question, streamMode: ["messages", "values", "updates"] });
    expectCompleteBeforeValues(parts);
  });

  it("does so inside subgraphs too, with their tokens streamed", async () => {
    const thread = await client().threads.create();
    const parts = await stream(thread.thread_id, "supervisor", { input: question, streamMode: ["messages", "values"], streamSubgraphs: true });
    expect(parts.some((p) => p.event.startsWith("values|weather_agent:"))).toBe(true);
    expectCompleteBeforeValues(parts);
    const partials = parts.filter((p) => p.event === "messages/partial").map((p) => (p.data as Message[])[0]!.content);
    expect(partials).toContain("The weather in sf is sunny");
  });
});

describe("a graph exported as a factory of the config", () => {
  it("is built with the assistant's config, for runs and for state updates as_node", async () => {
    const assistant = await client().assistants.create({ graphId: "factory", config: { configurable: { variant: "tools" } } });
    const thread = await client().threads.create();
    await client().runs.wait(thread.thread_id, assistant.assistant_id, { input: question, interruptBefore: ["tools"] });
    expect((await client().threads.getState(thread.thread_id)).next).toEqual(["tools"]);

    // The human answers in the tool's place ("tools" exists only in the graph this config builds).
    await client().threads.updateState(thread.thread_id, {
      values: { messages: [{ role: "tool", content: "Rainy, says the human", tool_call_id: "call_1" }] },
      asNode: "tools",
    });
    expect((await client().threads.getState(thread.thread_id)).next).toEqual(["agent"]);
    const result = (await client().runs.wait(thread.thread_id, assistant.assistant_id, { input: null })) as { messages: Message[] };
    expect(result.messages.map((m) => m.content)).toContain("Rainy, says the human");
    expect(result.messages.at(-1)!.content).toBe("The weather in sf is sunny");

    await expect(client().threads.updateState(thread.thread_id, { values: {}, asNode: "no_such_node" })).rejects.toMatchObject({ status: 400 });
  });

  it("is built with the run's config, and without either gets the default graph", async () => {
    const viaRun = await client().threads.create();
    await client().runs.wait(viaRun.thread_id, "factory", { input: question, config: { configurable: { variant: "tools" } }, interruptBefore: ["tools"] });
    expect((await client().threads.getState(viaRun.thread_id)).next).toEqual(["tools"]);

    const plain = await client().threads.create();
    const result = (await client().runs.wait(plain.thread_id, "factory", { input: question })) as { messages: Message[] };
    expect(result.messages.at(-1)!.content).toBe("default graph");
  });
});
