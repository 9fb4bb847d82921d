// @ts-check
/**
 * Node module hooks (module.register) for the project's own files: TypeScript is compiled with
 * esbuild, TypeScript-style specifiers resolve ("./util.js" → util.ts, "./util" → util.ts), and
 * every project file imported under a load id (`?agent-server-load=<id>`) passes the id on to
 * the project files it imports. A new id therefore evaluates the project's code afresh (a hot
 * reload), while node_modules keep their one shared instance (one copy of LangGraph). Each
 * project file loaded is reported to the main thread, which watches it.
 *
 * Plain JavaScript on purpose: Node runs hooks in its loader thread, before any TypeScript
 * support exists.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stop, transform } from "esbuild";
import { describeEsbuildError } from "./esbuild-errors.mjs";

const LOAD_PARAM = "agent-server-load";
const TYPESCRIPT = /\.(?:ts|tsx|mts|cts)$/;
/** What a TypeScript project means by a specifier Node cannot find, in the order tsc tries them. */
const JS_TO_TS = { ".js": [".ts", ".tsx"], ".jsx": [".tsx"], ".mjs": [".mts"], ".cjs": [".cts"] };
const EXTENSIONLESS = [".ts", ".tsx", ".mts", ".js", ".mjs", "/index.ts", "/index.tsx", "/index.js", "/index.mjs"];

/** @type {import("node:worker_threads").MessagePort | undefined} */
let port;
/** Transforms in flight; esbuild is stopped only between them. */
let compiling = 0;
/** The nearest tsconfig.json's text per folder, for the load id that read it (a reload re-reads). */
let tsconfigs = { loadId: /** @type {string | null} */ (null), byDir: new Map() };

/** @param {{ port?: import("node:worker_threads").MessagePort } | undefined} data */
export function initialize(data) {
  port = data?.port;
  port?.on("message", (message) => {
    // After an import the main thread asks for a flush: answering in order proves every earlier
    // report has been sent.
    if (message.flush !== undefined) port?.postMessage({ flushed: message.flush });
    // Once the project is loaded, esbuild's service process is not needed until the next load
    // (a reload starts it again): stopping it gives its memory back.
    if (message.idle && compiling === 0) void stop();
  });
  port?.unref();
}

/** @param {string | undefined} url */
function loadIdOf(url) {
  if (!url?.startsWith("file:")) return null;
  return new URL(url).searchParams.get(LOAD_PARAM);
}

/** @param {string} url */
function isProjectFile(url) {
  return url.startsWith("file:") && !url.includes("/node_modules/");
}

/** @param {string} specifier */
function isPathLike(specifier) {
  return /^(?:\.{1,2}\/|\/|file:)/.test(specifier);
}

/**
 * @param {string} specifier
 * @param {{ parentURL?: string, conditions?: string[], importAttributes?: Record<string, string> }} context
 * @param {(specifier: string, context?: object) => Promise<{ url: string, format?: string | null }>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  const loadId = loadIdOf(context.parentURL);
  let resolved;
  try {
    resolved = await nextResolve(specifier, context);
  } catch (err) {
    const code = /** @type {{ code?: string }} */ (err).code;
    if (!loadId || !isPathLike(specifier) || (code !== "ERR_MODULE_NOT_FOUND" && code !== "ERR_UNSUPPORTED_DIR_IMPORT")) throw err;
    resolved = await resolveTypeScriptStyle(specifier, context, nextResolve);
    if (!resolved) throw err;
  }
  if (loadId && isProjectFile(resolved.url)) {
    const url = new URL(resolved.url);
    url.searchParams.set(LOAD_PARAM, loadId);
    return { ...resolved, url: url.href, shortCircuit: true };
  }
  return resolved;
}

/**
 * @param {string} specifier
 * @param {object} context
 * @param {(specifier: string, context?: object) => Promise<{ url: string, format?: string | null }>} nextResolve
 */
async function resolveTypeScriptStyle(specifier, context, nextResolve) {
  const ext = /** @type {keyof typeof JS_TO_TS | undefined} */ (Object.keys(JS_TO_TS).find((e) => specifier.endsWith(e)));
  const candidates = ext
    ? JS_TO_TS[ext].map((ts) => specifier.slice(0, -ext.length) + ts)
    : EXTENSIONLESS.map((suffix) => specifier.replace(/\/$/, "") + suffix);
  for (const candidate of candidates) {
    try {
      return await nextResolve(candidate, context);
    } catch {
      // try the next spelling
    }
  }
  return null;
}

/**
 * @param {string} url
 * @param {{ format?: string | null, conditions?: string[], importAttributes?: Record<string, string> }} context
 * @param {(url: string, context?: object) => Promise<{ format: string, source?: string | ArrayBuffer | null }>} nextLoad
 */
export async function load(url, context, nextLoad) {
  const loadId = loadIdOf(url);
  if (loadId && isProjectFile(url)) port?.postMessage({ loadId, file: fileURLToPath(url) });
  if (!url.startsWith("file:") || !TYPESCRIPT.test(new URL(url).pathname)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, "utf8");
  if (tsconfigs.loadId !== loadId) tsconfigs = { loadId, byDir: new Map() };
  compiling++;
  try {
    const { code } = await transform(source, {
      // Settings that change the emitted code (experimentalDecorators, jsx, …) come from the
      // project's tsconfig.json, as tsc would read them; esbuild parses its comments itself.
      tsconfigRaw: (await nearestTsconfig(path.dirname(file))) ?? undefined,
      loader: file.endsWith("x") ? "tsx" : "ts",
      format: "esm",
      target: `node${process.versions.node.split(".")[0]}`,
      // esbuild drops `with { type: "json" }` for node20 targets, but Node 20 needs it.
      supported: { "import-attributes": true },
      sourcemap: "inline",
      sourcefile: file,
      // CommonJS names a TypeScript file may use, in their ESM spelling.
      define: { __filename: "import.meta.filename", __dirname: "import.meta.dirname" },
    });
    return { format: "module", source: code, shortCircuit: true };
  } catch (err) {
    throw new SyntaxError(describeEsbuildError(err, file));
  } finally {
    compiling--;
  }
}

/**
 * @param {string} dir
 * @returns {Promise<string | null>}
 */
async function nearestTsconfig(dir) {
  if (tsconfigs.byDir.has(dir)) return tsconfigs.byDir.get(dir);
  let found = null;
  if (path.basename(dir) !== "node_modules") {
    found = await readFile(path.join(dir, "tsconfig.json"), "utf8").catch(() => null);
    const parent = path.dirname(dir);
    if (found === null && parent !== dir) found = await nearestTsconfig(parent);
  }
  tsconfigs.byDir.set(dir, found);
  return found;
}
