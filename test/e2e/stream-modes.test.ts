/** Every stream mode, read through the SDK's stream parser. */
import { describe, expect, it } from "vitest";
import { fixture, useTestServer } from "../helpers/server.js";

const t = useTestServer({ config: fixture("api") });

type Part = { event: string; data: unknown };
async function streamOf(graph: string, input: Record<string, unknown>, streamMode: string[], extra: Record<string, unknown> = {}): Promise<Part[]> {
  const thread = await t.client.threads.create();
  const out: Part[] = [];
  for await (const part of t.client.runs.stream(thread.thread_id, graph, { input, streamMode: streamMode as never, ...extra })) out.push(part as Part);
  return out;
}
const hi = { messages: [{ role: "user", content: "hey" }] };

describe("stream modes", () => {
  it("messages-tuple: token chunks with their metadata", async () => {
    const parts = (await streamOf("chat", hi, ["messages-tuple"])).filter((p) => p.event === "messages");
    expect(parts.length).toBeGreaterThan(2);
    const tokens = parts.map((p) => (p.data as [{ content: string }, { langgraph_node: string }])[0].content).join("");
    expect(tokens).toBe("Hi there friend");
    expect((parts[0]!.data as [unknown, { langgraph_node: string }])[1].langgraph_node).toBe("model");
  });

  it("messages: metadata once, partials accumulating, then complete", async () => {
    const parts = await streamOf("chat", hi, ["messages"]);
    const events = parts.map((p) => p.event);
    expect(events.filter((e) => e === "messages/metadata")).toHaveLength(1);
    const partials = parts.filter((p) => p.event === "messages/partial").map((p) => (p.data as Array<{ content: string }>)[0]!.content);
    expect(partials.at(-1)).toBe("Hi there friend");
    expect(partials[0]!.length).toBeLessThan(partials.at(-1)!.length);
    const complete = parts.find((p) => p.event === "messages/complete");
    expect((complete?.data as Array<{ content: string }>)[0]!.content).toBe("Hi there friend");
    expect(events).not.toContain("values");
  });

  it("custom: what the graph writes", async () => {
    const parts = (await streamOf("custom", { steps: 3 }, ["custom"])).filter((p) => p.event === "custom");
    expect(parts.map((p) => p.data)).toEqual([{ progress: 1 }, { progress: 2 }, { progress: 3 }]);
  });

  it("updates, debug, tasks and checkpoints", async () => {
    const parts = await streamOf("agent", hi, ["updates", "debug", "tasks", "checkpoints"]);
    const events = new Set(parts.map((p) => p.event));
    for (const e of ["metadata", "updates", "debug", "tasks", "checkpoints"]) expect(events, e).toContain(e);
  });

  it("events: LangChain's stream events, alongside values", async () => {
    const parts = await streamOf("agent", hi, ["events", "values"]);
    const kinds = new Set(parts.filter((p) => p.event === "events").map((p) => (p.data as { event: string }).event));
    expect(kinds).toContain("on_chain_start");
    expect(kinds).toContain("on_chain_end");
    expect(parts.some((p) => p.event === "values")).toBe(true);
  });

  it("subgraphs: namespaced events as mode|namespace", async () => {
    const parts = await streamOf("nested", { text: "a" }, ["updates"], { streamSubgraphs: true });
    const namespaced = parts.map((p) => p.event).filter((e) => e.startsWith("updates|"));
    expect(namespaced.length).toBeGreaterThan(0);
    expect(namespaced[0]).toMatch(/^updates\|child:/);
  });
});
