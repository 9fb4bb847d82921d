// `npm run bench -- --postgres`: the PostgreSQL side of the bench. A fresh database for the run
// (created on the server BENCH_DATABASE_URL names, default the local `test` database, and
// dropped at the end), and the scale-out figure: stateless /runs/wait throughput with one and
// with two instances on that database.
import { randomBytes } from "node:crypto";
import pg from "pg";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function admin(sql) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates a database of its own; resolves to its URL and a drop function. */
export async function benchDatabase() {
  const name = `agent_server_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * Runs/s of stateless /runs/wait with `clients` clients spread over the given instances, measured
 * for one instance and for all of them in alternation (the machine's speed drifts), median of rounds.
 */
export async function instancesScenario({ instances, rounds, clients, loop, post, echoed, body }) {
  const one = [];
  const all = [];
  const run = (servers) =>
    loop(servers[0], clients, async (_state, i) => {
      const server = servers[i % servers.length];
      return echoed((await post(server, "/runs/wait", body)).text);
    });
  for (let i = 0; i < rounds; i++) {
    one.push(await run(instances.slice(0, 1)));
    all.push(await run(instances));
  }
  const median = (results) => [...results].sort((a, b) => a.rps - b.rps)[Math.floor(results.length / 2)];
  return { one: { ...median(one), errors: one.reduce((n, r) => n + r.errors, 0) }, all: { ...median(all), errors: all.reduce((n, r) => n + r.errors, 0) } };
}
