import { createServer } from "./dist/server.js";
const a = await createServer({ config: "/work/main/bench/fixture", port: 0, storage: "memory", logLevel: "silent" });
const b = await createServer({ config: "/work/main/bench/fixture-noauth", port: 0, storage: "memory", logLevel: "silent" });
const H = { authorization: "Bearer user1-token" };
async function tid(s) { const r = await s.app.inject({ method: "POST", url: "/threads", headers: { ...H, "content-type": "application/json" }, payload: "{}" }); return JSON.parse(r.body).thread_id; }
const ta = await tid(a), tb = await tid(b);
async function loop(s, t, n) { const t0 = performance.now(); for (let i = 0; i < n; i++) { const r = await s.app.inject({ method: "GET", url: `/threads/${t}`, headers: { ...H, host: "127.0.0.1", "user-agent": "x" } }); if (r.statusCode !== 200) throw new Error(r.body); } return (performance.now() - t0) * 1000 / n; }
await loop(a, ta, 5000); await loop(b, tb, 5000);
for (let r = 0; r < 4; r++) console.log("auth", (await loop(a, ta, 20000)).toFixed(1), "us   noauth", (await loop(b, tb, 20000)).toFixed(1), "us");
await a.close(); await b.close();
