/**
 * The wire form of graph values: every kind of LangChain message as its own `toDict()` says
 * (serialize reads the dict from the message's fields for speed; this holds it to LangChain's
 * answer), nested anywhere, with bigints as strings and cycles cut.
 */
import { AIMessage, AIMessageChunk, ChatMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { serialize } from "../../src/graphs/serialize.js";

/** What LangChain itself makes of a message for the API: its dict, with its type. */
function langchainDict(message: { toDict(): { type: string; data: object } }) {
  const { type, data } = message.toDict();
  return { ...JSON.parse(JSON.stringify(data)), type };
}

const messages = [
  new HumanMessage({ content: "hi", id: "1", name: "bob", additional_kwargs: { x: 1 } }),
  new AIMessage({
    content: [{ type: "text", text: "yo" }],
    tool_calls: [{ id: "t1", name: "search", args: { q: "x" } }],
    usage_metadata: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
    response_metadata: { model: "m" },
  }),
  new AIMessageChunk({ content: "a", id: "run-1", tool_call_chunks: [{ name: "f", args: "{", id: "c", index: 0 }] }),
  new ToolMessage({ content: "r", tool_call_id: "t1", name: "search", artifact: { a: 1 }, status: "success" }),
  new SystemMessage("sys"),
  new RemoveMessage({ id: "9" }),
  new ChatMessage({ content: "c", role: "critic" }),
];

describe("serialize", () => {
  it.each(messages.map((m) => [m.constructor.name, m] as const))("writes a %s as its toDict() form", (_name, message) => {
    expect(JSON.parse(serialize(message))).toEqual(langchainDict(message));
  });

  it("reads fields as they are now (an id changed after construction, as LangGraph's stream does)", () => {
    const chunk = new AIMessageChunk({ content: "a", id: "first" });
    chunk.id = "run-x";
    expect(JSON.parse(serialize(chunk))).toEqual(langchainDict(chunk));
    expect(JSON.parse(serialize(chunk)).id).toBe("run-x");
  });

  it("converts messages nested in state, bigints, dates, and cuts cycles", () => {
    const state = { messages, n: 10n, when: new Date(0), nested: { list: [messages[0], { deep: messages[2] }] } };
    const plain = JSON.parse(serialize(state));
    expect(plain.messages).toEqual(messages.map(langchainDict));
    expect(plain.nested.list[1].deep).toEqual(langchainDict(messages[2]!));
    expect(plain.n).toBe("10");
    expect(plain.when).toBe("1970-01-01T00:00:00.000Z");
    // Converted after plain items, in arrays and objects; the caller's value is left as it was.
    const mixed = { plain: { a: [1, "x", null] }, list: [1, "a", new Date(0), { big: 10n }], msg: messages[4] };
    expect(JSON.parse(serialize(mixed))).toEqual({
      plain: { a: [1, "x", null] },
      list: [1, "a", "1970-01-01T00:00:00.000Z", { big: "10" }],
      msg: langchainDict(messages[4]!),
    });
    expect(mixed.list[2]).toBeInstanceOf(Date);
    expect(mixed.list[3]).toEqual({ big: 10n });
    expect(mixed.msg).toBe(messages[4]);
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    expect(JSON.parse(serialize(loop))).toEqual({ a: 1, self: "[Circular]" });
  });
});
