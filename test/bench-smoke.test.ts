/** `npm run bench` in smoke mode (one second per scenario), so the benchmark cannot silently rot. */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/server.js";

it("runs every scenario with no wrong answers and writes bench/results.json", { timeout: 300_000 }, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, "bench/run.mjs"), "--smoke"], {
    cwd: REPO_ROOT,
    maxBuffer: 10 * 1024 * 1024,
  });
  expect(stdout).toContain("| GET /ok");
  const results = JSON.parse(readFileSync(path.join(REPO_ROOT, "bench/results.json"), "utf8")) as {
    scenarios: Array<{ name: string; ours: { errors: number; requests: number } }>;
    ceilings: { engine: { runsPerSecond: number }; fastifyOk: { rps: number } };
    startup: { ours: number };
  };
  expect(results.scenarios.length).toBeGreaterThanOrEqual(14);
  for (const s of results.scenarios) {
    expect(s.ours.errors, s.name).toBe(0);
    expect(s.ours.requests, s.name).toBeGreaterThan(0);
  }
  expect(results.ceilings.engine.runsPerSecond).toBeGreaterThan(0);
  expect(results.ceilings.fastifyOk.rps).toBeGreaterThan(0);
  expect(results.startup.ours).toBeGreaterThan(0);
});
