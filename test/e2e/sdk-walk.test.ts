/**
 * Every public method of the installed SDK's `Client`, against a real server. The methods are
 * enumerated from the SDK itself (each sub-client's prototype): a method an SDK upgrade adds has
 * no entry in WALK below and fails here until it is covered. Each entry calls its method as a user
 * would and checks what the call did, not only that it answered.
 */
import { Client } from "@langchain/langgraph-sdk";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, REPO_ROOT, useTestServer, waitFor } from "../helpers/server.js";

const t = useTestServer({ config: fixture("sdk-walk") });
const hello = (text: string) => ({ messages: [{ role: "user", content: text }] });
type Msgs = { messages: Array<{ content: string }> };
const missing = "6b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c06";

/** The public methods of `client` and of each sub-client it holds, as `<property>.<method>`. */
function sdkMethods(client: Client): string[] {
  const baseProto = Object.getPrototypeOf(Object.getPrototypeOf(client.threads)) as object;
  const own = (proto: object | null, stop: object | null, prefix: string) => {
    const names: string[] = [];
    for (let p = proto; p && p !== stop && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const name of Object.getOwnPropertyNames(p)) {
        if (name !== "constructor" && typeof Object.getOwnPropertyDescriptor(p, name)?.value === "function") names.push(`${prefix}${name}`);
      }
    }
    return names;
  };
  const subClients = Object.entries(client).filter(([, v]) => v !== null && typeof v === "object" && baseProto.isPrototypeOf(v));
  return [...own(Object.getPrototypeOf(client), null, "client."), ...subClients.flatMap(([key, sub]) => own(Object.getPrototypeOf(sub), baseProto, `${key}.`))];
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const part of stream) out.push(part);
  return out;
}

/** A thread that has had one echo run. */
async function echoThread(text: string, metadata: Record<string, unknown> = {}) {
  const thread = await t.client.threads.create({ metadata });
  const run = await t.client.runs.create(thread.thread_id, "agent", { input: hello(text) });
  await t.client.runs.join(thread.thread_id, run.run_id);
  return { threadId: thread.thread_id, runId: run.run_id };
}

/** The SDK's Run type leaves out `kwargs`, which the API returns. */
const kwargsOf = (run: object) => (run as { kwargs: Record<string, unknown> }).kwargs;

async function historyLength(threadId: string): Promise<number> {
  return (await t.client.threads.getHistory(threadId, { limit: 100 })).length;
}

/**
 * Methods of the thread-centric protocol, covered by the protocol's own tests (they need a
 * protocol session, not one call): each entry names the file, which must exist and call it.
 */
const COVERED_ELSEWHERE: Record<string, { file: string; call: string }> = {
  "threads.stream": { file: "test/e2e/protocol.test.ts", call: "threads.stream(" },
  "threads.joinStream": { file: "test/e2e/thread-stream.test.ts", call: "threads.joinStream(" },
};

const WALK: Record<string, () => Promise<void>> = {
  // --- assistants ---------------------------------------------------------------------------
  "assistants.get": async () => {
    expect(await t.client.assistants.get("agent")).toMatchObject({ graph_id: "agent", assistant_id: "fe096781-5601-53d2-b2f6-0d3403f7e9ca" });
  },
  "assistants.getGraph": async () => {
    const graph = await t.client.assistants.getGraph("agent");
    expect(graph.nodes.map((n) => n.id)).toContain("chatbot");
  },
  "assistants.getSchemas": async () => {
    const schemas = await t.client.assistants.getSchemas("agent");
    expect(schemas.graph_id).toBe("agent");
    expect(schemas.state_schema).toMatchObject({ type: "object" });
  },
  "assistants.getSubgraphs": async () => {
    expect(Object.keys(await t.client.assistants.getSubgraphs("nested"))).toEqual(["child"]);
  },
  "assistants.create": async () => {
    const created = await t.client.assistants.create({ graphId: "agent", name: "walker", metadata: { walk: "create" } });
    expect(created).toMatchObject({ graph_id: "agent", name: "walker", version: 1, metadata: { walk: "create" } });
    expect((await t.client.assistants.get(created.assistant_id)).name).toBe("walker");
  },
  "assistants.update": async () => {
    const created = await t.client.assistants.create({ graphId: "agent", name: "v1", metadata: { a: 1 } });
    const updated = await t.client.assistants.update(created.assistant_id, { name: "v2", metadata: { b: 2 } });
    expect(updated).toMatchObject({ name: "v2", version: 2, metadata: { a: 1, b: 2 } });
  },
  "assistants.delete": async () => {
    const created = await t.client.assistants.create({ graphId: "agent" });
    await t.client.assistants.delete(created.assistant_id);
    await expect(t.client.assistants.get(created.assistant_id)).rejects.toMatchObject({ status: 404 });
  },
  "assistants.search": async () => {
    const created = await t.client.assistants.create({ graphId: "agent", metadata: { walk: "search" } });
    const found = await t.client.assistants.search({ metadata: { walk: "search" }, select: ["assistant_id", "name"] });
    expect(found).toEqual([{ assistant_id: created.assistant_id, name: created.name }]);
  },
  "assistants.count": async () => {
    await t.client.assistants.create({ graphId: "agent", metadata: { walk: "count" } });
    await t.client.assistants.create({ graphId: "agent", metadata: { walk: "count" } });
    expect(await t.client.assistants.count({ metadata: { walk: "count" } })).toBe(2);
  },
  "assistants.getVersions": async () => {
    const created = await t.client.assistants.create({ graphId: "agent", name: "one" });
    await t.client.assistants.update(created.assistant_id, { name: "two" });
    expect((await t.client.assistants.getVersions(created.assistant_id)).map((v) => [v.version, v.name])).toEqual([
      [2, "two"],
      [1, "one"],
    ]);
  },
  "assistants.setLatest": async () => {
    const created = await t.client.assistants.create({ graphId: "agent", name: "one" });
    await t.client.assistants.update(created.assistant_id, { name: "two" });
    expect(await t.client.assistants.setLatest(created.assistant_id, 1)).toMatchObject({ version: 1, name: "one" });
    expect((await t.client.assistants.get(created.assistant_id)).name).toBe("one");
  },

  // --- threads ------------------------------------------------------------------------------
  "threads.create": async () => {
    const thread = await t.client.threads.create({ metadata: { walk: "create" }, graphId: "agent", ttl: { ttl: 60, strategy: "keep_latest" as "delete" } }); // the SDK's type lists only "delete"
    expect(thread).toMatchObject({ status: "idle", metadata: { walk: "create", graph_id: "agent" } });
    expect(thread.state_updated_at).toBe(thread.created_at);
    expect((await t.client.threads.get(thread.thread_id, { include: ["ttl"] })) as unknown).toMatchObject({ ttl: { strategy: "keep_latest", ttl_minutes: 60 } });
  },
  "threads.get": async () => {
    const { threadId } = await echoThread("get");
    const thread = await t.client.threads.get<Msgs>(threadId);
    expect(thread.values.messages.at(-1)?.content).toBe("echo: get");
    expect(thread.state_updated_at > thread.created_at).toBe(true);
    expect(thread).not.toHaveProperty("ttl");
  },
  "threads.update": async () => {
    // A TTL set by an update: the sweeper deletes the thread, with its runs, when it runs out.
    const { threadId, runId } = await echoThread("short-lived");
    const updated = await t.client.threads.update(threadId, { metadata: { walk: "update" }, ttl: 0.005 });
    expect(updated.metadata).toMatchObject({ walk: "update" });
    await waitFor(async () => (await fetch(`${t.server.url}/threads/${threadId}`)).status === 404);
    await expect(t.client.runs.get(threadId, runId)).rejects.toMatchObject({ status: 404 });
    // returnMinimal asks for no body.
    const other = await t.client.threads.create();
    expect(await t.client.threads.update(other.thread_id, { metadata: { quiet: true }, returnMinimal: true })).toBeUndefined();
    expect((await t.client.threads.get(other.thread_id)).metadata).toMatchObject({ quiet: true });
  },
  "threads.copy": async () => {
    const { threadId } = await echoThread("copied");
    const copy = await t.client.threads.copy(threadId);
    expect(copy.thread_id).not.toBe(threadId);
    expect((await t.client.threads.getState<Msgs>(copy.thread_id)).values.messages.at(-1)?.content).toBe("echo: copied");
  },
  "threads.delete": async () => {
    const { threadId } = await echoThread("deleted");
    await t.client.threads.delete(threadId);
    await expect(t.client.threads.get(threadId)).rejects.toMatchObject({ status: 404 });
  },
  "threads.prune": async () => {
    const kept = await echoThread("one");
    await t.client.runs.join(kept.threadId, (await t.client.runs.create(kept.threadId, "agent", { input: hello("two") })).run_id);
    expect(await historyLength(kept.threadId)).toBeGreaterThan(1);
    expect(await t.client.threads.prune([kept.threadId], { strategy: "keep_latest" })).toEqual({ pruned_count: 1 });
    expect(await historyLength(kept.threadId)).toBe(1);
    const state = await t.client.threads.getState<Msgs>(kept.threadId);
    expect(state.values.messages.map((m) => m.content)).toEqual(["one", "echo: one", "two", "echo: two"]);

    const gone = await echoThread("gone");
    expect(await t.client.threads.prune([gone.threadId, missing])).toEqual({ pruned_count: 1 });
    await expect(t.client.threads.get(gone.threadId)).rejects.toMatchObject({ status: 404 });
  },
  "threads.search": async () => {
    const tag = `search-${Date.now()}`;
    const first = await echoThread("first", { tag });
    const second = await echoThread("second", { tag });
    // The first thread's state changes last: it leads when sorted by state_updated_at.
    await t.client.runs.join(first.threadId, (await t.client.runs.create(first.threadId, "agent", { input: hello("again") })).run_id);
    const found = await t.client.threads.search({
      metadata: { tag },
      sortBy: "state_updated_at",
      sortOrder: "desc",
      select: ["thread_id"],
      extract: { last: "values.messages[-1].content", tag: "metadata.tag", nothing: "values.nope[3]" },
    });
    expect(found).toEqual([
      { thread_id: first.threadId, extracted: { last: "echo: again", tag, nothing: null } },
      { thread_id: second.threadId, extracted: { last: "echo: second", tag, nothing: null } },
    ]);
  },
  "threads.count": async () => {
    const tag = `count-${Date.now()}`;
    await t.client.threads.create({ metadata: { tag } });
    await echoThread("counted", { tag });
    expect(await t.client.threads.count({ metadata: { tag } })).toBe(2);
    expect(await t.client.threads.count({ metadata: { tag }, status: "idle" })).toBe(2);
  },
  "threads.getState": async () => {
    const { threadId } = await echoThread("state");
    const state = await t.client.threads.getState<Msgs>(threadId);
    expect(state.values.messages.map((m) => m.content)).toEqual(["state", "echo: state"]);
    expect(state.next).toEqual([]);
  },
  "threads.updateState": async () => {
    const { threadId } = await echoThread("before");
    // The API answers {checkpoint} (the SDK's type says configurable).
    const { checkpoint } = (await t.client.threads.updateState(threadId, { values: { messages: [{ role: "user", content: "added" }] }, asNode: "chatbot" })) as unknown as {
      checkpoint: { checkpoint_id: string };
    };
    const state = await t.client.threads.getState<Msgs>(threadId);
    expect(state.checkpoint.checkpoint_id).toBe(checkpoint.checkpoint_id);
    expect(state.values.messages.at(-1)?.content).toBe("added");
  },
  "threads.patchState": async () => {
    const { threadId } = await echoThread("patched");
    await t.client.threads.patchState(threadId, { reviewed: true });
    expect((await t.client.threads.getState(threadId)).metadata).toMatchObject({ reviewed: true });
  },
  "threads.getHistory": async () => {
    const { threadId } = await echoThread("history");
    const history = await t.client.threads.getHistory<Msgs>(threadId);
    expect(history.length).toBeGreaterThan(1);
    expect(history[0]!.values.messages.at(-1)?.content).toBe("echo: history");
    expect(await t.client.threads.getHistory(threadId, { limit: 1 })).toHaveLength(1);
  },

  // --- runs ---------------------------------------------------------------------------------
  "runs.stream": async () => {
    const thread = await t.client.threads.create();
    const parts = await collect(t.client.runs.stream(thread.thread_id, "agent", { input: hello("streamed"), streamMode: "values" }));
    expect(parts[0]!.event).toBe("metadata");
    expect((parts.at(-1)!.data as Msgs).messages.at(-1)?.content).toBe("echo: streamed");
  },
  "runs.create": async () => {
    // durability "exit" checkpoints only when the run ends: fewer checkpoints than "async".
    const counts: Record<string, number> = {};
    for (const durability of ["async", "exit"] as const) {
      const thread = await t.client.threads.create();
      const run = await t.client.runs.create(thread.thread_id, "agent", { input: hello(durability), durability });
      expect(kwargsOf(run)).toMatchObject({ durability });
      await t.client.runs.join(thread.thread_id, run.run_id);
      expect((await t.client.threads.getState<Msgs>(thread.thread_id)).values.messages.at(-1)?.content).toBe(`echo: ${durability}`);
      counts[durability] = await historyLength(thread.thread_id);
    }
    expect(counts.exit).toBe(1);
    expect(counts.async).toBeGreaterThan(counts.exit!);
    // The older spelling: checkpointDuring false means exit.
    const thread = await t.client.threads.create();
    const run = await t.client.runs.create(thread.thread_id, "agent", { input: hello("old"), checkpointDuring: false });
    expect(kwargsOf(run)).toMatchObject({ durability: "exit" });
    await t.client.runs.join(thread.thread_id, run.run_id);
    expect(await historyLength(thread.thread_id)).toBe(1);
  },
  "runs.createBatch": async () => {
    const runs = await t.client.runs.createBatch([
      { assistantId: "agent", input: hello("a"), metadata: { batch: 1 } },
      { assistantId: "agent", input: hello("b"), metadata: { batch: 2 } },
    ]);
    expect(runs.map((r) => r.metadata?.batch)).toEqual([1, 2]);
    expect(new Set(runs.map((r) => r.thread_id)).size).toBe(2);
  },
  "runs.wait": async () => {
    const thread = await t.client.threads.create();
    expect(((await t.client.runs.wait(thread.thread_id, "agent", { input: hello("waited") })) as Msgs).messages.at(-1)?.content).toBe("echo: waited");
  },
  "runs.list": async () => {
    const { threadId, runId } = await echoThread("listed");
    expect(await t.client.runs.list(threadId, { select: ["run_id", "status"] })).toEqual([{ run_id: runId, status: "success" }]);
    expect(await t.client.runs.list(threadId, { status: "error" })).toEqual([]);
  },
  "runs.get": async () => {
    const { threadId, runId } = await echoThread("got");
    expect(await t.client.runs.get(threadId, runId)).toMatchObject({ run_id: runId, thread_id: threadId, status: "success" });
  },
  "runs.cancel": async () => {
    const thread = await t.client.threads.create();
    const run = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 30_000 } });
    await waitFor(async () => (await t.client.runs.get(thread.thread_id, run.run_id)).status === "running");
    await t.client.runs.cancel(thread.thread_id, run.run_id, true);
    expect((await t.client.runs.get(thread.thread_id, run.run_id)).status).toBe("interrupted");
  },
  "runs.cancelMany": async () => {
    const thread = await t.client.threads.create();
    const first = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 30_000 } });
    const second = await t.client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 30_000 }, multitaskStrategy: "enqueue" });
    await t.client.runs.cancelMany({ threadId: thread.thread_id, runIds: [first.run_id, second.run_id] });
    await waitFor(async () => (await t.client.runs.list(thread.thread_id)).every((r) => r.status === "interrupted"));
  },
  "runs.join": async () => {
    const thread = await t.client.threads.create();
    const run = await t.client.runs.create(thread.thread_id, "agent", { input: hello("joined") });
    expect(((await t.client.runs.join(thread.thread_id, run.run_id)) as Msgs).messages.at(-1)?.content).toBe("echo: joined");
  },
  "runs.joinStream": async () => {
    const thread = await t.client.threads.create();
    const run = await t.client.runs.create(thread.thread_id, "agent", { input: hello("rejoined"), streamResumable: true });
    const parts = await collect(t.client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "-1" }));
    const values = parts.filter((p) => p.event === "values").at(-1)?.data as Msgs;
    expect(values.messages.at(-1)?.content).toBe("echo: rejoined");
  },
  "runs.delete": async () => {
    const { threadId, runId } = await echoThread("run deleted");
    await t.client.runs.delete(threadId, runId);
    await expect(t.client.runs.get(threadId, runId)).rejects.toMatchObject({ status: 404 });
  },

  // --- crons --------------------------------------------------------------------------------
  "crons.createForThread": async () => {
    const thread = await t.client.threads.create();
    const cron = await t.client.crons.createForThread(thread.thread_id, "agent", { schedule: "* * * * * *", input: hello("tick"), durability: "exit" });
    expect(cron).toMatchObject({ thread_id: thread.thread_id, payload: { durability: "exit" } });
    const [run] = await waitFor(async () => {
      const runs = await t.client.runs.list(thread.thread_id);
      return runs.length > 0 && runs;
    });
    await t.client.crons.delete(cron.cron_id);
    expect(kwargsOf(run!)).toMatchObject({ durability: "exit" });
    expect(run!.metadata).toMatchObject({ cron_id: cron.cron_id });
  },
  "crons.create": async () => {
    const cron = await t.client.crons.create("agent", { schedule: "0 0 1 1 *", input: hello("yearly"), metadata: { walk: "cron" } });
    expect(cron).toMatchObject({ assistant_id: "fe096781-5601-53d2-b2f6-0d3403f7e9ca", thread_id: null, schedule: "0 0 1 1 *" });
    expect(await (await fetch(`${t.server.url}/runs/crons/${cron.cron_id}`)).json()).toEqual(cron);
  },
  "crons.update": async () => {
    const cron = await t.client.crons.create("agent", { schedule: "0 0 1 1 *", input: hello("x") });
    const ending = await t.client.crons.update(cron.cron_id, { endTime: "2099-01-01T00:00:00.000Z", enabled: false });
    expect(ending).toMatchObject({ end_time: "2099-01-01T00:00:00.000Z", enabled: false });
    // null clears the end time.
    expect((await t.client.crons.update(cron.cron_id, { endTime: null })).end_time).toBeNull();
  },
  "crons.delete": async () => {
    const cron = await t.client.crons.create("agent", { schedule: "0 0 1 1 *" });
    await t.client.crons.delete(cron.cron_id);
    expect((await fetch(`${t.server.url}/runs/crons/${cron.cron_id}`)).status).toBe(404);
  },
  "crons.search": async () => {
    const tag = `cron-${Date.now()}`;
    const cron = await t.client.crons.create("agent", { schedule: "0 0 1 1 *", metadata: { tag } });
    expect((await t.client.crons.search({ metadata: { tag }, select: ["cron_id", "schedule"] })) as unknown).toEqual([{ cron_id: cron.cron_id, schedule: "0 0 1 1 *" }]);
  },
  "crons.count": async () => {
    const tag = `cron-count-${Date.now()}`;
    await t.client.crons.create("agent", { schedule: "0 0 1 1 *", metadata: { tag } });
    expect(await t.client.crons.count({ metadata: { tag } })).toBe(1);
  },

  // --- store --------------------------------------------------------------------------------
  "store.putItem": async () => {
    await t.client.store.putItem(["walk", "put"], "k", { v: 1 }, { ttl: null, index: null });
    expect((await t.client.store.getItem(["walk", "put"], "k"))?.value).toEqual({ v: 1 });
  },
  "store.getItem": async () => {
    await t.client.store.putItem(["walk", "get"], "k", { v: 2 });
    expect(await t.client.store.getItem(["walk", "get"], "k", { refreshTtl: null })).toMatchObject({ namespace: ["walk", "get"], key: "k", value: { v: 2 } });
    expect(await t.client.store.getItem(["walk", "get"], "absent")).toBeNull();
  },
  "store.deleteItem": async () => {
    await t.client.store.putItem(["walk", "delete"], "k", { v: 3 });
    await t.client.store.deleteItem(["walk", "delete"], "k");
    expect(await t.client.store.getItem(["walk", "delete"], "k")).toBeNull();
  },
  "store.searchItems": async () => {
    await t.client.store.putItem(["walk", "search"], "a", { kind: "x" });
    await t.client.store.putItem(["walk", "search"], "b", { kind: "y" });
    const { items } = await t.client.store.searchItems(["walk", "search"], { filter: { kind: "x" }, refreshTtl: null });
    expect(items.map((i) => i.key)).toEqual(["a"]);
  },
  "store.listNamespaces": async () => {
    await t.client.store.putItem(["walk", "ns", "deep"], "k", { v: 1 });
    expect((await t.client.store.listNamespaces({ prefix: ["walk", "ns"] })).namespaces).toEqual([["walk", "ns", "deep"]]);
  },

  // --- generative UI (the client the SDK's LoadExternalComponent uses) -----------------------
  "~ui.getComponent": async () => {
    const ui = (t.client as unknown as Record<string, { getComponent(assistantId: string, name: string): Promise<string> }>)["~ui"]!;
    expect(await ui.getComponent("agent", "weather")).toContain(`${t.server.url}/ui/agent/entrypoint.js`);
  },
};

describe("every method of the SDK's Client", () => {
  const methods = sdkMethods(new Client({ apiUrl: "http://127.0.0.1:1" }));

  it("finds the SDK's sub-clients and methods", () => {
    expect(methods).toEqual(expect.arrayContaining(["threads.prune", "runs.create", "crons.update", "store.searchItems"]));
  });

  it("has no entry for a method the SDK does not have", () => {
    expect([...Object.keys(WALK), ...Object.keys(COVERED_ELSEWHERE)].filter((m) => !methods.includes(m))).toEqual([]);
  });

  for (const method of methods) {
    const elsewhere = COVERED_ELSEWHERE[method];
    if (elsewhere) {
      it(`${method}: covered by ${elsewhere.file}`, () => {
        const file = path.join(REPO_ROOT, elsewhere.file);
        expect(existsSync(file), `${elsewhere.file} is missing`).toBe(true);
        expect(readFileSync(file, "utf8")).toContain(elsewhere.call);
      });
      continue;
    }
    it(method, async () => {
      const walk = WALK[method];
      expect(walk, `no test for the SDK's ${method}: add it to WALK`).toBeDefined();
      await walk!();
    });
  }
});
