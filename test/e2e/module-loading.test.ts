/**
 * How a project's modules are imported: TypeScript without a build step in any package type, the
 * server's own copy of LangGraph shared, a fresh evaluation per loader (what hot reload needs),
 * the files loaded reported for watching, and errors that say where.
 */
import { StateGraph } from "@langchain/langgraph";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ModuleLoader } from "../../src/graphs/module-loader.js";
import { REPO_ROOT, sdkClient, startTestServer } from "../helpers/server.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "agent-server-modules-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A project folder with the given files and this repo's node_modules. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmp, "project-"));
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const ECHO_GRAPH = (reply: string) => `
import { Annotation, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ text: Annotation<string>, reply: Annotation<string> });
export const graph = new StateGraph(State)
  .addNode("answer", (s: typeof State.State) => ({ reply: ${reply} }))
  .addEdge("__start__", "answer")
  .compile();
`;

describe("module loading", () => {
  it("runs TypeScript from a CommonJS package: ESM syntax, './x.js' meaning x.ts, extensionless imports, __dirname, top-level await, tsconfig's decorators", async () => {
    const dir = project({
      "package.json": JSON.stringify({ name: "cjs-project", private: true }),
      "tsconfig.json": `{\n  // legacy decorators, as many projects still use\n  "compilerOptions": { "experimentalDecorators": true, },\n}`,
      "langgraph.json": JSON.stringify({ graphs: { agent: "./src/graph.ts:graph" } }),
      "src/prefix.ts": [
        `const upper = (_t: object, _k: string, d: PropertyDescriptor) => ({ ...d, value: () => d.value().toUpperCase() });`,
        `class Words { @upper static util() { return "util"; } }`,
        `export const prefix: string = await Promise.resolve(Words.util());`,
      ].join("\n"),
      "src/lib/index.ts": `export { prefix } from "../prefix.js";\nexport const folder = __dirname.split("/").pop();`,
      "src/graph.ts": `import { prefix, folder } from "./lib";\n${ECHO_GRAPH("`${prefix}/${folder}: ${s.text}`")}`,
    });
    const server = await startTestServer({ config: dir });
    try {
      const client = sdkClient(server.url);
      const result = (await client.runs.wait(null, "agent", { input: { text: "hi" } })) as { reply: string };
      expect(result.reply).toBe("UTIL/lib: hi");
    } finally {
      await server.close();
    }
  });

  it("shares this server's copy of LangGraph and evaluates the project's own files afresh for each loader", async () => {
    const dir = project({
      "package.json": JSON.stringify({ name: "esm-project", private: true, type: "module" }),
      "counter.ts": `const g = globalThis as { __loads?: number };\ng.__loads = (g.__loads ?? 0) + 1;\nexport const loads = g.__loads;`,
      "graph.ts": `export { loads } from "./counter.ts";\nexport { StateGraph } from "@langchain/langgraph";`,
    });
    const first = await new ModuleLoader().import(path.join(dir, "graph.ts"));
    const second = await new ModuleLoader().import(path.join(dir, "graph.ts"));
    expect(first.StateGraph).toBe(StateGraph);
    expect(second.StateGraph).toBe(StateGraph);
    expect(second.loads).toBe((first.loads as number) + 1);
  });

  it("lists the project files it loaded, and none from node_modules", async () => {
    const dir = project({
      "package.json": JSON.stringify({ name: "esm-project", private: true, type: "module" }),
      "data.json": JSON.stringify({ word: "hello" }),
      "helper.mts": `import data from "./data.json" with { type: "json" };\nexport const word = data.word;`,
      "graph.ts": `export { word } from "./helper.mjs";\nexport { StateGraph } from "@langchain/langgraph";`,
    });
    const loader = new ModuleLoader();
    expect((await loader.import(path.join(dir, "graph.ts"))).word).toBe("hello");
    const files = await loader.files();
    expect(files.sort()).toEqual([path.join(dir, "data.json"), path.join(dir, "graph.ts"), path.join(dir, "helper.mts")]);
  });

  it("names the file and line of a syntax error, and of an error thrown while importing", async () => {
    const dir = project({
      "langgraph.json": JSON.stringify({ graphs: { broken: "./broken.ts:graph", throws: "./throws.ts:graph" } }),
      "helper.ts": `export const ok = 1;\nexport const broken = (;\n`,
      "broken.ts": `import { ok } from "./helper.ts";\nexport const graph = ok;`,
      "throws.ts": `export const value = 1;\nthrow new Error("no API key configured");\nexport const graph = value;`,
    });
    const loader = new ModuleLoader();
    await expect(startTestServer({ config: dir, loader })).rejects.toThrow(
      new RegExp(`"graphs\\.broken": failed to import .*broken\\.ts: ${path.join(dir, "helper.ts")}:2:\\d+: `),
    );
    // The file that failed is still reported, so a reload supervisor watches it for the fix.
    expect(await loader.files()).toContain(path.join(dir, "helper.ts"));

    writeFileSync(path.join(dir, "langgraph.json"), JSON.stringify({ graphs: { throws: "./throws.ts:graph" } }));
    await expect(startTestServer({ config: dir })).rejects.toThrow(
      new RegExp(`failed to import .*throws\\.ts: no API key configured \\(at ${path.join(dir, "throws.ts")}:2:7\\)`),
    );
  });
});
