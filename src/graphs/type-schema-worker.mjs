// @ts-check
/**
 * The worker thread that runs the type analysis (type-analysis.mjs), so that the TypeScript
 * compiler, its memory and its seconds of CPU never touch the server's event loop. It is
 * started on the first schema request that needs it and stopped when idle or when the server
 * closes (type-schemas.ts). The compiler is loaded here and only here.
 *
 * The compiler is the one @ts-morph/common bundles (TypeScript's JavaScript API, with its lib
 * declaration files as data): the project's own `typescript` is the native TypeScript 7, which
 * has no JavaScript API, and a second `typescript` package would fight it for the `tsc` command.
 *
 * Messages in: `{ id, job: { file, exportName } }`; out: `{ id, outcome }` or `{ id, error }`.
 */
import path from "node:path";
import { parentPort } from "node:worker_threads";
import common from "@ts-morph/common";
import { analyseGraph } from "./type-analysis.mjs";

/** @type {import("./type-analysis.mjs").CompilerEnvironment} */
const environment = {
  libFolder: common.libFolderInMemoryPath,
  libTexts: new Map(common.getLibFiles().map((f) => [path.join(common.libFolderInMemoryPath, f.fileName), f.text])),
  // Parsed declaration files, reused by the next analysis (parsing them is most of the cost).
  parsed: new Map(),
};

parentPort?.on("message", (/** @type {{ id: number, job: { file: string, exportName: string } }} */ message) => {
  try {
    parentPort?.postMessage({ id: message.id, outcome: analyseGraph(common.ts, message.job, environment) });
  } catch (err) {
    parentPort?.postMessage({ id: message.id, error: String(/** @type {Error} */ (err)?.stack ?? err) });
  }
});
