#!/usr/bin/env node
// Part of `npm run build`, after tsc: TypeBox ships as some 700 small ES modules, and Node loads
// each one from disk at start-up (a third of a second on this project's 2-core machine, for a
// library whose schemas are built once). esbuild bundles the parts we import into dist/vendor/,
// and the emitted JavaScript imports those files instead. Type declarations keep importing
// "typebox" (the package stays a dependency), and the tests, which run the TypeScript sources,
// use the package as it is.
import { build } from "esbuild";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const vendor = path.join(dist, "vendor");

/** Package specifier -> the vendored module replacing it (one bundle, shared chunks, one copy). */
const VENDORED = { typebox: "typebox.js", "typebox/value": "typebox-value.js" };

await build({
  absWorkingDir: root,
  entryPoints: Object.entries(VENDORED).map(([specifier, out]) => ({ in: `./scripts/vendor-entries/${out}`, out: out.replace(/\.js$/, "") })),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: vendor,
  chunkNames: "chunk-[hash]",
  logLevel: "warning",
});

let rewritten = 0;
for (const file of walk(dist)) {
  if (!file.endsWith(".js") || file.startsWith(vendor)) continue;
  const source = readFileSync(file, "utf8");
  const next = source.replace(/(from\s+|import\s*\(\s*)"(typebox(?:\/value)?)"/g, (match, lead, specifier) => {
    const target = path.relative(path.dirname(file), path.join(vendor, VENDORED[specifier])).split(path.sep).join("/");
    return `${lead}"${target.startsWith(".") ? target : `./${target}`}"`;
  });
  if (next !== source) {
    writeFileSync(file, next);
    rewritten++;
  }
}
process.stdout.write(`vendor: typebox bundled into dist/vendor (${rewritten} files import it)\n`);

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}
