/**
 * Generative UI (`ui` in langgraph.json): the components are bundled, `POST /ui/:graph` answers
 * the tags `LoadExternalComponent` inserts (behind auth), the bundle's files are served to the
 * browser without credentials, and the bundle really renders a component through the SDK's hooks.
 */
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { fixture, useTestServer } from "../helpers/server.js";

const t = useTestServer({ config: fixture("ui") });
const auth = { authorization: "Bearer user1-token", "content-type": "application/json" };

describe("generative UI bundles", () => {
  it("answers the tags that load a component, for the graph id or one of its assistants, behind auth", async () => {
    expect((await fetch(`${t.server.url}/ui/agent`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"weather"}' })).status).toBe(401);
    const res = await fetch(`${t.server.url}/ui/agent`, { method: "POST", headers: auth, body: JSON.stringify({ name: "weather" }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain(`<link rel="stylesheet" href="${t.server.url}/ui/agent/entrypoint.css" />`);
    expect(html).toContain(`<script src="${t.server.url}/ui/agent/entrypoint.js" onload='__LGUI_agent.render("weather", "{{shadowRootId}}")'></script>`);

    const [assistant] = await (await fetch(`${t.server.url}/assistants/search`, { method: "POST", headers: auth, body: JSON.stringify({ graph_id: "agent" }) })).json();
    const viaAssistant = await fetch(`${t.server.url}/ui/${assistant.assistant_id}`, { method: "POST", headers: auth, body: JSON.stringify({ name: "weather" }) });
    expect(await viaAssistant.text()).toBe(html);

    // A name that would break out of the attribute is escaped.
    const hostile = await (await fetch(`${t.server.url}/ui/agent`, { method: "POST", headers: auth, body: JSON.stringify({ name: "x'><img src=y>" }) })).text();
    expect(hostile).not.toContain("'><img");

    const missing = await fetch(`${t.server.url}/ui/nope`, { method: "POST", headers: auth, body: JSON.stringify({ name: "weather" }) });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: 'UI not found for agent "nope"', code: "ui_not_found" });
    expect((await fetch(`${t.server.url}/ui/agent`, { method: "POST", headers: auth, body: "{}" })).status).toBe(422);
  });

  it("serves the bundle's files without credentials, and the script renders a component with the page's React", async () => {
    const css = await fetch(`${t.server.url}/ui/agent/entrypoint.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
    expect(await css.text()).toMatch(/\.weather \{\s*color: rebeccapurple;/);
    const js = await fetch(`${t.server.url}/ui/agent/entrypoint.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    const code = await js.text();
    expect((await fetch(`${t.server.url}/ui/agent/nope.js`)).status).toBe(404);

    // What the page provides: its React (through LGUI_REQUIRE), the shadow root, and the store.
    const jsx = (type: unknown, props: Record<string, unknown>) => ({ type, props });
    const modules: Record<string, unknown> = { react: { useState: (v: unknown) => [v, () => undefined] }, "react/jsx-runtime": { jsx, jsxs: jsx } };
    const appended: unknown[] = [];
    const responded: Array<{ id: string; component: (p: object) => unknown; target: unknown }> = [];
    const sandbox: Record<PropertyKey, unknown> = {
      document: {
        getElementById: (id: string) => (id === "root-1" ? { shadowRoot: { appendChild: (el: unknown) => appended.push(el) } } : null),
        createElement: (tag: string) => ({ tag }),
      },
      [Symbol.for("LGUI_REQUIRE")]: (name: string) => modules[name],
    };
    sandbox.window = sandbox;
    sandbox.globalThis = sandbox;
    (sandbox as Record<symbol, unknown>)[Symbol.for("LGUI_EXT_STORE")] = {
      respond: (id: string, component: (p: object) => unknown, target: unknown) => responded.push({ id, component, target }),
    };
    vm.runInNewContext(`${code}\n__LGUI_agent.render("weather", "root-1");`, sandbox);
    expect(appended).toEqual([{ tag: "div" }]);
    expect(responded).toHaveLength(1);
    expect(responded[0]!.id).toBe("root-1");
    const tree = responded[0]!.component({ city: "Paris" }) as { type: string; props: { className: string; children: unknown[] } };
    expect(tree.type).toBe("div");
    expect(tree.props.className).toBe("weather");
    expect(JSON.stringify(tree.props.children)).toContain('"label":"live"');
  });
});
