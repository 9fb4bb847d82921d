// The request and run scenarios of the bench. Each `run(server)` answers {rps, p50, p99, errors,
// requests, cpuPerReq}; `pairedWith` scenarios run against two servers in alternation, and
// `alternate` ones against SQLite and PostgreSQL in alternation when both are measured.
import { request } from "undici";
import { BIG, cannon, createThread, DURATION, echoed, HELLO, JSON_HEADERS, loop, median, percentile, post, ROUNDS } from "./harness.mjs";

export function scenarios(ctx) {
  return [
    // Against its ceiling, a bare Fastify app, in alternation (median of the rounds), as above.
    {
      name: "GET /ok",
      run: async (s) => {
        const ok = (server) => cannon(server, { path: "/ok", verify: (b) => b.includes('"ok":true') }, DURATION / ROUNDS);
        const ours = [];
        const bare = [];
        for (let i = 0; i < ROUNDS; i++) {
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
    // The cost of auth: the same route and data, with the tutorial's auth module and without
    // one, measured in alternation (the machine's speed drifts from one second to the next) and
    // reported as the median of the rounds.
    {
      name: "auth on: GET thread",
      pairedWith: "auth off: GET thread",
      run: async (s, noauth) => {
        const getThread = (server) => cannon(server, { path: `/threads/${ctx.thread[server.name]}`, verify: (b) => b.includes(ctx.thread[server.name]) }, DURATION / ROUNDS);
        const on = [];
        const off = [];
        for (let i = 0; i < ROUNDS; i++) {
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
        run: async (s) => {
          const r = await loop(s, clients, async () => echoed((await post(s, "/runs/wait", { assistant_id: "agent", input: HELLO })).text));
          // The most runs/s the server gave: the offered load of the half-load scenario below.
          if (clients > 1) (ctx.maxRuns ??= {})[s.name] = r.rps;
          return r;
        },
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
    {
      // Latency at a load the server can carry (half of the most runs/s it gave with 16 clients),
      // not at saturation: stateless /runs/stream opened at a fixed rate, whatever the answers do.
      name: "/runs/stream: first event at half load",
      run: async (s) => {
        const rate = Math.max(1, (ctx.maxRuns?.[s.name] ?? 20) / 2);
        const first = [];
        let errors = 0;
        const pending = [];
        const t0 = performance.now();
        for (let i = 0; performance.now() - t0 < DURATION * 1000; i++) {
          const due = t0 + (i * 1000) / rate;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          pending.push(
            (async () => {
              const start = performance.now();
              const res = await request(`${s.url}/runs/stream`, {
                method: "POST",
                headers: JSON_HEADERS,
                body: JSON.stringify({ assistant_id: "agent", input: HELLO, stream_mode: ["values"] }),
              });
              let text = "";
              for await (const chunk of res.body) {
                if (!text) first.push(performance.now() - start);
                text += chunk;
              }
              if (!echoed(text)) errors++;
            })().catch(() => errors++),
          );
        }
        await Promise.all(pending);
        const seconds = (performance.now() - t0) / 1000;
        first.sort((a, b) => a - b);
        return { rps: pending.length / seconds, p50: percentile(first, 50), p99: percentile(first, 99), errors, requests: pending.length, cpuPerReq: null, note: `offered ${rate.toFixed(0)} runs/s` };
      },
    },
  ];
}
