/**
 * Token streaming as a chat UI reads it: a model that streams a long answer as fast as it can, one
 * character per chunk, in messages-tuple mode — every chunk arrives, in order, for each of several
 * concurrent readers. (LangChain runs callbacks in the background by default, and LangGraph then
 * drops the tokens still queued when the model's end is handled: the server awaits them.)
 */
import { describe, expect, it } from "vitest";
import { ANSWER } from "../fixtures/streaming/fast-model.js";
import { fixture, useTestServer } from "../helpers/server.js";

const t = useTestServer({ config: fixture("streaming") });
type Part = { event: string; data: unknown };
const hi = { messages: [{ role: "user", content: "hey" }] };

describe("token streaming", () => {
  it("delivers every chunk of a fast model, in order, run after run", async () => {
    for (let i = 0; i < 3; i++) {
      const thread = await t.client.threads.create();
      let text = "";
      let chunks = 0;
      for await (const part of t.client.runs.stream(thread.thread_id, "chat", { input: hi, streamMode: "messages-tuple" }) as AsyncIterable<Part>) {
        if (part.event !== "messages") continue;
        chunks++;
        text += (part.data as [{ content: string }])[0].content;
      }
      expect(chunks).toBe(ANSWER.length);
      expect(text).toBe(ANSWER);
    }
  });

  it("gives each of 20 readers of one run the whole answer", async () => {
    const thread = await t.client.threads.create();
    const run = await t.client.runs.create(thread.thread_id, "chat", { input: hi, streamMode: ["messages-tuple"] });
    const texts = await Promise.all(
      Array.from({ length: 20 }, async () => {
        let text = "";
        for await (const part of t.client.runs.joinStream(thread.thread_id, run.run_id) as AsyncIterable<Part>) {
          if (part.event === "messages") text += (part.data as [{ content: string }])[0].content;
        }
        return text;
      }),
    );
    expect(new Set(texts)).toEqual(new Set([ANSWER]));
  });
});
