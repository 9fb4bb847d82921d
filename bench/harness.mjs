// The bench's harness: server processes and their CPU and memory (from /proc), and the drivers
// (autocannon for request shapes, client loops for runs and streams). Every driver counts wrong
// answers as errors: a wrong answer is never throughput.
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "..");
const args = process.argv.slice(2);
export const smoke = args.includes("--smoke");
export const DURATION = smoke ? 1 : 5;
/** Rounds of the alternated comparisons (auth on/off, GET /ok against bare Fastify, SQLite/Postgres). */
export const ROUNDS = smoke ? 1 : 5;
export const BIG = smoke ? 300 : 10_000;
export const TOKEN = { authorization: "Bearer user1-token" };
export const JSON_HEADERS = { ...TOKEN, "content-type": "application/json" };
export const HELLO = { messages: [{ role: "user", content: "Hello!" }] };

export function procTree(rootPid) {
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
export function cpuMs(pid) {
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
export function rssMb(pid) {
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

export async function freePort() {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a server process and waits until GET /ok answers; measures start-up to the first 200. */
export async function startServer(name, command, argv, { cwd = root, env = {}, timeoutMs = 120_000, url: fixedUrl } = {}) {
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
    output: () => output,
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

export function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

/** The round with the median req/s (its errors are the sum of all rounds'). */
export function median(results) {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  return { ...sorted[Math.floor(sorted.length / 2)], errors: results.reduce((n, r) => n + r.errors, 0) };
}

/** autocannon on one request shape; errors = transport errors + wrong status + wrong bodies. */
export async function cannon(server, { method = "GET", path: p, headers = TOKEN, body, status = 200, verify, connections = 10 }, duration = DURATION) {
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
export async function loop(server, clients, fn) {
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

export async function post(server, p, body) {
  const res = await request(`${server.url}${p}`, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

export const echoed = (text) => text.includes("echo: Hello!");

export async function createThread(server, metadata = {}) {
  const { status, text } = await post(server, "/threads", { metadata });
  if (status !== 200) throw new Error(`thread create failed: ${status} ${text}`);
  return JSON.parse(text).thread_id;
}

export async function seedThreads(server, count, metadata) {
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => createThread(server, { ...metadata(i + j) })));
  }
}

/**
 * A ceiling process that stays up and measures on demand (ceiling-tokens.ts): `measure(seconds)`
 * resolves to the JSON line it answers. `stop()` when done.
 */
export async function startCeiling(script) {
  const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(here, script)], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const lines = [];
  const waiting = [];
  let buffer = "";
  child.stdout.on("data", (d) => {
    buffer += d;
    let end;
    while ((end = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const next = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((resolve) => waiting.push(resolve)));
  const exited = new Promise((_, reject) => child.on("exit", (code) => reject(new Error(`${script} exited (${code})`))));
  exited.catch(() => {});
  await Promise.race([next(), exited]); // "ready"
  return {
    measure: async (seconds) => {
      child.stdin.write(`${seconds}\n`);
      return JSON.parse(await Promise.race([next(), exited]));
    },
    stop: () => child.stdin.end(),
  };
}
