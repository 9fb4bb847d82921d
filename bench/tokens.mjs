// Token streaming, the path every chat UI depends on: the bench graph's node calls a fake chat
// model that streams a 2,000-character answer one character per chunk, read with
// `stream_mode: "messages-tuple"`. Every chunk is counted and the text checked. Reported: chunks/s,
// time to first chunk, and server CPU per 1,000 chunks, beside the in-process ceiling (the same
// graph streamed in a loop with no server: ceiling-tokens.ts), measured in alternation with it.
import { request } from "undici";
import { cpuMs, createThread, DURATION, HELLO, JSON_HEADERS, percentile, post, smoke } from "./harness.mjs";
import { ANSWER } from "./tokens-answer.mjs";

/** Calls `onEvent(event, data)` for each SSE frame of a response body, as it arrives. */
async function readSse(body, onEvent) {
  let buffer = "";
  for await (const chunk of body) {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      let data = "";
      for (const line of frame.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (data) onEvent(event, data);
    }
  }
}

/** Reads one run's token stream; `ok` when every chunk arrived and the text is the answer. */
async function readTokens(body, t0) {
  let text = "";
  let chunks = 0;
  let first;
  const arrivals = [];
  let error;
  await readSse(body, (event, data) => {
    if (event === "error") error = data;
    if (event !== "messages") return;
    const now = performance.now();
    first ??= now - t0;
    arrivals.push(now);
    chunks++;
    text += JSON.parse(data)[0].content;
  });
  const ok = !error && chunks === ANSWER.length && text === ANSWER;
  return { ok, chunks, first, arrivals, ms: performance.now() - t0 };
}

/** One run of `graph` streamed with messages-tuple on a fresh thread. */
async function streamRun(server, graph) {
  const thread = await createThread(server);
  const t0 = performance.now();
  const res = await request(`${server.url}/threads/${thread}/runs/stream`, {
    method: "POST",
    headers: JSON_HEADERS,
    body: JSON.stringify({ assistant_id: graph, input: HELLO, stream_mode: ["messages-tuple"] }),
  });
  return readTokens(res.body, t0);
}

/** `clients` concurrent loops of token runs for `seconds`. */
async function streamLoops(server, clients, seconds) {
  const firsts = [];
  let chunks = 0;
  let errors = 0;
  let runs = 0;
  const cpu0 = cpuMs(server.pid);
  const end = Date.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < end) {
        try {
          const r = await streamRun(server, "tokens");
          runs++;
          chunks += r.chunks;
          if (r.first !== undefined) firsts.push(r.first);
          if (!r.ok) errors++;
        } catch (err) {
          process.stderr.write(`THROWN: ${err?.stack ?? err}\n`);
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuMs(server.pid) - cpu0;
  firsts.sort((a, b) => a - b);
  return { rps: chunks / elapsed, p50: percentile(firsts, 50), p99: percentile(firsts, 99), errors, requests: runs, cpuPerReq: chunks ? (cpu / chunks) * 1000 : null, unit: "chunks" };
}

/** Rounds of the in-process ceiling and the server, alternating. */
const CEILING_ROUNDS = smoke ? 1 : 3;

/**
 * Token streaming through the server measured in alternation with the in-process ceiling
 * (ctx.tokenCeiling(), started on first use), a few short rounds each: the ratio is the median
 * of the rounds' ratios, each against the ceiling measured just before it (the machine's speed
 * drifts between minutes). Answers the median round, with `vsCeiling`.
 */
async function againstCeiling(ctx, server, clients) {
  const rounds = [];
  for (let i = 0; i < CEILING_ROUNDS; i++) {
    const ceiling = (await (await ctx.tokenCeiling()).measure(DURATION / CEILING_ROUNDS)).chunksPerSecond;
    (ctx.tokenCeilings ??= []).push(ceiling);
    const r = await streamLoops(server, clients, DURATION / CEILING_ROUNDS);
    rounds.push({ ...r, vsCeiling: r.rps / ceiling });
  }
  rounds.sort((a, b) => a.vsCeiling - b.vsCeiling);
  const median = rounds[Math.floor(rounds.length / 2)];
  return { ...median, errors: rounds.reduce((n, r) => n + r.errors, 0), requests: rounds.reduce((n, r) => n + r.requests, 0) };
}

/** Server CPU for one run read by `readers` clients joined to it at once (the mean of a few runs: the CPU clock ticks in 10 ms). */
async function readersCost(server, readers, repeats) {
  const costs = [];
  let errors = 0;
  let firsts = [];
  for (let i = 0; i < repeats; i++) {
    const thread = await createThread(server);
    const cpu0 = cpuMs(server.pid);
    const t0 = performance.now();
    const { status, text } = await post(server, `/threads/${thread}/runs`, { assistant_id: "tokens", input: HELLO, stream_mode: ["messages-tuple"] });
    if (status !== 200) throw new Error(`run create failed: ${status} ${text}`);
    const runId = JSON.parse(text).run_id;
    const results = await Promise.all(
      Array.from({ length: readers }, async () => {
        try {
          const res = await request(`${server.url}/threads/${thread}/runs/${runId}/stream`, { headers: JSON_HEADERS });
          return await readTokens(res.body, t0);
        } catch (err) {
          process.stderr.write(`READER FAILED: ${err?.message}\n`);
          return { ok: false };
        }
      }),
    );
    costs.push(cpuMs(server.pid) - cpu0);
    errors += results.filter((r) => !r.ok).length;
    firsts = firsts.concat(results.map((r) => r.first ?? Infinity));
  }
  return { cpuMs: costs.reduce((a, b) => a + b, 0) / costs.length, errors, firsts };
}

export function tokenScenarios(ctx) {
  return [
    { name: "tokens: 1 stream", tokens: true, run: (s) => againstCeiling(ctx, s, 1) },
    { name: "tokens: 16 streams", tokens: true, run: (s) => againstCeiling(ctx, s, 16) },
    {
      name: "tokens: 100 readers of one run",
      tokens: true,
      run: async (s) => {
        // One reader and many in alternation, a few runs each per round; the ratio is the
        // median of the rounds' (the machine's speed drifts between minutes).
        const rounds = [];
        for (let i = 0; i < (smoke ? 1 : 5); i++) {
          const one = await readersCost(s, 1, smoke ? 1 : 3);
          const many = await readersCost(s, smoke ? 20 : 100, smoke ? 1 : 3);
          rounds.push({ one, many, ratio: many.cpuMs / one.cpuMs });
        }
        rounds.sort((a, b) => a.ratio - b.ratio);
        const { one, many, ratio } = rounds[Math.floor(rounds.length / 2)];
        const firsts = rounds.flatMap((r) => r.many.firsts).sort((a, b) => a - b);
        return {
          rps: null,
          p50: percentile(firsts, 50),
          p99: percentile(firsts, 99),
          errors: rounds.reduce((n, r) => n + r.one.errors + r.many.errors, 0),
          requests: rounds.length * 2,
          cpuPerReq: null,
          note: `CPU ${Math.round(many.cpuMs)} ms vs ${Math.round(one.cpuMs)} ms for 1 reader: ${ratio.toFixed(2)}x`,
        };
      },
    },
    {
      // A model that sleeps 1 ms per chunk: chunks must reach the client as they are produced,
      // not in a burst at the end. `spread`: time from the first chunk to the last, against the
      // ~2 s the model takes; the burst share is the chunks that arrived in the last 5 % of it.
      name: "tokens: liveness (1 ms per chunk)",
      tokens: true,
      run: async (s) => {
        const firsts = [];
        let errors = 0;
        let worstBurst = 0;
        let spreads = [];
        for (let i = 0; i < (smoke ? 1 : 3); i++) {
          const r = await streamRun(s, "tokens_slow");
          if (!r.ok) errors++;
          if (r.first !== undefined) firsts.push(r.first);
          const spread = r.arrivals.at(-1) - r.arrivals[0];
          spreads.push(spread);
          const tail = r.arrivals.at(-1) - spread * 0.05;
          worstBurst = Math.max(worstBurst, r.arrivals.filter((a) => a >= tail).length / r.arrivals.length);
        }
        firsts.sort((a, b) => a - b);
        spreads.sort((a, b) => a - b);
        return {
          rps: null,
          p50: percentile(firsts, 50),
          p99: percentile(firsts, 99),
          errors,
          requests: firsts.length,
          cpuPerReq: null,
          note: `first chunk p50 ${percentile(firsts, 50).toFixed(1)} ms; spread ${(spreads[Math.floor(spreads.length / 2)] / 1000).toFixed(2)} s; ${(worstBurst * 100).toFixed(0)}% in the last 5%`,
        };
      },
    },
  ];
}
