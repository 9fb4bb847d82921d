/** http.app: a Hono app and a Fastify plugin served beside the API, behind auth unless opened. */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, startTestServer } from "../helpers/server.js";

const config = (name: string) => path.join(fixture("custom-routes"), `langgraph.${name}.json`);
const token = { authorization: "Bearer user1-token" };

describe("custom routes (http.app)", () => {
  it("serves a Hono app's routes behind authentication, beside the built-in routes", async () => {
    const server = await startTestServer({ config: config("hono") });
    try {
      expect((await fetch(`${server.url}/custom/hello`)).status).toBe(401);
      const ok = await fetch(`${server.url}/custom/hello`, { headers: token });
      expect(await ok.json()).toEqual({ hello: "from hono" });
      const echo = await fetch(`${server.url}/custom/echo`, { method: "POST", headers: { ...token, "content-type": "application/json" }, body: JSON.stringify({ a: 1 }) });
      expect(await echo.json()).toEqual({ echoed: { a: 1 } });
      expect((await fetch(`${server.url}/threads/search`, { method: "POST", headers: { ...token, "content-type": "application/json" }, body: "{}" })).status).toBe(200);
      expect((await fetch(`${server.url}/custom/missing`, { headers: token })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("serves a Fastify plugin's routes behind authentication", async () => {
    const server = await startTestServer({ config: config("plugin") });
    try {
      expect((await fetch(`${server.url}/custom/plugin`)).status).toBe(401);
      expect(await (await fetch(`${server.url}/custom/plugin`, { headers: token })).json()).toEqual({ hello: "from a fastify plugin" });
    } finally {
      await server.close();
    }
  });

  it("opens custom routes (only them) with enable_custom_route_auth: false", async () => {
    const server = await startTestServer({ config: config("open") });
    try {
      expect((await fetch(`${server.url}/custom/hello`)).status).toBe(200);
      expect((await fetch(`${server.url}/threads/search`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
