// The bench's table (what `npm run bench` prints) from its results.

export function fmt(n, digits = 1) {
  return n === null || n === undefined || Number.isNaN(n) ? "—" : Number(n).toFixed(digits);
}

/** One markdown table: our scenarios, then the reference's and Postgres's columns when measured, then the ceilings. */
export function printTable(results, { vsReference, postgres, big, smoke }) {
  const by = (name) => results.scenarios.find((r) => r.name === name)?.ours;
  const engineRps = results.ceilings.engine?.runsPerSecond;
  const fastifyRps = results.ceilings.fastifyOk?.rps;
  const tokensRps = results.ceilings.tokens?.chunksPerSecond;
  const rows = [["scenario", "req/s", "p50 ms", "p99 ms", "errors", "cpu ms/req", "vs ceiling", ...(vsReference ? ["ref req/s", "ref p50", "ratio"] : []), ...(postgres ? ["pg req/s", "pg p50", "pg errors", "pg/sqlite"] : [])]];
  const pgColumns = (pgRow, sqliteRow) =>
    postgres ? [fmt(pgRow?.rps, 0), fmt(pgRow?.p50), String(pgRow?.errors ?? ""), pgRow ? (pgRow.rps && sqliteRow.rps ? fmt(pgRow.rps / sqliteRow.rps, 2) : `p50 ${fmt(pgRow.p50)} ms`) : ""] : [];
  for (const r of results.scenarios) {
    let ceiling = "";
    if (r.name === "GET /ok" && fastifyRps) ceiling = `${fmt(r.ours.rps / fastifyRps, 2)} of bare Fastify`;
    if (r.name.includes("/runs/wait") && engineRps) ceiling = `${fmt(r.ours.rps / engineRps, 2)} of engine loop`;
    if (r.name.startsWith("auth off") && by("auth on: GET thread")) ceiling = `auth on/off ${fmt(by("auth on: GET thread").rps / r.ours.rps, 2)}`;
    if (r.name.startsWith("/runs/stream") && r.ours.note) ceiling = r.ours.note;
    if (r.name.startsWith("tokens:")) ceiling = r.ours.unit === "chunks" && tokensRps ? `${fmt(r.ours.rps / tokensRps, 2)} of in-process` : (r.ours.note ?? "");
    const ref = r.reference;
    const ratio = ref ? (r.ours.rps && ref.rps ? `${fmt(r.ours.rps / ref.rps, 1)}x req/s` : `${fmt(ref.p50 / r.ours.p50, 1)}x faster p50`) : "";
    rows.push([r.name, fmt(r.ours.rps, 0), fmt(r.ours.p50), fmt(r.ours.p99), String(r.ours.errors), fmt(r.ours.cpuPerReq, 2), ceiling, ...(vsReference ? [fmt(ref?.rps, 0), fmt(ref?.p50), ratio] : []), ...pgColumns(r.postgres, r.ours)]);
  }
  rows.push(["start-up to first 200 (ms)", fmt(results.startup.ours, 0), "", "", "", "", "", ...(vsReference ? [fmt(results.startup.reference, 0), "", `${fmt(results.startup.reference / results.startup.ours, 1)}x faster`] : [])]);
  rows.push(["RSS idle (MB)", fmt(results.memory.idleMb, 0), "", "", "", "", "", ...(vsReference ? [fmt(results.memory.referenceIdleMb, 0), "", ""] : [])]);
  rows.push([`RSS after ${big} threads (MB)`, fmt(results.memory.afterThreadsMb, 0), "", "", "", "", "", ...(vsReference ? [fmt(results.memory.referenceAfterThreadsMb, 0), "", ""] : [])]);
  if (results.instances) {
    const pad = Array(vsReference ? 3 : 0).fill("");
    for (const [label, r] of [["postgres: /runs/wait, 16 clients, 1 instance", results.instances.one], ["postgres: /runs/wait, 16 clients, 2 instances", results.instances.all]]) {
      rows.push([label, fmt(r.rps, 0), fmt(r.p50), fmt(r.p99), String(r.errors), "", "", ...pad, ...(postgres ? ["", "", "", ""] : [])]);
    }
  }
  rows.push(["ceiling: bare Fastify GET /ok", fmt(fastifyRps, 0), fmt(results.ceilings.fastifyOk?.p50), fmt(results.ceilings.fastifyOk?.p99), "", "", ""]);
  rows.push(["ceiling: engine loop (runs/s)", fmt(engineRps, 0), fmt(results.ceilings.engine?.msPerRun), "", "", "", ""]);
  rows.push(["ceiling: in-process token stream (chunks/s)", fmt(tokensRps, 0), "", "", "", "", ""]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? "").length)));
  const line = (r) => "| " + r.map((c, i) => String(c ?? "").padEnd(widths[i])).join(" | ") + " |";
  process.stdout.write(`\nagent-server bench — ${results.date}, ${results.machine.cpus} cores, Node ${results.machine.node}${smoke ? " (smoke)" : ""}\n\n`);
  process.stdout.write(line(rows[0]) + "\n| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |\n");
  for (const r of rows.slice(1)) process.stdout.write(line(r) + "\n");
  process.stdout.write("\nToken rows: req/s is chunks/s, p50/p99 the time to the first chunk, cpu ms/req the server's CPU per 1,000 chunks.\n");
}
