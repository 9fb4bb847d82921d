/** The CLI itself: flags, the dev server on the demo project, and stopping with SIGINT. */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createServer as createNetServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, runCli, startDev } from "../helpers/cli.js";
import { fixture, REPO_ROOT, sdkClient, waitFor } from "../helpers/server.js";
import { passTutorialFlow } from "../helpers/tutorial-flow.js";

const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
const tmp = mkdtempSync(path.join(os.tmpdir(), "agent-server-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("agent-server CLI", () => {
  it("prints help and version", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("dev");
    const devHelp = await runCli(["dev", "--help"]);
    for (const flag of ["--port", "--host", "--config", "--no-browser", "--no-console", "--no-reload", "--n-jobs-per-worker", "--in-memory", "--fsync", "--body-limit", "--run-timeout", "--shutdown-grace", "--database-url"]) {
      expect(devHelp.stdout).toContain(flag);
    }
    const serveHelp = await runCli(["serve", "--help"]);
    for (const flag of ["--config", "--host", "--port", "--database-url", "--workers", "--lease-seconds", "--shutdown-grace", "--run-timeout", "--body-limit", "--no-console"]) {
      expect(serveHelp.stdout).toContain(flag);
    }
    expect((await runCli(["migrate", "--help"])).stdout).toContain("--database-url");
    const v = await runCli(["--version"]);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(version);
  });

  it("rejects a bad flag with one line and exit code 2", async () => {
    const bad = await runCli(["dev", "--port", "abc"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toContain("--port");
    const unknown = await runCli(["dev", "--frobnicate"]);
    expect(unknown.code).toBe(2);
  });

  it("says in one line when there is no database to migrate, or it cannot be reached", async () => {
    const none = await runCli(["migrate"], { env: { DATABASE_URL: "" } });
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe("agent-server: no database: pass --database-url or set DATABASE_URL");
    const url = "postgres://postgres@127.0.0.1:5432/agent_server_no_such_database";
    for (const args of [["migrate", "--database-url", url], ["serve", "--port", "0", "--database-url", url]]) {
      const unreachable = await runCli(args);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr.trim().split("\n")).toEqual([
        'agent-server: cannot connect to the database postgres://postgres@127.0.0.1:5432/agent_server_no_such_database: database "agent_server_no_such_database" does not exist',
      ]);
    }
  });

  it("serve: JSON logs, the console unless --no-console, no Studio bypass", async () => {
    const project = path.join(tmp, "serve");
    cpSync(path.join(REPO_ROOT, "examples"), path.join(project, "examples"), { recursive: true });
    cpSync(path.join(REPO_ROOT, "langgraph.json"), path.join(project, "langgraph.json"));
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
    for (const consoleOn of [true, false]) {
      const args = [BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--config", project, ...(consoleOn ? [] : ["--no-console"])];
      const serve = await startDev(process.execPath, args, { cwd: REPO_ROOT, env: { LOG_LEVEL: "info" } });
      try {
        const line = serve.output().split("\n").find((l) => l.includes("agent-server serving"))!;
        expect(JSON.parse(line)).toMatchObject({ url: serve.url, console: consoleOn ? `${serve.url}/console/` : null });
        expect((await fetch(`${serve.url}/console/`)).status).toBe(consoleOn ? 200 : 401);
        const studio = await fetch(`${serve.url}/threads/search`, { method: "POST", headers: { "x-auth-scheme": "langsmith", "content-type": "application/json" }, body: "{}" });
        expect(studio.status).toBe(401);
      } finally {
        expect((await serve.stop("SIGTERM")).code).toBe(0);
      }
    }
  });

  it("serves the demo project on --port 0, passes the tutorial flow, and exits 0 on SIGINT", async () => {
    // A copy of the demo project, so the test's data does not land in the checkout.
    const project = path.join(tmp, "demo");
    cpSync(path.join(REPO_ROOT, "examples"), path.join(project, "examples"), { recursive: true });
    cpSync(path.join(REPO_ROOT, "langgraph.json"), path.join(project, "langgraph.json"));
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
    const dev = await startDev(process.execPath, [BIN, "dev", "--no-browser", "--port", "0", "--body-limit", "1", "--config", project], {
      cwd: REPO_ROOT,
    });
    try {
      expect(dev.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(dev.url).not.toMatch(/:0$/);
      // For people: the console first, then Studio; the listening line is folded into the banner,
      // and no JSON log line comes out (LOG_JSON=true is for machines).
      const banner = dev.output();
      expect(banner.indexOf(`Console: ${dev.url}/console/`)).toBeGreaterThan(-1);
      expect(banner.indexOf(`Console: ${dev.url}/console/`)).toBeLessThan(banner.indexOf("Studio:  https://smith.langchain.com/studio/?baseUrl=" + dev.url));
      expect(banner).not.toContain('{"level"');
      expect(banner).not.toContain("Server listening at");
      expect((await fetch(`${dev.url}/console/`)).status).toBe(200);
      await passTutorialFlow(dev.url);
      // --body-limit 1: a body of 1.5 MB is refused.
      const big = await fetch(`${dev.url}/threads`, {
        method: "POST",
        headers: { authorization: "Bearer user1-token", "content-type": "application/json" },
        body: JSON.stringify({ metadata: { text: "x".repeat(1_500_000) } }),
      });
      expect(big.status).toBe(413);
    } finally {
      expect(await dev.stop("SIGINT")).toEqual({ code: 0, signal: null });
    }
    expect(readFileSync(path.join(project, ".gitignore"), "utf8")).toContain(".agent-server/");
  });

  it("opens the console with $BROWSER unless --no-browser (Studio with --no-console), and warns once about unknown langgraph.json keys", async () => {
    const project = path.join(tmp, "browser");
    cpSync(path.join(REPO_ROOT, "examples"), path.join(project, "examples"), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
    writeFileSync(
      path.join(project, "langgraph.json"),
      JSON.stringify({ graphs: { agent: "./examples/agent/graph.ts:graph" }, dependencies: ["."], python_version: "3.12", frobnicate: true }),
    );
    const opened = path.join(project, "opened.txt");
    const browser = path.join(project, "browser.sh");
    writeFileSync(browser, `#!/bin/sh\necho "$1" >> ${opened}\n`, { mode: 0o755 });
    const start = (flags: string[]) =>
      startDev(process.execPath, [BIN, "dev", "--port", "0", "--in-memory", "--config", project, ...flags], { cwd: REPO_ROOT, env: { BROWSER: browser } });
    const dev = await start([]);
    try {
      await waitFor(async () => existsSync(opened));
      expect(readFileSync(opened, "utf8").trim()).toBe(`${dev.url}/console/`);
      // JSON log lines escape the quotes.
      expect(dev.output().match(/unknown key \\?"frobnicate/g)).toHaveLength(1);
      expect(dev.output()).not.toMatch(/dependencies|python_version/);
    } finally {
      await dev.stop("SIGINT");
    }
    rmSync(opened);
    // Without the console: Studio opens, the banner has no console line, /console is not served.
    const noConsole = await startDev(process.execPath, [BIN, "dev", "--port", "0", "--in-memory", "--no-console", "--config", project], {
      cwd: REPO_ROOT,
      env: { BROWSER: browser, LOG_JSON: "true", LOG_LEVEL: "info" },
    });
    try {
      await waitFor(async () => existsSync(opened));
      expect(readFileSync(opened, "utf8").trim()).toBe(`https://smith.langchain.com/studio/?baseUrl=${noConsole.url}`);
      expect(noConsole.output()).not.toContain("Console:");
      expect((await fetch(`${noConsole.url}/console/`)).status).toBe(404);
      // LOG_JSON=true: JSON lines, the listening line included, for machines that wait for it.
      expect(noConsole.output()).toMatch(/^\{"level":30,.*"msg":"Server listening at http:\/\/127\.0\.0\.1:\d+"\}$/m);
    } finally {
      await noConsole.stop("SIGINT");
    }
    rmSync(opened);
    const quiet = await start(["--no-browser"]);
    await quiet.stop("SIGINT");
    // A browser would have been started right after the banner; give its script time to write.
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(opened)).toBe(false);
  });

  it("on SIGTERM lets a running run finish within --shutdown-grace and exits 0; a second signal exits at once", async () => {
    // The api fixture, laid out so its "../../../examples" resolves inside tmp.
    const project = path.join(tmp, "a", "b", "graceful");
    cpSync(fixture("api"), project, { recursive: true });
    cpSync(path.join(REPO_ROOT, "examples"), path.join(tmp, "examples"), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(tmp, "node_modules"), "dir");
    const start = (grace = "20") =>
      startDev(process.execPath, [BIN, "dev", "--no-browser", "--no-reload", "--port", "0", "--shutdown-grace", grace, "--config", project], { cwd: REPO_ROOT, env: { LOG_LEVEL: "info" } });

    const first = await start();
    let client = sdkClient(first.url);
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 1_500 } });
    await waitFor(async () => (await client.runs.get(thread.thread_id, run.run_id)).status === "running");
    expect(await first.stop("SIGTERM")).toEqual({ code: 0, signal: null });

    const second = await start();
    client = sdkClient(second.url);
    // Finished before the process exited: nothing was left to resume.
    expect((await client.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
    const long = await client.runs.create(thread.thread_id, "slow", { input: { delay_ms: 60_000 } });
    await waitFor(async () => (await client.runs.get(thread.thread_id, long.run_id)).status === "running");
    const stopping = Date.now();
    const exited = second.stop("SIGTERM");
    await waitFor(async () => second.output().includes("shutting down"));
    process.kill(-second.child.pid!, "SIGINT");
    expect((await exited).code).toBe(1);
    expect(Date.now() - stopping).toBeLessThan(10_000);

    // The run cut short resumes on the next start.
    const third = await start("0");
    try {
      expect((await sdkClient(third.url).runs.get(thread.thread_id, long.run_id)).status).toMatch(/pending|running/);
    } finally {
      await third.stop("SIGINT");
    }
  });

  it("says the port is taken in one line (exit 1)", async () => {
    const blocker = createNetServer().listen(0, "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(["dev", "--no-browser", "--port", String(port), "--in-memory"]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(`agent-server: port ${port} on 127.0.0.1 is already in use; choose another with --port (0 picks a free one)`);
    } finally {
      blocker.close();
    }
  });

  describe("bad configuration stops start-up with one line naming the file and key (exit 1)", () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ["missing langgraph.json", {}, /langgraph\.json: file not found/],
      ["invalid JSON", { "langgraph.json": "{ nope" }, /langgraph\.json: invalid JSON/],
      ["no graphs key", { "langgraph.json": "{}" }, /"graphs" is required/],
      ["graph spec without ':'", { "langgraph.json": JSON.stringify({ graphs: { agent: "./graph.ts" } }), "graph.ts": "" }, /"graphs\.agent" must be "<file>:<export>"/],
      ["missing graph file", { "langgraph.json": JSON.stringify({ graphs: { agent: "./nope.ts:graph" } }) }, /"graphs\.agent" points to \.\/nope\.ts, which does not exist/],
      ["missing graph export", { "langgraph.json": JSON.stringify({ graphs: { agent: "./graph.ts:graph" } }), "graph.ts": "export const other = 1;" }, /"graphs\.agent": .*graph\.ts has no export named "graph"/],
      ["export that is not a graph", { "langgraph.json": JSON.stringify({ graphs: { agent: "./graph.ts:graph" } }), "graph.ts": "export const graph = { hello: 1 };" }, /"graphs\.agent": export "graph" of .*graph\.ts is not a LangGraph graph/],
      [
        "auth export that is not an Auth object",
        {
          "langgraph.json": JSON.stringify({ graphs: { agent: `${path.join(REPO_ROOT, "examples/agent/graph.ts")}:graph` }, auth: { path: "./auth.ts:auth" } }),
          "auth.ts": "export const auth = { authenticate() {} };",
        },
        /"auth\.path": export "auth" of .*auth\.ts is not an Auth object/,
      ],
      ["bad auth key type", { "langgraph.json": JSON.stringify({ graphs: {}, auth: { disable_studio_auth: 3 } }) }, /"auth\.disable_studio_auth"/],
    ];
    it.each(cases)("%s", async (_name, files, expected) => {
      const dir = mkdtempSync(path.join(tmp, "bad-"));
      for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
      const result = await runCli(["dev", "--no-browser", "--port", "0", "--config", dir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(expected);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  });
});
