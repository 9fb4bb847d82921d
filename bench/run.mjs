#!/usr/bin/env node
// `npm run bench`: starts agent-server as a separate process on bench/fixture (the echo graph and
// the tutorial's token auth), drives it with autocannon (and small clients for runs and streams),
// checks every response (a wrong answer is an error, not throughput), and prints one table plus
// bench/results.json. Flags: --smoke (1 s per scenario, small data: what `npm test` runs),
// --vs-reference (also runs the LangGraph reference dev server, alternating, and prints ratios),
// --only <substring> (scenarios whose name contains it), --postgres (every scenario also on the
// PostgreSQL backend, beside SQLite, and runs/s with one and two instances on one database),
// --baseline <checkout> (an A/B in one run: the same scenarios on another build of agent-server,
// e.g. a worktree of an older commit with its dist/ built, each scenario alternating between the
// two, median of the rounds).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BIG, createThread, DURATION, echoed, freePort, HELLO, here, loop, median, post, root, ROUNDS, rssMb, seedThreads, smoke, startCeiling, startServer } from "./harness.mjs";
import { benchDatabase, instancesScenario } from "./postgres.mjs";
import { scenarios } from "./scenarios.mjs";
import { tokenScenarios } from "./tokens.mjs";
import { fmt, printTable } from "./table.mjs";

const args = process.argv.slice(2);
const vsReference = args.includes("--vs-reference");
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const postgres = args.includes("--postgres");
const baselineDir = args.includes("--baseline") ? path.resolve(args[args.indexOf("--baseline") + 1]) : undefined;
const REFERENCE = "@langchain/langgraph-cli@1.5.1";

// ---------- main ----------


/** The echo graph's in-process loop (ceiling-engine.ts) for DURATION seconds: the JSON line it prints. */
function engineCeiling(...args) {
  const out = execFileSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(here, "ceiling-engine.ts"), String(DURATION), ...args], { cwd: root, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1));
}

/** The round with the median ratio to the ceiling, as `vsCeiling` of the median result (when measured). */
function withMedianRatio(result, rounds) {
  const ratios = rounds.map((r) => r.vsCeiling).filter((v) => v !== undefined).sort((a, b) => a - b);
  return ratios.length ? { ...result, vsCeiling: ratios[Math.floor(ratios.length / 2)] } : result;
}

/** The engine loop's measurement with the median runs/s, and every runs/s measured. */
function medianMeasurement(measurements) {
  const sorted = [...measurements].sort((a, b) => a.runsPerSecond - b.runsPerSecond);
  return { ...sorted[Math.floor(sorted.length / 2)], measurements: measurements.map((m) => m.runsPerSecond) };
}

/** How long the servers are left alone before their idle memory is read. */
const IDLE_SECONDS = 15;

async function main() {
  const startedAt = new Date();
  const servers = [];
  const results = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, date: startedAt.toISOString(), smoke, scenarios: [], ceilings: {}, memory: {} };
  const dataDirs = [];
  let pgServer;
  let pgDatabase;
  let ceilingDatabase;
  let tokenCeiling;
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
    results.memory.startMb = rssMb(ours.pid);
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
    let baseline;
    if (baselineDir) {
      baseline = await startServer("baseline", process.execPath, [path.join(baselineDir, "bin/agent-server.js"), "dev", "--no-browser", "--port", "0", "--config", freshFixture("fixture")]);
      servers.push(baseline);
      results.startup.baseline = baseline.startupMs;
      results.memory.baselineStartMb = rssMb(baseline.pid);
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
      results.memory.referenceStartMb = rssMb(reference.pid);
    }

    // Idle: started, then left alone. Right after start-up V8 still holds what loading allocated
    // (its young generation grew to take it); it gives that back once allocation stays low.
    results.memory.idleAfterS = smoke ? 1 : IDLE_SECONDS;
    await new Promise((r) => setTimeout(r, results.memory.idleAfterS * 1000));
    results.memory.idleMb = rssMb(ours.pid);
    if (baseline) results.memory.baselineIdleMb = rssMb(baseline.pid);
    if (reference) results.memory.referenceIdleMb = rssMb(reference.pid);

    const ctx = { thread: {} };
    const targets = [ours, ...(baseline ? [baseline] : []), ...(reference ? [reference] : []), ...(pgServer ? [pgServer] : [])];
    // The server without auth gets the same data, so "auth on/off" compares only the auth.
    for (const s of [...targets, noauth]) {
      ctx.thread[s.name] = await createThread(s, { bench: "get" });
      await seedThreads(s, 100, (i) => ({ bucket: "small", n: i % 20 }));
      await seedThreads(s, BIG, (i) => ({ bucket: "big", n: i % 1000 }));
    }
    results.memory.afterThreadsMb = rssMb(ours.pid);
    if (reference) results.memory.referenceAfterThreadsMb = rssMb(reference.pid);
    if (baseline) results.memory.baselineAfterThreadsMb = rssMb(baseline.pid);

    // Ceilings, measured in the same run: the engine loop in alternation with the /runs/wait
    // scenarios (on PostgreSQL too, on a database of its own), the tokens' with the token ones.
    ctx.fastify = fastify;
    if (postgres) ceilingDatabase = await benchDatabase();
    const engineMeasurements = { sqlite: [], postgres: [] };
    const measureEngine = () => {
      const sqlite = engineCeiling();
      engineMeasurements.sqlite.push(sqlite);
      if (!ceilingDatabase) return { ours: sqlite.runsPerSecond, baseline: sqlite.runsPerSecond };
      const pg = engineCeiling("--postgres", ceilingDatabase.url);
      engineMeasurements.postgres.push(pg);
      return { ours: sqlite.runsPerSecond, baseline: sqlite.runsPerSecond, postgres: pg.runsPerSecond };
    };
    // The token ceiling stays up: the token scenarios measure it in alternation with the server.
    ctx.tokenCeiling = () => (tokenCeiling ??= startCeiling("ceiling-tokens.ts"));

    for (const scenario of [...scenarios(ctx), ...tokenScenarios(ctx)]) {
      if (only && !scenario.name.includes(only)) continue;
      if (scenario.pairedWith) {
        const [on, off] = await scenario.run(ours, noauth);
        results.scenarios.push({ name: scenario.name, ours: on }, { name: scenario.pairedWith, ours: off });
        process.stderr.write(`  ${scenario.name}: ${fmt(on.rps, 0)} req/s; ${scenario.pairedWith}: ${fmt(off.rps, 0)} req/s\n`);
        continue;
      }
      const row = { name: scenario.name };
      const contenders = { ours, ...(baseline ? { baseline } : {}), ...(pgServer && !scenario.tokens ? { postgres: pgServer } : {}) };
      if (baseline || (scenario.alternate && pgServer) || scenario.ceiling === "engine") {
        // An A/B (and SQLite beside Postgres, and the engine loop's ceiling) in alternation,
        // median of the rounds: the machine's speed drifts. Against the ceiling, each round is
        // compared with the ceiling measured just before it.
        const rounds = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
        for (let i = 0; i < ROUNDS; i++) {
          const ceiling = scenario.ceiling === "engine" ? measureEngine() : {};
          for (const [k, server] of Object.entries(contenders)) {
            const r = await scenario.run(server);
            rounds[k].push(ceiling[k] ? { ...r, vsCeiling: r.rps / ceiling[k] } : r);
          }
        }
        for (const k of Object.keys(contenders)) row[k] = withMedianRatio(median(rounds[k]), rounds[k]);
      } else {
        for (const [k, server] of Object.entries(contenders)) row[k] = await scenario.run(server);
      }
      if (reference) row.reference = await scenario.run(reference);
      results.scenarios.push(row);
      process.stderr.write(`  ${scenario.name}: ${fmt(row.ours.rps, 0)} req/s, p50 ${fmt(row.ours.p50)} ms, errors ${row.ours.errors}\n`);
    }
    results.streamAnswer = ctx.streamFull;
    if (engineMeasurements.sqlite.length) results.ceilings.engine = medianMeasurement(engineMeasurements.sqlite);
    if (engineMeasurements.postgres.length) results.ceilings.enginePostgres = medianMeasurement(engineMeasurements.postgres);
    if (ctx.tokenCeilings) {
      const sorted = [...ctx.tokenCeilings].sort((a, b) => a - b);
      results.ceilings.tokens = { chunksPerSecond: sorted[Math.floor(sorted.length / 2)], measurements: ctx.tokenCeilings };
    }
    if (pgServer && (!only || "instances".includes(only))) {
      // A second instance on the same database: `serve`, as a deployment runs it.
      const bin = path.join(root, "bin/agent-server.js");
      const second = await startServer("postgres-2", process.execPath, [bin, "serve", "--host", "127.0.0.1", "--port", "0", "--config", freshFixture("fixture"), "--database-url", pgDatabase.url], { env: { LOG_LEVEL: "info" } });
      servers.push(second);
      results.instances = await instancesScenario({
        instances: [pgServer, second],
        rounds: ROUNDS,
        clients: 16,
        loop,
        post,
        echoed,
        body: { assistant_id: "agent", input: HELLO },
      });
      process.stderr.write(`  runs/s on one database: 1 instance ${fmt(results.instances.one.rps, 0)}, 2 instances ${fmt(results.instances.all.rps, 0)}\n`);
    }
    results.ceilings.fastifyOk = ctx.fastifyOk;
    // Memory after the whole bench, and again once the load has stopped for a while: V8 keeps a
    // grown heap while it is busy and gives it back when idle.
    results.memory.afterBenchMb = rssMb(ours.pid);
    if (baseline) results.memory.baselineAfterBenchMb = rssMb(baseline.pid);
    await new Promise((r) => setTimeout(r, (smoke ? 1 : 30) * 1000));
    results.memory.afterIdleMb = rssMb(ours.pid);
    if (baseline) results.memory.baselineAfterIdleMb = rssMb(baseline.pid);
  } finally {
    tokenCeiling?.then((ceiling) => ceiling.stop(), () => {});
    for (const s of servers) s.stop();
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
    // The servers are told to stop; give them a moment to let go of the database.
    if (pgDatabase) await new Promise((r) => setTimeout(r, 500)).then(() => pgDatabase.drop());
    await ceilingDatabase?.drop();
  }
  printTable(results, { vsReference, postgres, baseline: Boolean(baselineDir), big: BIG, smoke });
  writeFileSync(path.join(here, "results.json"), JSON.stringify(results, null, 2));
  const errors = results.scenarios.reduce((n, r) => n + r.ours.errors + (r.postgres?.errors ?? 0), 0) + (results.instances ? results.instances.one.errors + results.instances.all.errors : 0);
  if (errors > 0) {
    process.stderr.write(`\n${errors} wrong or failed responses\n`);
    process.exitCode = 1;
  }
}

await main();
