/** authenticate receives a Request that behaves as one, whatever the module does with it. */
import { expect, it } from "vitest";
import { fixture, useTestServer } from "../helpers/server.js";

const t = useTestServer({ config: fixture("request-shape") });

it("gives authenticate a WHATWG Request: instanceof, headers in every form, URL, clone, body, signal", async () => {
  const res = await fetch(`${t.server.url}/threads/search?q=hello`, {
    method: "POST",
    headers: { authorization: "Bearer abc", "x-probe": "1", "x-multi": "a", "content-type": "application/json" },
    body: '{"limit":1}',
  });
  expect(res.status).toBe(418);
  const seen = JSON.parse(((await res.json()) as { detail: string }).detail);
  expect(seen).toEqual({
    isRequest: true,
    headersAreHeaders: true,
    method: "POST",
    path: "/threads/search",
    query: "hello",
    authorization: "Bearer abc",
    missing: null,
    entries: [
      ["x-multi", "a"],
      ["x-probe", "1"],
    ],
    forEachCount: true,
    cloneUrl: `${t.server.url}/threads/search?q=hello`,
    // The body has been read by the server already; authenticate sees none, as in the reference.
    body: "",
    signal: true,
  });
  // An ordinary request goes through.
  expect((await fetch(`${t.server.url}/threads/search`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(200);
});
