/**
 * Generative-UI bundles (`ui` in langgraph.json). Each graph's component file — a module whose
 * default export maps names to React components — is bundled for the browser with esbuild, the
 * way LangGraph's own UI bundler does it, so `LoadExternalComponent` from
 * `@langchain/langgraph-sdk/react-ui` can load components from this server:
 *
 * - `entrypoint.js` is an IIFE that defines `__LGUI_<graph>.render(name, shadowRootId)`; it renders
 *   the named component into the shadow root the SDK prepared, handing it over through
 *   `window[Symbol.for("LGUI_EXT_STORE")]`.
 * - React, the SDK and `ui_config.shared` stay out of the bundle: the page provides them through
 *   `globalThis[Symbol.for("LGUI_REQUIRE")]`, so components share the page's React.
 * - CSS the components import becomes `entrypoint.css`; small images and fonts are inlined.
 */
import type { Plugin } from "esbuild";
import path from "node:path";
import { ConfigError } from "../errors.js";
import { describeEsbuildError } from "../graphs/esbuild-errors.mjs";

const ALWAYS_EXTERNAL = ["react", "react-dom", "@langchain/langgraph-sdk", "@langchain/langgraph-sdk/react-ui"];
const INLINED = [".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".woff", ".woff2"];
const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
};

export interface UiAsset {
  contents: Uint8Array;
  contentType: string;
}

/** One graph's bundle: its assets by file name, and the global its script defines. */
export interface UiBundle {
  globalName: string;
  assets: Map<string, UiAsset>;
}

/** The name the bundle's script defines on `window` (the graph id, spelled as an identifier). */
export function uiGlobalName(graphId: string): string {
  return `__LGUI_${graphId.replace(/[^a-zA-Z0-9]/g, "_")}`;
}

/** The entry module: the user's components plus the renderer the SDK calls. */
function entrypoint(componentsFile: string): Plugin {
  return {
    name: "agent-server-ui-entry",
    setup(b) {
      b.onResolve({ filter: /^agent-server-ui-entry$/ }, () => ({ path: componentsFile, namespace: "agent-server-ui" }));
      b.onLoad({ filter: /.*/, namespace: "agent-server-ui" }, () => ({
        resolveDir: path.dirname(componentsFile),
        loader: "js",
        contents: `
import components from ${JSON.stringify(componentsFile)};
const store = Symbol.for("LGUI_EXT_STORE");
export function render(name, shadowRootId) {
  const root = document.getElementById(shadowRootId).shadowRoot;
  const target = document.createElement("div");
  root.appendChild(target);
  window[store].respond(shadowRootId, components[name], target);
}`,
      }));
    },
  };
}

/**
 * Bundles every `ui` entry. `onInputs` receives the project files each bundle is made of (also
 * when bundling fails), so the reload supervisor watches them.
 */
export async function buildUiBundles(
  entries: Array<{ graphId: string; file: string }>,
  options: { shared: string[]; projectDir: string; onInputs: (files: string[]) => void },
): Promise<Map<string, UiBundle>> {
  const bundles = new Map<string, UiBundle>();
  if (entries.length === 0) return bundles;
  // Loaded only for projects with UI, and its service process stopped once done (memory).
  const { build, stop } = await import("esbuild");
  try {
    for (const { graphId, file } of entries) bundles.set(graphId, await bundleOne(build, graphId, file, options));
  } finally {
    await stop();
  }
  return bundles;
}

async function bundleOne(
  build: typeof import("esbuild").build,
  graphId: string,
  file: string,
  options: { shared: string[]; projectDir: string; onInputs: (files: string[]) => void },
): Promise<UiBundle> {
  options.onInputs([file]);
  const globalName = uiGlobalName(graphId);
  let result;
  try {
    result = await build({
      entryPoints: { entrypoint: "agent-server-ui-entry" },
      absWorkingDir: options.projectDir,
      outdir: path.join(options.projectDir, "ui-bundle"), // names the outputs; nothing is written
      write: false,
      bundle: true,
      platform: "browser",
      target: "es2020",
      format: "iife",
      globalName,
      jsx: "automatic",
      external: [...ALWAYS_EXTERNAL, ...options.shared],
      loader: Object.fromEntries(INLINED.map((ext) => [ext, "dataurl" as const])),
      metafile: true,
      logLevel: "silent",
      plugins: [entrypoint(file)],
    });
  } catch (err) {
    throw new ConfigError(`"ui.${graphId}": cannot bundle ${file}: ${describeEsbuildError(err, file, options.projectDir)}`, { cause: err });
  }
  options.onInputs(
    Object.keys(result.metafile.inputs)
      .filter((input) => !input.includes(":") && !input.includes("node_modules/"))
      .map((input) => path.resolve(options.projectDir, input)),
  );
  const assets = new Map<string, UiAsset>();
  for (const output of result.outputFiles) {
    const basename = path.basename(output.path);
    let contents = output.contents;
    // esbuild's require shim for the externals: read them from what the page provides.
    if (basename.endsWith(".js")) {
      contents = new TextEncoder().encode(
        output.text.replaceAll(
          `typeof require !== "undefined" ? require`,
          `typeof globalThis[Symbol.for("LGUI_REQUIRE")] !== "undefined" ? globalThis[Symbol.for("LGUI_REQUIRE")]`,
        ),
      );
    }
    assets.set(basename, { contents, contentType: CONTENT_TYPES[path.extname(basename)] ?? "application/octet-stream" });
  }
  return { globalName, assets };
}
