import { expect } from "vitest";
import { sdkClient } from "./server.js";

/**
 * The tutorial's part 1 flow against any running server with the demo auth module: no token and a
 * wrong token are 401; user1 creates a thread, runs the agent and reads the echo reply.
 */
export async function passTutorialFlow(url: string, graphId = "agent"): Promise<string> {
  await expect(sdkClient(url).threads.create()).rejects.toMatchObject({ status: 401 });
  await expect(sdkClient(url, "wrong-token").threads.create()).rejects.toMatchObject({ status: 401 });
  const alice = sdkClient(url, "user1-token");
  const thread = await alice.threads.create();
  const run = await alice.runs.create(thread.thread_id, graphId, {
    input: { messages: [{ role: "user", content: "Hello!" }] },
  });
  await alice.runs.join(thread.thread_id, run.run_id);
  expect((await alice.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
  const state = await alice.threads.getState<{ messages: Array<{ content: string }> }>(thread.thread_id);
  expect(state.values.messages.at(-1)?.content).toBe("echo: Hello!");
  return thread.thread_id;
}
