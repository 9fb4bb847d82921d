/**
 * Error answers: each carries a `code` from the one catalog (src/errors.ts), and the README's
 * table lists every code of the catalog, so clients can match on codes they can look up.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/errors.js";
import { fixture, REPO_ROOT, useTestServer } from "../helpers/server.js";

const t = useTestServer({ config: fixture("api") });
const missing = "5b9a4a3c-5d0e-4c0a-9d43-0e0a6b6f1c05";

describe("error codes", () => {
  it("the README's error table lists every code of the catalog", () => {
    const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Errors"), readme.indexOf("## Performance"));
    const listed = new Set([...section.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]));
    expect(ERROR_CODES.filter((code) => !listed.has(code))).toEqual([]);
  });

  it("answers every kind of error with {detail, code}, the code from the catalog", async () => {
    const thread = await t.client.threads.create();
    const json = { "content-type": "application/json" };
    const cases: Array<[string, RequestInit & { path: string }, number, string]> = [
      ["schema", { path: "/threads/search", method: "POST", headers: json, body: '{"limit": 0}' }, 422, "validation_error"],
      ["not JSON", { path: "/threads", method: "POST", headers: json, body: "{" }, 400, "malformed_json"],
      ["no route", { path: "/nowhere", method: "GET" }, 404, "route_not_found"],
      ["thread", { path: `/threads/${missing}`, method: "GET" }, 404, "thread_not_found"],
      ["assistant", { path: `/assistants/${missing}`, method: "GET" }, 404, "assistant_not_found"],
      ["run", { path: `/threads/${thread.thread_id}/runs/${missing}`, method: "GET" }, 404, "run_not_found"],
      ["cron", { path: `/runs/crons/${missing}`, method: "GET" }, 404, "cron_not_found"],
      ["graph", { path: "/assistants", method: "POST", headers: json, body: '{"graph_id": "nope"}' }, 404, "graph_not_found"],
      ["exists", { path: "/threads", method: "POST", headers: json, body: JSON.stringify({ thread_id: thread.thread_id }) }, 409, "thread_exists"],
      ["schedule", { path: "/runs/crons", method: "POST", headers: json, body: '{"assistant_id": "agent", "schedule": "now"}' }, 422, "invalid_request"],
      ["no graph", { path: `/threads/${thread.thread_id}/state`, method: "POST", headers: json, body: '{"values": {}}' }, 400, "bad_request"],
      ["media type", { path: "/threads", method: "POST", headers: { "content-type": "application/xml" }, body: "<a/>" }, 415, "unsupported_media_type"],
    ];
    for (const [name, { path: p, ...init }, status, code] of cases) {
      const res = await fetch(`${t.server.url}${p}`, init);
      expect(res.status, name).toBe(status);
      const body = (await res.json()) as { detail: unknown; code: unknown };
      expect(typeof body.detail, name).toBe("string");
      expect(body.code, name).toBe(code);
      expect(ERROR_CODES, name).toContain(body.code);
    }
  });
});
