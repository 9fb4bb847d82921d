import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyReply, FastifyRequest } from "fastify";
import { NotFound } from "../../errors.js";
import type { App } from "../app.js";
import { PUBLIC_ROUTE } from "../public-routes.js";

/** Built by `npm run build` (src/console/build.mjs); the same path from src/ and from dist/. */
const BUILT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../dist/console");

const FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "console.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
};

// The console talks to this server only: no inline scripts, no other origin, no framing.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

interface Asset {
  contentType: string;
  raw: Buffer;
  gzip: Buffer;
  etag: string;
}

function loadAssets(): Map<string, Asset> | undefined {
  const assets = new Map<string, Asset>();
  try {
    for (const [file, contentType] of Object.entries(FILES)) {
      const raw = readFileSync(path.join(BUILT_DIR, file));
      const etag = `"${createHash("sha256").update(raw).digest("base64url").slice(0, 22)}"`;
      assets.set(file, { contentType, raw, gzip: gzipSync(raw, { level: 9 }), etag });
    }
  } catch {
    return undefined;
  }
  return assets;
}

/**
 * The built-in console (`/console`): static files, public because a browser loads a page and its
 * scripts without credentials; they hold the console's code, never data. The console itself calls
 * the API like any client, with the user's token. Each file has its own exact route, so the public
 * list can name them one by one; client-side navigation lives in the URL's hash.
 */
export function consoleRoutes(app: App, mountPrefix: string): void {
  // Read and compressed at the first request (a few hundred KB), not at every server start: tests
  // and reloads start many servers that never serve the console. Not built: 404.
  let assets: Map<string, Asset> | undefined;
  const send = (file: string) => (request: FastifyRequest, reply: FastifyReply) => {
    assets ??= loadAssets();
    const asset = assets?.get(file);
    if (!asset) throw new NotFound("The console is not built: run `npm run build` in agent-server");
    void reply.headers(SECURITY_HEADERS).header("cache-control", "no-cache").header("etag", asset.etag).header("vary", "accept-encoding");
    if (request.headers["if-none-match"] === asset.etag) return reply.code(304).send();
    void reply.type(asset.contentType);
    if (/\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""))) return reply.header("content-encoding", "gzip").send(asset.gzip);
    return reply.send(asset.raw);
  };
  const options = { ...PUBLIC_ROUTE, schema: { hide: true } };
  // Relative asset URLs in index.html need the trailing slash.
  app.get("/console", options, (_request, reply) => reply.redirect(`${mountPrefix}/console/`, 308));
  app.get("/console/", options, send("index.html"));
  app.get("/console/console.js", options, send("console.js"));
  app.get("/console/console.css", options, send("console.css"));
}
