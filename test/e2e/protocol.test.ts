/**
 * The thread-centric protocol (v2) as the SDK's own `client.threads.stream()` speaks it: a run
 * submitted with `run.start`, tokens read as messages, an interrupt resumed with `input.respond`,
 * over SSE and over a WebSocket; and the routes' authorization.
 */
import { Client } from "@langchain/langgraph-sdk";
import { StreamController } from "@langchain/langgraph-sdk/stream";
import { WebSocket as UndiciWebSocket } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket as WsClient } from "ws";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer, useTestServer, waitFor } from "../helpers/server.js";

const t = useTestServer({ config: fixture("api") });

interface WireEvent {
  method: string;
  event_id?: string;
  seq?: number;
  params: { namespace: string[]; data: Record<string, unknown> };
}

/** The root lifecycle of the runs a thread stream saw, in order. */
function rootLifecycle(events: WireEvent[]): string[] {
  return events.filter((e) => e.method === "lifecycle" && e.params.namespace.length === 0).map((e) => String(e.params.data.event));
}

/** A message's text, whether its content is a string or content blocks (LangGraph's protocol runs store blocks). */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  return (content as Array<{ type: string; text?: string }>).filter((b) => b.type === "text").map((b) => b.text).join("");
}

/** Streams the messages of a thread handle: each message's text as its deltas. */
async function messageDeltas(messages: AsyncIterable<{ text: AsyncIterable<string> & PromiseLike<string> }>): Promise<string[][]> {
  const out: string[][] = [];
  for await (const message of messages) {
    const deltas: string[] = [];
    for await (const delta of message.text) deltas.push(delta);
    out.push(deltas);
  }
  return out;
}

describe("client.threads.stream() over SSE", () => {
  it("submits a run and streams its answer token by token (messages), then its final values", async () => {
    const thread = t.client.threads.stream({ assistantId: "chat" });
    const events: WireEvent[] = [];
    thread.onEvent((event) => events.push(event as WireEvent));
    // As the SDK's docs do it: start the run, then read its messages (a thread the client just
    // made up has no events to stream before run.start creates it).
    const started = await thread.run.start({ input: { messages: [{ role: "user", content: "Hello" }] } });
    expect(started.run_id).toEqual(expect.any(String));
    const deltas = messageDeltas(thread.messages);
    const output = (await thread.output) as { messages: Array<{ content: unknown }> };
    const streamed = await deltas;
    await thread.close();

    expect(streamed).toHaveLength(1);
    expect(streamed[0]!.length).toBeGreaterThan(3);
    expect(streamed[0]!.join("")).toBe("Hi there friend");
    expect(output.messages.map((m) => textOf(m.content))).toEqual(["Hello", "Hi there friend"]);
    expect(rootLifecycle(events)).toEqual(["running", "completed"]);
    // Root lifecycle events name their run; every event has its own seq (the SDK reads two
    // streams here, so their events interleave: the order is checked on one stream below).
    const running = events.find((e) => e.method === "lifecycle" && e.params.data.event === "running")!;
    expect(running.event_id).toMatch(new RegExp(`^synth:${started.run_id}:`));
    expect(new Set(events.map((e) => e.seq)).size).toBe(events.length);
    const state = await t.client.threads.getState<{ messages: Array<{ content: unknown }> }>(thread.threadId);
    expect(textOf(state.values.messages.at(-1)!.content)).toBe("Hi there friend");
  });

  it("stops at an interrupt (input.requested) and resumes it with input.respond", async () => {
    const thread = t.client.threads.stream({ assistantId: "interrupting" });
    const events: WireEvent[] = [];
    thread.onEvent((event) => events.push(event as WireEvent));
    await thread.run.start({ input: { question: "Ready?" } });
    await thread.output;
    await waitFor(async () => thread.interrupted && thread.interrupts.length > 0);
    expect(thread.interrupts[0]!.payload).toEqual({ question: "Ready?" });

    await thread.input.respond({ namespace: [], interrupt_id: thread.interrupts[0]!.interruptId, response: "yes" });
    await waitFor(async () => rootLifecycle(events).length === 4);
    const state = await thread.state.get({ namespace: [] });
    await thread.close();

    expect(rootLifecycle(events)).toEqual(["running", "interrupted", "running", "completed"]);
    const requested = events.find((e) => e.method === "input.requested")!;
    const answered = events.find((e) => e.method === "input.answered")!;
    expect(answered.params.data.interrupt_ids).toEqual([requested.params.data.interrupt_id]);
    expect(state.values).toEqual({ question: "Ready?", answer: "final: yes" });
    expect(state.checkpoint?.id).toEqual(expect.any(String));
  });

  it("answers refusals as error responses; lists checkpoints, the agent tree; forks; injects a message", async () => {
    const thread = await t.client.threads.create();
    await t.client.runs.wait(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "hi" }] } });
    const command = (body: unknown) =>
      fetch(`${t.server.url}/threads/${thread.thread_id}/commands`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const unknown = await command({ id: 7, method: "run.teleport", params: {} });
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ type: "error", id: 7, error: "unknown_command" });
    const respond = await (await command({ id: 8, method: "input.respond", params: { interrupt_id: "nope", response: 1 } })).json();
    expect(respond).toMatchObject({ type: "error", id: 8, error: "invalid_argument" });
    const checkpoints = await (await command({ id: 9, method: "state.listCheckpoints", params: { limit: 2 } })).json();
    expect(checkpoints).toMatchObject({ type: "success", id: 9, meta: { thread_id: thread.thread_id } });
    expect(checkpoints.result.checkpoints).toHaveLength(2);
    expect(checkpoints.result.checkpoints[0]).toMatchObject({ id: expect.any(String), step: expect.any(Number) });
    const tree = await (await command({ id: 10, method: "agent.getTree" })).json();
    expect(tree.result.tree).toMatchObject({ namespace: [], graph_name: "root" });

    // Fork from the first checkpoint (before the answer): the forked run answers again.
    const first = checkpoints.result.checkpoints.at(-1).id as string;
    const fork = await (await command({ id: 11, method: "state.fork", params: { checkpoint_id: first } })).json();
    expect(fork).toMatchObject({ type: "success", result: { run_id: expect.any(String), thread_id: thread.thread_id } });
    await t.client.runs.join(thread.thread_id, fork.result.run_id);
    // Inject a message: it becomes the input of the next run.
    const inject = await (await command({ id: 12, method: "input.inject", params: { namespace: [], message: { role: "user", content: "more" } } })).json();
    expect(inject).toMatchObject({ type: "success", id: 12 });
    const state = await waitFor(async () => {
      const res = await (await command({ id: 13, method: "state.get", params: { namespace: [], keys: ["messages"] } })).json();
      const texts = (res.result.values.messages as Array<{ content: unknown }>).map((m) => textOf(m.content));
      return texts.at(-1) === "echo: more" && res;
    });
    expect(Object.keys(state.result.values)).toEqual(["messages"]);
    const invalid = await command({ method: "state.get" });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({ detail: "body.id is required" });
  });

  it("streams a REST run's events to a filtered SSE reader, replaying from the start", async () => {
    const thread = await t.client.threads.create();
    const controller = new AbortController();
    const res = await fetch(`${t.server.url}/threads/${thread.thread_id}/stream/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channels: ["values", "lifecycle"] }),
      signal: controller.signal,
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    await t.client.runs.wait(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "hi" }] } });
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes('"completed"')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const frames = text.split("\n\n").filter((f) => f.startsWith("id: ") || f.startsWith("event: "));
    const methods = frames.map((f) => /event: (.*)/.exec(f)![1]);
    expect(methods[0]).toBe("lifecycle");
    expect(methods).toContain("values");
    expect(methods.at(-1)).toBe("lifecycle");
    const seqs = frames.map((f) => JSON.parse(/data: (.*)/.exec(f)![1]!).seq as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(frames.every((f) => /^id: \S+$/m.test(f))).toBe(true);

    // A reconnecting EventSource-style client resumes after its Last-Event-ID.
    const ids = frames.map((f) => /^id: (\S+)$/m.exec(f)![1]!);
    const again = new AbortController();
    const resumed = await fetch(`${t.server.url}/threads/${thread.thread_id}/stream/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "last-event-id": ids[0]! },
      body: JSON.stringify({ channels: ["values", "lifecycle"] }),
      signal: again.signal,
    });
    const body = resumed.body!.getReader();
    let rest = "";
    while (!rest.includes('"completed"')) rest += new TextDecoder().decode((await body.read()).value);
    again.abort();
    expect([...rest.matchAll(/^id: (\S+)$/gm)].map((m) => m[1])).toEqual(ids.slice(1));
  });
});

describe("useStream's controller (StreamController, what @langchain/react's useStream runs)", () => {
  it("submits, streams the answer into its messages, stops at an interrupt and resumes it", async () => {
    const chat = new StreamController({ assistantId: "chat", client: t.client, threadId: null });
    const deactivate = chat.activate();
    await chat.submit({ messages: [{ type: "human", content: "Hello" }] });
    const snapshot = await waitFor(async () => {
      const s = chat.rootStore.getSnapshot();
      return !s.isLoading && s.messages.length === 2 && s;
    });
    expect(snapshot.messages.map((m) => textOf(m.content))).toEqual(["Hello", "Hi there friend"]);
    expect(snapshot.error).toBeUndefined();
    deactivate();
    await chat.dispose();

    const ask = new StreamController({ assistantId: "interrupting", client: t.client, threadId: null });
    const stop = ask.activate();
    await ask.submit({ question: "Ready?" });
    const waiting = await waitFor(async () => ask.rootStore.getSnapshot().interrupt);
    expect(waiting.value).toEqual({ question: "Ready?" });
    await ask.respond("yes");
    const done = await waitFor(async () => {
      const s = ask.rootStore.getSnapshot();
      return (s.values as { answer?: string }).answer === "final: yes" && !s.isLoading && s;
    });
    expect(done.interrupts).toEqual([]);
    stop();
    await ask.dispose();
  });
});

describe("client.threads.stream() over a WebSocket", () => {
  it("submits a run and streams its tokens on one socket", async () => {
    const client = new Client({ apiUrl: t.server.url, callerOptions: { maxRetries: 0 } });
    const thread = client.threads.stream({
      assistantId: "chat",
      transport: "websocket",
      webSocketFactory: (url) => new UndiciWebSocket(url) as unknown as WebSocket,
    });
    await thread.run.start({ input: { messages: [{ role: "user", content: "Hello" }] } });
    const deltas = messageDeltas(thread.messages);
    const output = (await thread.output) as { messages: Array<{ content: unknown }> };
    const streamed = await deltas;
    await thread.close();
    expect(streamed[0]!.length).toBeGreaterThan(3);
    expect(streamed[0]!.join("")).toBe("Hi there friend");
    expect(textOf(output.messages.at(-1)!.content)).toBe("Hi there friend");
  });

  it("answers a plain GET with 426", async () => {
    const thread = await t.client.threads.create();
    const res = await fetch(`${t.server.url}/threads/${thread.thread_id}/stream/events`);
    expect(res.status).toBe(426);
    expect(await res.json()).toEqual({ detail: expect.stringMatching(/WebSocket/), code: "upgrade_required" });
  });
});

describe("protocol authorization (the tutorial's private threads)", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ config: fixture("private") });
  });
  afterAll(async () => {
    await server?.close();
  });

  /**
   * Opens a socket with `ws`: the HTTP status of a refused upgrade, or the first message the
   * server sends after `command` (or the close code).
   */
  function socketOutcome(url: string, headers: Record<string, string>, command?: unknown): Promise<{ status?: number; close?: number; message?: unknown }> {
    return new Promise((resolve) => {
      const socket = new WsClient(url, { headers });
      socket.on("unexpected-response", (_req, res) => {
        resolve({ status: res.statusCode });
        socket.terminate();
      });
      socket.on("open", () => command && socket.send(JSON.stringify(command)));
      socket.on("message", (data) => {
        resolve({ message: JSON.parse(data.toString()) });
        socket.close();
      });
      socket.on("close", (code) => resolve({ close: code }));
      socket.on("error", () => undefined);
    });
  }

  it("is a 401 without a token on every protocol route, the WebSocket upgrade included", async () => {
    const id = "00000000-0000-4000-8000-000000000001";
    const json = { method: "POST", headers: { "content-type": "application/json" } };
    expect((await fetch(`${server.url}/threads/${id}/commands`, { ...json, body: JSON.stringify({ id: 1, method: "state.get" }) })).status).toBe(401);
    expect((await fetch(`${server.url}/threads/${id}/stream/events`, { ...json, body: JSON.stringify({ channels: ["values"] }) })).status).toBe(401);
    expect(await socketOutcome(`${server.url.replace("http", "ws")}/threads/${id}/stream/events`, {})).toEqual({ status: 401 });
  });

  it("hides another user's thread as a 404 on every protocol route", async () => {
    const alice = sdkClient(server.url, "user1-token");
    const own = alice.threads.stream({ assistantId: "agent" });
    await own.run.start({ input: { messages: [{ role: "user", content: "mine" }] } });
    await own.output;
    await own.close();
    const threadId = own.threadId;

    const bob = { authorization: "Bearer user2-token", "content-type": "application/json" };
    for (const method of ["run.start", "state.get", "agent.getTree", "input.respond"]) {
      const res = await fetch(`${server.url}/threads/${threadId}/commands`, {
        method: "POST",
        headers: bob,
        body: JSON.stringify({ id: 1, method, params: { assistant_id: "agent", input: null } }),
      });
      expect({ method, status: res.status }).toEqual({ method, status: 404 });
    }
    const events = await fetch(`${server.url}/threads/${threadId}/stream/events`, { method: "POST", headers: bob, body: JSON.stringify({ channels: ["values"] }) });
    expect(events.status).toBe(404);
    const wsUrl = `${server.url.replace("http", "ws")}/threads/${threadId}/stream/events`;
    // A socket may be opened before its thread exists (the SDK does so): Bob's gets no events,
    // and his commands the same 404 as over HTTP.
    const subscribeThenRead = { id: 1, method: "state.get", params: { namespace: [] } };
    expect(await socketOutcome(wsUrl, { authorization: "Bearer user2-token" }, subscribeThenRead)).toEqual({
      message: expect.objectContaining({ type: "error", id: 1, status: 404, code: "thread_not_found", message: `Thread with ID ${threadId} not found` }),
    });

    // Alice's own socket, authenticated by a header from a custom factory (what Node clients do).
    const aliceWs = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
    const again = aliceWs.threads.stream(threadId, {
      assistantId: "agent",
      transport: "websocket",
      webSocketFactory: (url) => new UndiciWebSocket(url, { headers: { authorization: "Bearer user1-token" } }) as unknown as WebSocket,
    });
    const state = await again.state.get({ namespace: [] });
    await again.close();
    expect(textOf((state.values as { messages: Array<{ content: unknown }> }).messages.at(-1)!.content)).toBe("echo: mine");
  });
});

describe("WebSocket authentication the way browsers can do it", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ config: fixture("ws-auth") });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("reaches authenticate with the token in the query string or a subprotocol", async () => {
    const client = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
    const factories = {
      query: (url: string) => new UndiciWebSocket(`${url}?token=user1-token`),
      subprotocol: (url: string) => new UndiciWebSocket(url, ["bearer", "user1-token"]),
    };
    for (const [how, factory] of Object.entries(factories)) {
      const thread = client.threads.stream({ assistantId: "chat", transport: "websocket", webSocketFactory: (url) => factory(url) as unknown as WebSocket });
      await thread.run.start({ input: { messages: [{ role: "user", content: how }] } });
      const output = (await thread.output) as { messages: Array<{ content: unknown }> };
      await thread.close();
      expect({ how, answer: textOf(output.messages.at(-1)!.content) }).toEqual({ how, answer: "Hi there friend" });
    }
    const anonymous = client.threads.stream({
      assistantId: "chat",
      transport: "websocket",
      maxReconnectAttempts: 0,
      webSocketFactory: (url) => new UndiciWebSocket(url) as unknown as WebSocket,
    });
    await expect(anonymous.run.start({ input: { messages: [] } })).rejects.toThrow();
    await anonymous.close();
  });

  it("does not let another site's page use the user's cookie on a socket (no CORS for WebSockets)", async () => {
    const url = `${server.url.replace("http", "ws")}/threads/00000000-0000-4000-8000-000000000002/stream/events`;
    const opens = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const socket = new WsClient(url, { headers });
        socket.on("open", () => {
          resolve(101);
          socket.close();
        });
        socket.on("unexpected-response", (_req, res) => {
          resolve(res.statusCode!);
          socket.terminate();
        });
        socket.on("error", () => undefined);
      });
    const cookie = "token=user1-token";
    expect(await opens({ cookie, origin: "https://evil.example" })).toBe(401);
    expect(await opens({ cookie, origin: server.url })).toBe(101);
    expect(await opens({ cookie })).toBe(101);
  });
});
