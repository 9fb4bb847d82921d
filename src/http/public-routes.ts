/**
 * The one list of what needs no credentials: `/ok` (health checks carry no token), `/info`, the
 * API docs (`/docs`, `/openapi.json`), CORS preflights, and the files of generative-UI bundles
 * (browsers load them with `<script>`/`<link>` tags, which carry no credentials; they hold the
 * project's component code, never data), and the built-in console's page and its two files (a
 * browser loads them before anyone has signed in; every API call the console then makes carries
 * the user's credentials).
 *
 * Public access is decided on the route Fastify matched, never on the raw path: a path that
 * merely looks public (`/docs/../admin`, `/ui/%2e%2e/admin`) matches some other route, or none,
 * and is authenticated like everything else (unknown paths and a project's own `http.app`
 * routes included).
 */
import type { FastifyRequest } from "fastify";

/** Route options that put a route on the public list. */
export const PUBLIC_ROUTE = { config: { public: true } } as const;

declare module "fastify" {
  interface FastifyContextConfig {
    /** On the public list: no credentials needed. */
    public?: boolean;
    /** One of the project's own routes (`http.app`). */
    customRoute?: boolean;
  }
}

export function isPublicRequest(request: FastifyRequest): boolean {
  // A CORS preflight carries no credentials by design; the CORS layer answers it.
  if (request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined) return true;
  return request.routeOptions.config?.public === true && (request.method === "GET" || request.method === "HEAD");
}
