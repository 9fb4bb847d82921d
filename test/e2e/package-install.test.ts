/**
 * agent-server as a user's dependency: `npm pack` this repo, install the tarball into a fresh
 * LangGraph project (its own package.json, graph and auth module, its own copy of LangGraph), run
 * `npx agent-server dev` there and pass the tutorial flow.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { startDev } from "../helpers/cli.js";
import { REPO_ROOT, sdkClient } from "../helpers/server.js";
import { passTutorialFlow } from "../helpers/tutorial-flow.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "agent-server-pack-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

it("installs from a packed tarball and serves a user's project with npx agent-server dev", { timeout: 600_000 }, async () => {
  // dist/ is built by `npm test` before the tests run: packing must not rebuild it under the
  // feet of the other test files that start the CLI from it (`prepare` would).
  const packed = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", tmp], { cwd: REPO_ROOT, encoding: "utf8" });
  const tarball = path.join(tmp, packed.trim().split("\n").at(-1)!);

  const project = path.join(tmp, "my-agent");
  mkdirSync(path.join(project, "src/agent"), { recursive: true });
  mkdirSync(path.join(project, "src/security"), { recursive: true });
  writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({
      name: "my-agent",
      private: true,
      type: "module",
      dependencies: {
        "agent-server": `file:${tarball}`,
        "@langchain/core": installedVersion("@langchain/core"),
        "@langchain/langgraph": installedVersion("@langchain/langgraph"),
        "@langchain/langgraph-sdk": installedVersion("@langchain/langgraph-sdk"),
      },
    }),
  );
  writeFileSync(
    path.join(project, "src/agent/graph.ts"),
    readFileSync(path.join(REPO_ROOT, "examples/agent/graph.ts"), "utf8"),
  );
  // The auth module imports from agent-server/auth, the re-export users may prefer.
  writeFileSync(
    path.join(project, "src/security/auth.ts"),
    readFileSync(path.join(REPO_ROOT, "examples/security/auth.ts"), "utf8").replace("@langchain/langgraph-sdk/auth", "agent-server/auth"),
  );
  writeFileSync(
    path.join(project, "langgraph.json"),
    JSON.stringify({ graphs: { agent: "./src/agent/graph.ts:graph" }, auth: { path: "./src/security/auth.ts:auth" } }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
    cwd: project,
    stdio: "pipe",
  });

  const dev = await startDev("npx", ["agent-server", "dev", "--no-browser", "--port", "0"], { cwd: project, timeoutMs: 60_000 });
  try {
    await passTutorialFlow(dev.url);
    // The package ships the built console.
    for (const file of ["/console/", "/console/console.js", "/console/console.css"]) expect((await fetch(`${dev.url}${file}`)).status, file).toBe(200);
    // Typed schemas from the installed package: its analysis worker and its bundled compiler,
    // over the user's graph and the user's copy of LangGraph.
    const schemas = await sdkClient(dev.url, "user1-token").assistants.getSchemas("agent");
    expect(schemas.input_schema).toMatchObject({ properties: { messages: { type: "array", langgraph_type: "messages" } } });
  } finally {
    // npm re-raises the signal on itself once its child (our server) has exited.
    const exit = await dev.stop("SIGINT");
    expect(exit.code === 0 || exit.signal === "SIGINT").toBe(true);
    expect(dev.output()).not.toMatch(/shutdown failed|Error/);
  }
});
