// Ceiling for the cheap routes: a bare Fastify app answering a constant JSON, in its own process.
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.get("/ok", async () => ({ ok: true }));
await app.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`API: http://127.0.0.1:${app.server.address().port}\n`);
