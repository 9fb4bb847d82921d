/** Tutorial part 3: the JWT-validating auth example, with tokens signed locally (nothing leaves the machine). */
import { createServer as createHttpServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { REPO_ROOT, sdkClient, startTestServer } from "../helpers/server.js";

let jwksServer: Server;
let server: RunningServer;
let sign: (claims: Record<string, unknown>, options?: { expiresIn?: string; issuer?: string }) => Promise<string>;
let signWithOtherKey: (claims: Record<string, unknown>) => Promise<string>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const other = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "RS256", use: "sig" };
  jwksServer = createHttpServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
  process.env.AUTH_JWKS_URL = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/.well-known/jwks.json`;
  process.env.AUTH_ISSUER = "https://auth.example.test";
  sign = (claims, options = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "test-key" })
      .setIssuer(options.issuer ?? "https://auth.example.test")
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? "5m")
      .sign(privateKey);
  signWithOtherKey = (claims) =>
    new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "test-key" }).setIssuer("https://auth.example.test").setExpirationTime("5m").sign(other.privateKey);
  server = await startTestServer({ config: `${REPO_ROOT}/examples/jwt` });
});
afterAll(async () => {
  await server?.close();
  await new Promise((r) => jwksServer.close(r));
  delete process.env.AUTH_JWKS_URL;
  delete process.env.AUTH_ISSUER;
});

describe("tutorial part 3: JWTs from an identity provider", () => {
  it("accepts a valid token and keeps each user's threads private", async () => {
    const alice = sdkClient(server.url, await sign({ sub: "alice-id", name: "Alice" }));
    const bob = sdkClient(server.url, await sign({ sub: "bob-id", name: "Bob" }));
    const thread = await alice.threads.create();
    expect(thread.metadata).toMatchObject({ owner: "alice-id" });
    const values = (await alice.runs.wait(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "Hello!" }] } })) as {
      messages: Array<{ content: string }>;
    };
    expect(values.messages.at(-1)!.content).toBe("echo: Hello!");
    await expect(bob.threads.get(thread.thread_id)).rejects.toMatchObject({ status: 404 });
  });

  it("rejects missing, expired, wrongly signed and wrong-issuer tokens with 401", async () => {
    const missing = await fetch(`${server.url}/threads`, { method: "POST" });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe("Bearer");
    for (const token of [
      await sign({ sub: "alice-id" }, { expiresIn: "-1m" }),
      await signWithOtherKey({ sub: "alice-id" }),
      await sign({ sub: "alice-id" }, { issuer: "https://elsewhere.test" }),
      "not.a.jwt",
    ]) {
      const res = await fetch(`${server.url}/threads`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ detail: "Invalid token", code: "unauthorized" });
    }
  });
});
