#!/usr/bin/env node
// `npm run bench`: starts agent-server as a separate process on bench/fixture (the echo graph and
// the tutorial's token auth), drives it with autocannon (and small clients for runs and streams),
// checks every response (a wrong answer is an error, not throughput), and prints one table plus
// bench/results.json. Flags: --smoke (1 s per scenario, small data: what `npm test` runs),
// --vs-reference (also runs the LangGraph reference dev server, alternating, and prints ratios),
// --only <substring> (scenarios whose name contains it), --postgres (every scenario also on the
// PostgreSQL backend, beside SQLite, and runs/s with one and two instances on one database).
import autocannon from "autocannon";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { benchDatabase, instancesScenario } from "./postgres.mjs";
import { fmt, printTable } from "./table.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const args = process.argv.slice(2);
const smoke = args.includes("--smoke");
const vsReference = args.includes("--vs-reference");
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const postgres = args.includes("--postgres");
const DURATION = smoke ? 1 : 5;
/** Rounds of the alternated comparisons (auth on/off, GET /ok against bare Fastify). */
const AUTH_ROUNDS = smoke ? 1 : 5;
const BIG = smoke ? 300 : 10_000;
const TOKEN = { authorization: "Bearer user1-token" };
const JSON_HEADERS = { ...TOKEN, "content-type": "application/json" };
const HELLO = { messages: [{ role: "user", content: "Hello!" }] };
const REFERENCE = "@langchain/langgraph-cli@1.5.1";

// ---------- processes and /proc ----------

function procTree(rootPid) {
  const parents = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) if (!tree.has(pid) && tree.has(ppid)) tree.add(pid), (grew = true);
  }
  return [...tree];
}

/** CPU milliseconds (user + system) used so far by a process and its children. */
function cpuMs(pid) {
  let ticks = 0;
  for (const p of procTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** Resident memory of a process tree, in MB. */
function rssMb(pid) {
  let kb = 0;
  for (const p of procTree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) kb += Number(m[1]);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

async function freePort() {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a server process and waits until GET /ok answers; measures start-up to the first 200. */
async function startServer(name, command, argv, { cwd = root, env = {}, timeoutMs = 120_000, url: fixedUrl } = {}) {
  const started = performance.now();
  const child = spawn(command, argv, {
    cwd,
    env: { ...process.env, LOG_LEVEL: "error", BROWSER: "none", LANGGRAPH_CLI_NO_ANALYTICS: "1", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const deadline = Date.now() + timeoutMs;
  let url = fixedUrl;
  while (Date.now() < deadline) {
    url ??= /API:\s+(http:\/\/\S+)/.exec(output)?.[1];
    if (url) {
      try {
        const res = await request(`${url}/ok`, { headers: TOKEN });
        await res.body.text();
        if (res.statusCode === 200) break;
      } catch {
        // not listening yet
      }
    }
    if (child.exitCode !== null) throw new Error(`${name} exited early:\n${output}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  if (Date.now() >= deadline) throw new Error(`${name} did not answer /ok in time:\n${output}`);
  return {
    name,
    url: url.replace("localhost", "127.0.0.1"),
    pid: child.pid,
    startupMs: performance.now() - started,
    stop: () => {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    },
  };
}

// ---------- drivers ----------

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

/** The round with the median req/s (its errors are the sum of all rounds'). */
function median(results) {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  return { ...sorted[Math.floor(sorted.length / 2)], errors: results.reduce((n, r) => n + r.errors, 0) };
}

/** autocannon on one request shape; errors = transport errors + wrong status + wrong bodies. */
async function cannon(server, { method = "GET", path: p, headers = TOKEN, body, status = 200, verify, connections = 10 }, duration = DURATION) {
  const cpu0 = cpuMs(server.pid);
  const result = await autocannon({
    url: `${server.url}${p}`,
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    connections,
    duration,
    verifyBody: verify,
  });
  const cpu = cpuMs(server.pid) - cpu0;
  const total = result.requests.total;
  const wrongStatus = status === 200 ? result.non2xx : total - (result.statusCodeStats?.[status]?.count ?? 0);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + (result.mismatches ?? 0) + wrongStatus,
    requests: total,
    cpuPerReq: total ? cpu / total : null,
  };
}

/** `clients` concurrent loops of `fn` for DURATION seconds; fn returns true when the answer is right. */
async function loop(server, clients, fn) {
  const latencies = [];
  let errors = 0;
  const cpu0 = cpuMs(server.pid);
  const end = Date.now() + DURATION * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const state = {};
      while (Date.now() < end) {
        const s = performance.now();
        let ok = false;
        let ms;
        try {
          // fn answers true/false, or {ok, ms} to time only part of its work.
          const r = await fn(state, i);
          ok = r === true || r?.ok === true;
          ms = r?.ms;
        } catch {
          ok = false;
        }
        latencies.push(ms ?? performance.now() - s);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuMs(server.pid) - cpu0;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, requests: latencies.length, cpuPerReq: latencies.length ? cpu / latencies.length : null };
}

async function post(server, p, body) {
  const res = await request(`${server.url}${p}`, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

const echoed = (text) => text.includes("echo: Hello!");

async function createThread(server, metadata = {}) {
  const { status, text } = await post(server, "/threads", { metadata });
  if (status !== 200) throw new Error(`thread create failed: ${status} ${text}`);
  return JSON.parse(text).thread_id;
}

async function seedThreads(server, count, metadata) {
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => createThread(server, { ...metadata(i + j) })));
  }
}

// ---------- scenarios ----------

function scenarios(ctx) {
  return [
    // Against its ceiling, a bare Fastify app, in alternation (median of the rounds), as above.
    {
      name: "GET /ok",
      run: async (s) => {
        const ok = (server) => cannon(server, { path: "/ok", verify: (b) => b.includes('"ok":true') }, DURATION / AUTH_ROUNDS);
        const ours = [];
        const bare = [];
        for (let i = 0; i < AUTH_ROUNDS; i++) {
          ours.push(await ok(s));
          bare.push(await ok(ctx.fastify));
        }
        ctx.fastifyOk = median(bare);
        return median(ours);
      },
    },
    { name: "401 without token", run: (s) => cannon(s, { method: "POST", path: "/threads/search", headers: { "content-type": "application/json" }, body: {}, status: 401, verify: (b) => b.length > 0 }) },
    { name: "401 wrong token", run: (s) => cannon(s, { method: "POST", path: "/threads/search", headers: { authorization: "Bearer nope", "content-type": "application/json" }, body: {}, status: 401, verify: (b) => b.length > 0 }) },
    { name: "GET thread", run: (s) => cannon(s, { path: `/threads/${ctx.thread[s.name]}`, verify: (b) => b.includes(ctx.thread[s.name]) }) },
    { name: "create thread", run: (s) => cannon(s, { method: "POST", path: "/threads", headers: JSON_HEADERS, body: { metadata: { bench: "create" } }, verify: (b) => b.includes('"thread_id"') }) },
    {
      name: "search at 100 threads",
      run: (s) => cannon(s, { method: "POST", path: "/threads/search", headers: JSON_HEADERS, body: { metadata: { bucket: "small", n: 7 }, limit: 10 }, verify: (b) => b.startsWith("[") && b.includes('"bucket":"small"') }),
    },
    {
      name: `search at ${BIG} threads`,
      run: (s) => cannon(s, { method: "POST", path: "/threads/search", headers: JSON_HEADERS, body: { metadata: { bucket: "big", n: 7 }, limit: 10 }, verify: (b) => b.startsWith("[") && b.includes('"bucket":"big"') }),
    },
    // The cost of auth: the same route and data, with the tutorial's auth module and without one.
    // The cost of auth: the same route and data, with the tutorial's auth module and without
    // one, measured in alternation (the machine's speed drifts from one second to the next) and
    // reported as the median of the rounds.
    {
      name: "auth on: GET thread",
      pairedWith: "auth off: GET thread",
      run: async (s, noauth) => {
        const getThread = (server) => cannon(server, { path: `/threads/${ctx.thread[server.name]}`, verify: (b) => b.includes(ctx.thread[server.name]) }, DURATION / AUTH_ROUNDS);
        const on = [];
        const off = [];
        for (let i = 0; i < AUTH_ROUNDS; i++) {
          on.push(await getThread(s));
          off.push(await getThread(noauth));
        }
        return [median(on), median(off)];
      },
    },
    ...[1, 16].flatMap((clients) => [
      {
        name: `stateless /runs/wait, ${clients} client${clients > 1 ? "s" : ""}`,
        ceiling: "engine",
        alternate: true,
        run: (s) => loop(s, clients, async () => echoed((await post(s, "/runs/wait", { assistant_id: "agent", input: HELLO })).text)),
      },
      {
        name: `threaded /runs/wait, ${clients} client${clients > 1 ? "s" : ""}`,
        ceiling: "engine",
        alternate: true,
        // A fresh thread per run (created outside the timed call), so the state does not grow
        // from run to run: the same work as the engine loop's.
        run: (s) =>
          loop(s, clients, async (state) => {
            const thread = await createThread(s);
            const t0 = performance.now();
            const r = await post(s, `/threads/${thread}/runs/wait`, { assistant_id: "agent", input: HELLO });
            return { ok: r.status === 200 && echoed(r.text), ms: performance.now() - t0 };
          }),
      },
    ]),
    {
      name: "/runs/stream: first event",
      measures: "stream",
      run: async (s) => {
        const first = [];
        const full = [];
        let errors = 0;
        const end = Date.now() + DURATION * 1000;
        while (Date.now() < end) {
          const thread = await createThread(s);
          const t0 = performance.now();
          const res = await request(`${s.url}/threads/${thread}/runs/stream`, {
            method: "POST",
            headers: JSON_HEADERS,
            body: JSON.stringify({ assistant_id: "agent", input: HELLO, stream_mode: ["values"], multitask_strategy: "enqueue" }),
          });
          let text = "";
          let gotFirst = false;
          for await (const chunk of res.body) {
            if (!gotFirst) first.push(performance.now() - t0), (gotFirst = true);
            text += chunk;
          }
          full.push(performance.now() - t0);
          if (!res.headers["content-type"]?.startsWith("text/event-stream") || !text.startsWith("event: metadata") || !echoed(text)) errors++;
        }
        first.sort((a, b) => a - b);
        full.sort((a, b) => a - b);
        ctx.streamFull = { p50: percentile(full, 50), p99: percentile(full, 99) };
        return { rps: null, p50: percentile(first, 50), p99: percentile(first, 99), errors, requests: first.length, cpuPerReq: null, note: `answer p50 ${percentile(full, 50).toFixed(1)} ms` };
      },
    },
  ];
}

// ---------- main ----------


async function main() {
  const startedAt = new Date();
  const servers = [];
  const results = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, date: startedAt.toISOString(), smoke, scenarios: [], ceilings: {}, memory: {} };
  const dataDirs = [];
  let pgServer;
  let pgDatabase;
  const freshFixture = (name) => {
    // A copy of the fixture, so every bench starts from an empty database.
    const dir = mkdtempSync(path.join(here, `.tmp-${name}-`));
    dataDirs.push(dir);
    // Same depth as bench/<name>, so the fixture's relative paths still point at examples/.
    writeFileSync(path.join(dir, "langgraph.json"), readFileSync(path.join(here, name, "langgraph.json")));
    return dir;
  };
  try {
    const ours = await startServer("ours", process.execPath, [path.join(root, "bin/agent-server.js"), "dev", "--no-browser", "--port", "0", "--config", freshFixture("fixture")]);
    servers.push(ours);
    results.startup = { ours: ours.startupMs };
    results.memory.idleMb = rssMb(ours.pid);
    const noauth = await startServer("noauth", process.execPath, [path.join(root, "bin/agent-server.js"), "dev", "--no-browser", "--port", "0", "--config", freshFixture("fixture-noauth")]);
    servers.push(noauth);
    const fastify = await startServer("fastify", process.execPath, [path.join(here, "ceiling-fastify.mjs")]);
    servers.push(fastify);
    if (postgres) {
      pgDatabase = await benchDatabase();
      const bin = path.join(root, "bin/agent-server.js");
      pgServer = await startServer("postgres", process.execPath, [bin, "dev", "--no-browser", "--no-reload", "--port", "0", "--config", freshFixture("fixture"), "--database-url", pgDatabase.url]);
      servers.push(pgServer);
      results.startup.postgres = pgServer.startupMs;
    }
    let reference;
    if (vsReference) {
      const port = await freePort();
      reference = await startServer("reference", "npx", ["--yes", REFERENCE, "dev", "--no-browser", "--port", String(port), "--config", freshFixture("fixture")], {
        url: `http://127.0.0.1:${port}`,
        timeoutMs: 600_000,
      });
      servers.push(reference);
      results.startup.reference = reference.startupMs;
      results.memory.referenceIdleMb = rssMb(reference.pid);
    }

    const ctx = { thread: {} };
    const targets = [ours, ...(reference ? [reference] : []), ...(pgServer ? [pgServer] : [])];
    // The server without auth gets the same data, so "auth on/off" compares only the auth.
    for (const s of [...targets, noauth]) {
      ctx.thread[s.name] = await createThread(s, { bench: "get" });
      await seedThreads(s, 100, (i) => ({ bucket: "small", n: i % 20 }));
      await seedThreads(s, BIG, (i) => ({ bucket: "big", n: i % 1000 }));
    }
    results.memory.afterThreadsMb = rssMb(ours.pid);
    if (reference) results.memory.referenceAfterThreadsMb = rssMb(reference.pid);

    // Ceilings, measured in the same run.
    ctx.fastify = fastify;
    const engineOut = execFileSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(here, "ceiling-engine.ts"), String(DURATION)], { cwd: root, encoding: "utf8" });
    results.ceilings.engine = JSON.parse(engineOut.trim().split("\n").at(-1));

    for (const scenario of scenarios(ctx)) {
      if (only && !scenario.name.includes(only)) continue;
      if (scenario.pairedWith) {
        const [on, off] = await scenario.run(ours, noauth);
        results.scenarios.push({ name: scenario.name, ours: on }, { name: scenario.pairedWith, ours: off });
        process.stderr.write(`  ${scenario.name}: ${fmt(on.rps, 0)} req/s; ${scenario.pairedWith}: ${fmt(off.rps, 0)} req/s\n`);
        continue;
      }
      const row = { name: scenario.name };
      if (scenario.alternate && pgServer) {
        // SQLite and Postgres in alternation, median of the rounds: the machine's speed drifts.
        const rounds = { ours: [], postgres: [] };
        for (let i = 0; i < AUTH_ROUNDS; i++) {
          rounds.ours.push(await scenario.run(ours));
          rounds.postgres.push(await scenario.run(pgServer));
        }
        row.ours = median(rounds.ours);
        row.postgres = median(rounds.postgres);
      } else {
        row.ours = await scenario.run(ours);
        if (pgServer) row.postgres = await scenario.run(pgServer);
      }
      if (reference) row.reference = await scenario.run(reference);
      results.scenarios.push(row);
      process.stderr.write(`  ${scenario.name}: ${fmt(row.ours.rps, 0)} req/s, p50 ${fmt(row.ours.p50)} ms, errors ${row.ours.errors}\n`);
    }
    results.streamAnswer = ctx.streamFull;
    if (pgServer && (!only || "instances".includes(only))) {
      // A second instance on the same database: `serve`, as a deployment runs it.
      const bin = path.join(root, "bin/agent-server.js");
      const second = await startServer("postgres-2", process.execPath, [bin, "serve", "--host", "127.0.0.1", "--port", "0", "--config", freshFixture("fixture"), "--database-url", pgDatabase.url], { env: { LOG_LEVEL: "info" } });
      servers.push(second);
      results.instances = await instancesScenario({
        instances: [pgServer, second],
        rounds: AUTH_ROUNDS,
        clients: 16,
        loop,
        post,
        echoed,
        body: { assistant_id: "agent", input: HELLO },
      });
      process.stderr.write(`  runs/s on one database: 1 instance ${fmt(results.instances.one.rps, 0)}, 2 instances ${fmt(results.instances.all.rps, 0)}\n`);
    }
    results.ceilings.fastifyOk = ctx.fastifyOk;
  } finally {
    for (const s of servers) s.stop();
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
    // The servers are told to stop; give them a moment to let go of the database.
    if (pgDatabase) await new Promise((r) => setTimeout(r, 500)).then(() => pgDatabase.drop());
  }
  printTable(results, { vsReference, postgres, big: BIG, smoke });
  writeFileSync(path.join(here, "results.json"), JSON.stringify(results, null, 2));
  const errors = results.scenarios.reduce((n, r) => n + r.ours.errors + (r.postgres?.errors ?? 0), 0) + (results.instances ? results.instances.one.errors + results.instances.all.errors : 0);
  if (errors > 0) {
    process.stderr.write(`\n${errors} wrong or failed responses\n`);
    process.exitCode = 1;
  }
}

await main();
