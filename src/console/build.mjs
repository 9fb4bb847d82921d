/**
 * Builds the console (src/console) into static files under dist/console: index.html, console.js
 * and console.css. Run by `npm run build`; everything is bundled (Preact, the SDK client), so the
 * console works without network access. Prints the gzipped size of a page load, which must stay
 * under 300 KB.
 */
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, "../../dist/console");
const BUDGET = 300 * 1024;

mkdirSync(out, { recursive: true });
await build({
  entryPoints: { console: path.join(here, "main.tsx") },
  outdir: out,
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  // The SDK reads process.env in places; a browser has none.
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
writeFileSync(path.join(out, "console.css"), readFileSync(path.join(here, "styles.css")));
writeFileSync(path.join(out, "index.html"), readFileSync(path.join(here, "index.html")));

const files = ["index.html", "console.js", "console.css"];
const gzipped = files.reduce((sum, file) => sum + gzipSync(readFileSync(path.join(out, file))).length, 0);
process.stdout.write(`console: dist/console (${(gzipped / 1024).toFixed(1)} KB gzipped per page load)\n`);
if (gzipped > BUDGET) {
  // Fails the build (an uncaught error exits non-zero) with the reason.
  throw new Error(`console: a page load is ${gzipped} bytes gzipped, over the ${BUDGET}-byte budget`);
}
