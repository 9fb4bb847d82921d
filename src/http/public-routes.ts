/**
 * The one list of routes that need no credentials. Everything else — unknown paths and custom
 * routes included — goes through `authenticate`.
 */
const PUBLIC_PATHS = new Set(["/ok", "/info", "/openapi.json"]);

export function isPublicRequest(method: string, path: string, headers: Record<string, unknown>): boolean {
  // A CORS preflight carries no credentials by design; the CORS layer answers it.
  if (method === "OPTIONS" && headers["access-control-request-method"] !== undefined) return true;
  if (method !== "GET" && method !== "HEAD") return false;
  return PUBLIC_PATHS.has(path) || path === "/docs" || path.startsWith("/docs/");
}
