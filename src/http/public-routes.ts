/**
 * The one list of routes that need no credentials. Everything else — unknown paths and custom
 * routes included — goes through `authenticate`.
 *
 * Besides health, info and the API docs, the files of generative-UI bundles are public: browsers
 * load them with `<script>`/`<link>` tags, which carry no credentials, and they hold the
 * project's component code, never data (the route that hands out the tags is authenticated).
 * So are the built-in console's page and its two files, each named exactly: a browser loads them
 * before anyone has signed in, and every API call the console then makes carries the user's
 * credentials.
 */
const PUBLIC_PATHS = new Set(["/ok", "/info", "/openapi.json"]);
const CONSOLE_PATHS = new Set(["/console", "/console/", "/console/console.js", "/console/console.css"]);
const UI_ASSET = /^\/ui\/[^/]+\/[^/]+$/;

export function isPublicRequest(method: string, fullPath: string, headers: Record<string, unknown>, mountPrefix = "", consoleOn = true): boolean {
  // A CORS preflight carries no credentials by design; the CORS layer answers it.
  if (method === "OPTIONS" && headers["access-control-request-method"] !== undefined) return true;
  if (method !== "GET" && method !== "HEAD") return false;
  if (mountPrefix && !fullPath.startsWith(`${mountPrefix}/`)) return false;
  const path = fullPath.slice(mountPrefix.length);
  return PUBLIC_PATHS.has(path) || (consoleOn && CONSOLE_PATHS.has(path)) || path === "/docs" || path.startsWith("/docs/") || UI_ASSET.test(path);
}
