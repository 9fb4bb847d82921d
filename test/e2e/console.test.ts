/**
 * The console's files over HTTP (its behaviour in a browser is test/browser/console.test.ts):
 * public, exactly the built files and nothing beside them, compressed, cacheable, self-contained,
 * under the budget, and gone with `console: false`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, startTestServer } from "../helpers/server.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer({ config: fixture("private") });
});
afterAll(async () => {
  await server?.close();
});

const FILES = ["/console/", "/console/console.js", "/console/console.css"];

describe("the console's files", () => {
  it("are served without credentials, /console redirecting to /console/, with a strict content security policy", async () => {
    expect(server.consoleUrl).toBe(`${server.url}/console/`);
    const redirect = await fetch(`${server.url}/console`, { redirect: "manual" });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get("location")).toBe("/console/");
    const types: Record<string, string> = { "/console/": "text/html", "/console/console.js": "text/javascript", "/console/console.css": "text/css" };
    for (const file of FILES) {
      const res = await fetch(`${server.url}${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get("content-type"), file).toContain(types[file]);
      expect(res.headers.get("content-security-policy"), file).toContain("connect-src 'self'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect((await fetch(`${server.url}${file}`, { method: "HEAD" })).status, `HEAD ${file}`).toBe(200);
    }
  });

  it("makes only those exact paths public: anything else under /console, and other methods, need a token", async () => {
    for (const path of ["/console/other.js", "/console/console.js/x", "/console/index.html", "/console//console.js", "/consolex", "/console/..%2fthreads"]) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(401);
    }
    for (const method of ["POST", "PUT", "DELETE"]) {
      expect((await fetch(`${server.url}/console/`, { method, headers: { "content-type": "application/json" }, body: "{}" })).status, method).toBe(401);
    }
  });

  it("is compressed and revalidated by ETag; a page load is under 300 KB gzipped and fetches nothing from elsewhere", async () => {
    let total = 0;
    for (const file of FILES) {
      const res = await fetch(`${server.url}${file}`, { headers: { "accept-encoding": "gzip" } });
      expect(res.headers.get("content-encoding"), file).toBe("gzip");
      const body = await res.text(); // fetch decompresses; content-length is what went over the wire
      total += Number(res.headers.get("content-length"));
      const etag = res.headers.get("etag")!;
      expect((await fetch(`${server.url}${file}`, { headers: { "if-none-match": etag } })).status, file).toBe(304);
      // No CDN, no web fonts, no remote stylesheet or script.
      if (file !== "/console/console.js") expect(body, file).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
      expect(body, file).not.toMatch(/@import|fonts\.googleapis|unpkg|jsdelivr|cdnjs/);
    }
    expect(total).toBeGreaterThan(10_000);
    expect(total).toBeLessThan(300 * 1024);
    // Without gzip the same file comes plain (and larger).
    const plain = await fetch(`${server.url}/console/console.js`, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect((await plain.arrayBuffer()).byteLength).toBeGreaterThan(total);
  });
});

describe("console: false", () => {
  it("serves no console, and its paths are no longer public", async () => {
    const off = await startTestServer({ config: fixture("private"), console: false });
    try {
      expect(off.consoleUrl).toBeUndefined();
      for (const file of ["/console", ...FILES]) expect((await fetch(`${off.url}${file}`)).status, file).toBe(401);
      expect((await fetch(`${off.url}/console/`, { headers: { authorization: "Bearer user1-token" } })).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
