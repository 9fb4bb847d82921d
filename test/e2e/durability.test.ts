/** Data lives in the project's SQLite file and survives a restart; env files load without overriding. */
import { cpSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync, closeSync, existsSync, mkdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createServer } from "../../src/server.js";
import { runCli } from "../helpers/cli.js";
import { REPO_ROOT, sdkClient } from "../helpers/server.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "agent-server-durable-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function demoProject(name: string, extra: Record<string, unknown> = {}): string {
  const dir = path.join(tmp, name);
  cpSync(path.join(REPO_ROOT, "examples"), path.join(dir, "examples"), { recursive: true });
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  writeFileSync(
    path.join(dir, "langgraph.json"),
    JSON.stringify({ graphs: { agent: "./examples/agent/graph.ts:graph" }, auth: { path: "./examples/security/auth.ts:auth" }, ...extra }),
  );
  return dir;
}

describe("durable storage", () => {
  it("keeps a thread, its run and its state across a restart", async () => {
    const project = demoProject("restart");
    const first = await createServer({ config: project, port: 0, logLevel: "silent" });
    const alice = sdkClient(first.url, "user1-token");
    const thread = await alice.threads.create({ metadata: { topic: "restart" } });
    const run = await alice.runs.create(thread.thread_id, "agent", { input: { messages: [{ role: "user", content: "remember me" }] } });
    await alice.runs.join(thread.thread_id, run.run_id);
    await first.close();
    expect(existsSync(path.join(project, ".agent-server", "agent-server.db"))).toBe(true);

    const second = await createServer({ config: project, port: 0, logLevel: "silent" });
    try {
      const again = sdkClient(second.url, "user1-token");
      const stored = await again.threads.get(thread.thread_id);
      expect(stored.metadata).toMatchObject({ topic: "restart" });
      expect((await again.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
      const state = await again.threads.getState<{ messages: Array<{ content: string }> }>(thread.thread_id);
      expect(state.values.messages.at(-1)?.content).toBe("echo: remember me");
    } finally {
      await second.close();
    }
  });

  it("loads the env file without overriding variables already set", async () => {
    const project = demoProject("env", { env: ".env" });
    writeFileSync(path.join(project, ".env"), "AGENT_SERVER_TEST_FROM_FILE=file\nAGENT_SERVER_TEST_PRESET=file\n");
    process.env.AGENT_SERVER_TEST_PRESET = "shell";
    const server = await createServer({ config: project, port: 0, storage: "memory", logLevel: "silent" });
    try {
      expect(process.env.AGENT_SERVER_TEST_FROM_FILE).toBe("file");
      expect(process.env.AGENT_SERVER_TEST_PRESET).toBe("shell");
    } finally {
      await server.close();
      delete process.env.AGENT_SERVER_TEST_FROM_FILE;
      delete process.env.AGENT_SERVER_TEST_PRESET;
    }
  });

  it("loads inline env values from langgraph.json", async () => {
    const project = demoProject("env-inline", { env: { AGENT_SERVER_TEST_INLINE: "inline" } });
    const server = await createServer({ config: path.join(project, "langgraph.json"), port: 0, storage: "memory", logLevel: "silent" });
    try {
      expect(process.env.AGENT_SERVER_TEST_INLINE).toBe("inline");
    } finally {
      await server.close();
      delete process.env.AGENT_SERVER_TEST_INLINE;
    }
  });

  describe("a damaged database stops start-up with a clear message and is never replaced", () => {
    it("refuses a file that is not a database", async () => {
      const project = demoProject("not-a-db");
      const file = path.join(project, ".agent-server", "agent-server.db");
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, "these are my notes, not a database\n".repeat(200));
      const before = readFileSync(file);
      await expect(createServer({ config: project, port: 0, logLevel: "silent" })).rejects.toThrow(
        /cannot open the database .*agent-server\.db: .*It was left untouched; move it aside \(or restore a backup\)/,
      );
      expect(readFileSync(file).equals(before)).toBe(true);
      // The command line says it in one line and exits 1.
      const cli = await runCli(["dev", "--no-browser", "--port", "0", "--config", project]);
      expect(cli.code).toBe(1);
      expect(cli.stderr.trim().split("\n")).toHaveLength(1);
      expect(cli.stderr).toMatch(/cannot open the database/);
      expect(readFileSync(file).equals(before)).toBe(true);
    });

    it("refuses a database whose pages were damaged", async () => {
      const project = demoProject("damaged");
      const first = await createServer({ config: project, port: 0, logLevel: "silent" });
      const alice = sdkClient(first.url, "user1-token");
      for (let i = 0; i < 200; i++) await alice.threads.create({ metadata: { i, text: "x".repeat(200) } });
      await first.close();
      const file = path.join(project, ".agent-server", "agent-server.db");
      const size = statSync(file).size;
      console.log(`database before the damage: ${size} bytes`);
      // Scribble over pages in the middle of the file, as a failing disk might.
      const fd = openSync(file, "r+");
      writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
      closeSync(fd);
      const before = readFileSync(file);
      await expect(createServer({ config: project, port: 0, logLevel: "silent" })).rejects.toThrow(/cannot open the database .*move it aside/);
      expect(readFileSync(file).equals(before)).toBe(true);
    });
  });
});
