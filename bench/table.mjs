// The bench's table (what `npm run bench` prints) from its results.

export function fmt(n, digits = 1) {
  return n === null || n === undefined || Number.isNaN(n) ? "—" : Number(n).toFixed(digits);
}

/** "1.3x req/s", or "2.0x faster p50" for latency-only rows. */
function ratio(ours, other) {
  if (!other || !ours) return "";
  if (ours.rps && other.rps) return `${fmt(ours.rps / other.rps, 2)}x req/s`;
  if (ours.p50 && other.p50) return `${fmt(other.p50 / ours.p50, 2)}x faster p50`;
  return "";
}

/**
 * One markdown table: our scenarios; the baseline build's, the reference's and Postgres's columns
 * when measured; then start-up, memory and the ceilings.
 */
export function printTable(results, { vsReference, postgres, baseline, big, smoke }) {
  const by = (name) => results.scenarios.find((r) => r.name === name)?.ours;
  const engineRps = results.ceilings.engine?.runsPerSecond;
  const enginePgRps = results.ceilings.enginePostgres?.runsPerSecond;
  const fastifyRps = results.ceilings.fastifyOk?.rps;
  const tokensRps = results.ceilings.tokens?.chunksPerSecond;
  const extra = [
    ...(baseline ? ["base req/s", "base p50", "base cpu", "ours/base"] : []),
    ...(vsReference ? ["ref req/s", "ref p50", "ratio"] : []),
    ...(postgres ? ["pg req/s", "pg p50", "pg errors", "pg/sqlite"] : []),
  ];
  const rows = [["scenario", "req/s", "p50 ms", "p99 ms", "errors", "cpu ms/req", "vs ceiling", ...extra]];
  const columns = (r) => [
    ...(baseline ? [fmt(r.baseline?.rps, 0), fmt(r.baseline?.p50), fmt(r.baseline?.cpuPerReq, 2), ratio(r.ours, r.baseline)] : []),
    ...(vsReference ? [fmt(r.reference?.rps, 0), fmt(r.reference?.p50), ratio(r.ours, r.reference)] : []),
    ...(postgres ? [fmt(r.postgres?.rps, 0), fmt(r.postgres?.p50), String(r.postgres?.errors ?? ""), r.postgres ? (r.postgres.rps && r.ours.rps ? fmt(r.postgres.rps / r.ours.rps, 2) : `p50 ${fmt(r.postgres.p50)} ms`) : ""] : []),
  ];
  for (const r of results.scenarios) {
    let ceiling = "";
    if (r.name === "GET /ok" && fastifyRps) ceiling = `${fmt(r.ours.rps / fastifyRps, 2)} of bare Fastify`;
    // The ratio measured round by round in alternation with the ceiling, when it was.
    if (r.name.includes("/runs/wait") && engineRps) ceiling = `${fmt(r.ours.vsCeiling ?? r.ours.rps / engineRps, 2)} of engine loop`;
    if (r.name.includes("/runs/wait") && enginePgRps && r.postgres?.rps) ceiling += `; pg ${fmt(r.postgres.vsCeiling ?? r.postgres.rps / enginePgRps, 2)} of its loop`;
    if (r.name.startsWith("auth off") && by("auth on: GET thread")) ceiling = `auth on/off ${fmt(by("auth on: GET thread").rps / r.ours.rps, 2)}`;
    if (r.name.startsWith("/runs/stream") && r.ours.note) ceiling = r.ours.note;
    if (r.name.startsWith("tokens:")) ceiling = r.ours.vsCeiling ? `${fmt(r.ours.vsCeiling, 2)} of in-process` : (r.ours.note ?? "");
    rows.push([r.name, fmt(r.ours.rps, 0), fmt(r.ours.p50), fmt(r.ours.p99), String(r.ours.errors), fmt(r.ours.cpuPerReq, 2), ceiling, ...columns(r)]);
  }
  const m = results.memory;
  /** A row of one figure per server: ours, then the baseline's and the reference's when measured. */
  const figure = (label, ours, base, ref, compare) => [
    label,
    fmt(ours, 0),
    "",
    "",
    "",
    "",
    "",
    ...(baseline ? [fmt(base, 0), "", "", compare && base ? compare(ours, base) : ""] : []),
    ...(vsReference ? [fmt(ref, 0), "", compare && ref ? compare(ours, ref) : ""] : []),
    ...(postgres ? ["", "", "", ""] : []),
  ];
  const faster = (ours, other) => `${fmt(other / ours, 2)}x faster`;
  rows.push(figure("start-up to first 200 (ms)", results.startup.ours, results.startup.baseline, results.startup.reference, faster));
  rows.push(figure("RSS at start-up, first 200 (MB)", m.startMb, m.baselineStartMb, m.referenceStartMb));
  rows.push(figure(`RSS idle, ${m.idleAfterS}+ s after start (MB)`, m.idleMb, m.baselineIdleMb, m.referenceIdleMb));
  rows.push(figure(`RSS after ${big} threads (MB)`, m.afterThreadsMb, m.baselineAfterThreadsMb, m.referenceAfterThreadsMb));
  rows.push(figure("RSS after the bench (MB)", m.afterBenchMb, m.baselineAfterBenchMb));
  rows.push(figure(`RSS ${smoke ? 1 : 30} s after the bench (MB)`, m.afterIdleMb, m.baselineAfterIdleMb));
  if (results.instances) {
    for (const [label, r] of [["postgres: /runs/wait, 16 clients, 1 instance", results.instances.one], ["postgres: /runs/wait, 16 clients, 2 instances", results.instances.all]]) {
      rows.push([label, fmt(r.rps, 0), fmt(r.p50), fmt(r.p99), String(r.errors), "", "", ...extra.map(() => "")]);
    }
  }
  rows.push(["ceiling: bare Fastify GET /ok", fmt(fastifyRps, 0), fmt(results.ceilings.fastifyOk?.p50), fmt(results.ceilings.fastifyOk?.p99), "", "", ""]);
  rows.push(["ceiling: engine loop (runs/s)", fmt(engineRps, 0), fmt(results.ceilings.engine?.msPerRun), "", "", "", ""]);
  if (enginePgRps) rows.push(["ceiling: engine loop on Postgres, 16 at once (runs/s)", fmt(enginePgRps, 0), "", "", "", "", `${fmt(enginePgRps / engineRps, 2)} of SQLite's`]);
  rows.push(["ceiling: in-process token stream (chunks/s)", fmt(tokensRps, 0), "", "", "", "", ""]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? "").length)));
  const line = (r) => "| " + r.map((c, i) => String(c ?? "").padEnd(widths[i])).join(" | ") + " |";
  process.stdout.write(`\nagent-server bench — ${results.date}, ${results.machine.cpus} cores, Node ${results.machine.node}${smoke ? " (smoke)" : ""}\n\n`);
  process.stdout.write(line(rows[0]) + "\n| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |\n");
  for (const r of rows.slice(1)) process.stdout.write(line(r) + "\n");
  process.stdout.write("\nToken rows: req/s is chunks/s, p50/p99 the time to the first chunk, cpu ms/req the server's CPU per 1,000 chunks.\n");
}
