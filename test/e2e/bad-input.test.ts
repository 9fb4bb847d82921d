/** Bad input gets a clear 4xx JSON answer and the server keeps answering normally. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, sdkClient, startTestServer } from "../helpers/server.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer({ config: fixture("api"), bodyLimit: 2 * 1024 * 1024 });
});
afterAll(async () => {
  await server?.close();
});

async function send(body: string | undefined, contentType?: string, path = "/threads") {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: contentType ? { "content-type": contentType } : {},
    body,
  });
  const text = await res.text();
  // The server still answers normally after every bad request.
  expect((await fetch(`${server.url}/ok`)).status).toBe(200);
  return { status: res.status, type: res.headers.get("content-type"), json: text ? JSON.parse(text) : undefined };
}

describe("bad input", () => {
  it("malformed JSON is 400, with a JSON detail", async () => {
    const r = await send("{nope", "application/json");
    expect(r.status).toBe(400);
    expect(r.type).toMatch(/application\/json/);
    expect(r.json.detail).toMatch(/Malformed JSON/);
  });

  it("other content types are 415, text/plain holding JSON is read as JSON, an empty body is {}", async () => {
    expect((await send("a=1", "application/x-www-form-urlencoded")).status).toBe(415);
    expect((await send("<x/>", "application/xml")).status).toBe(415);
    const plain = await send(JSON.stringify({ metadata: { via: "text/plain" } }), "text/plain;charset=UTF-8");
    expect(plain.status).toBe(200);
    expect(plain.json.metadata).toEqual({ via: "text/plain" });
    const empty = await send(undefined);
    expect(empty.status).toBe(200);
    expect(empty.json.metadata).toEqual({});
  });

  it("a body over the limit is 413", async () => {
    const r = await send(JSON.stringify({ metadata: { big: "x".repeat(3 * 1024 * 1024) } }), "application/json");
    expect(r.status).toBe(413);
    expect(r.json.detail).toBeTruthy();
  });

  it("JSON nested 10,000 deep is a 400, not a crash", async () => {
    const deep = `{"metadata":{"a":${"[".repeat(10_000)}${"]".repeat(10_000)}}}`;
    const r = await send(deep, "application/json");
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/nested deeper/);
  });

  it("stores __proto__ and constructor keys as plain data, with no prototype pollution", async () => {
    const body = '{"metadata":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"plain":1}}';
    const r = await send(body, "application/json");
    expect(r.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const thread = await sdkClient(server.url).threads.get(r.json.thread_id);
    expect(Object.keys(thread.metadata ?? {}).sort()).toEqual(["__proto__", "constructor", "plain"]);
    expect(JSON.stringify(thread.metadata)).toContain('"__proto__":{"polluted":true}');
  });

  it("NUL bytes, lone surrogates and 1 MB strings are stored and returned intact", async () => {
    const client = sdkClient(server.url);
    const odd = "a\u0000b\ud800c";
    const started = Date.now();
    const thread = await client.threads.create({ metadata: { odd, large: "y".repeat(1024 * 1024) } });
    const back = await client.threads.get(thread.thread_id);
    expect(back.metadata?.odd).toBe(JSON.parse(JSON.stringify(odd)));
    expect((back.metadata?.large as string).length).toBe(1024 * 1024);
    console.log(`1 MB metadata: stored and read back in ${Date.now() - started} ms`);
  });

  it.each([
    ["negative limit", { limit: -1 }],
    ["huge limit", { limit: 1_000_000 }],
    ["non-numeric offset", { offset: "abc" }],
    ["unknown status", { status: "sleepy" }],
    ["non-UUID ids", { ids: ["nope"] }],
  ])("%s is a 422 naming the field", async (_name, body) => {
    const r = await send(JSON.stringify(body), "application/json", "/threads/search");
    expect(r.status).toBe(422);
    expect(r.json.detail).toMatch(new RegExp(Object.keys(body)[0]!));
  });
});
