/**
 * CORS, decided per request: langgraph.json's `http.cors` (LangGraph's keys) or defaults that let
 * the SDKs work from any page, with two rules that keep web pages out:
 * - an untrusted origin is never granted the `x-auth-scheme` header (the Studio bypass header),
 *   and never `Access-Control-Allow-Private-Network`;
 * - LangGraph Studio's origins (and those the developer lists) get both, in dev mode only.
 * `allow_origin_regex` must match the whole origin, and credentials are never combined with `*`.
 */
import type { FastifyCorsOptions } from "@fastify/cors";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import type { CorsConfig } from "../config/schema.js";

const ALWAYS_EXPOSED = ["content-location", "x-pagination-total", "x-pagination-next"];
const DEFAULT_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const STUDIO_HEADER = "x-auth-scheme";

export type { CorsConfig };

/**
 * `@fastify/cors`'s options. Without `allow_headers` in the config (the usual case) they are
 * static, with the origin decided per request and a hook that drops the Studio header from what a
 * non-Studio page asks for (the preflight reflects the rest): `@fastify/cors` rebuilds
 * per-request options on every request, a few microseconds each. With `allow_headers`, Studio
 * still gets every header it asks for: per-request options (a delegator).
 */
export function corsSetup(
  config: CorsConfig | undefined,
  isStudioOrigin: (origin: string) => boolean,
  onWarning: (message: string) => void,
): { options: FastifyCorsOptions; onRequest?: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void } {
  const c = config ?? {};
  const { origins, anyOrigin } = originList(c);
  const credentials = c.allow_credentials ?? false;
  if (credentials && anyOrigin) {
    // A browser refuses `*` with credentials, and echoing any origin with credentials would let
    // every site act with the user's cookies: credentials need an explicit list.
    onWarning("http.cors.allow_credentials needs allow_origins or allow_origin_regex; cross-origin requests get no credentials");
  }
  const configured = anyOrigin ? "*" : origins;
  const base: FastifyCorsOptions = {
    methods: c.allow_methods ?? DEFAULT_METHODS,
    credentials: credentials && !anyOrigin,
    exposedHeaders: [...new Set([...(c.expose_headers ?? []), ...ALWAYS_EXPOSED].map((h) => h.toLowerCase()))],
    ...(c.max_age !== undefined ? { maxAge: c.max_age } : {}),
  };
  if (!c.allow_headers) {
    return {
      // Studio: its own origin echoed.
      options: { ...base, origin: (origin, callback) => callback(null, origin !== undefined && isStudioOrigin(origin) ? true : configured) },
      onRequest: (request, _reply, done) => {
        const requested = request.headers["access-control-request-headers"];
        if (typeof requested === "string" && requested.toLowerCase().includes(STUDIO_HEADER) && !(request.headers.origin && isStudioOrigin(request.headers.origin))) {
          request.headers["access-control-request-headers"] = requested
            .split(",")
            .map((h) => h.trim())
            .filter((h) => h && h.toLowerCase() !== STUDIO_HEADER)
            .join(", ");
        }
        done();
      },
    };
  }
  const listed: FastifyCorsOptions = { ...base, origin: configured, allowedHeaders: c.allow_headers };
  // Studio: its own origin echoed, and every header it asks for (x-auth-scheme included).
  const studio: FastifyCorsOptions = { ...base, origin: true };
  return {
    options: {
      delegator: (request: FastifyRequest, callback: (error: Error | null, options: FastifyCorsOptions) => void) => {
        const origin = request.headers.origin;
        callback(null, origin && isStudioOrigin(origin) ? studio : listed);
      },
    },
  };
}

/** The origins `http.cors` lists (strings and the whole-origin regex); none or `*`: any. */
function originList(c: CorsConfig): { origins: Array<string | RegExp>; anyOrigin: boolean } {
  const origins: Array<string | RegExp> = [...(c.allow_origins ?? [])];
  if (c.allow_origin_regex) origins.push(new RegExp(`^(?:${c.allow_origin_regex})$`));
  return { origins, anyOrigin: origins.length === 0 || origins.includes("*") };
}

/**
 * A browser sends its cookies with a WebSocket handshake from any page: CORS does not apply to
 * WebSockets. So a cross-origin upgrade loses its cookies before authentication, as a
 * cross-origin fetch would not have sent them, unless `http.cors` lets that origin send
 * credentials (`allow_credentials` with a list of origins). Tokens a page puts in the URL or the
 * subprotocols are the page's own, like an Authorization header, and stay.
 */
export function socketCookieRule(config: CorsConfig | undefined): (request: FastifyRequest) => void {
  const c = config ?? {};
  const { origins, anyOrigin } = originList(c);
  const credentialed = (origin: string) =>
    (c.allow_credentials ?? false) && !anyOrigin && origins.some((o) => (typeof o === "string" ? o === origin : o.test(origin)));
  return (request) => {
    const origin = request.headers.origin;
    if (request.headers.cookie === undefined || origin === undefined) return;
    if (origin === `${request.protocol}://${request.headers.host}` || credentialed(origin)) return;
    delete request.headers.cookie;
  };
}

/** Whether `origin` is LangGraph Studio (smith.langchain.com and its regional hosts) or one listed. */
export function studioOriginMatcher(extra: string[]): (origin: string) => boolean {
  const listed = new Set(extra.map((o) => o.replace(/\/+$/, "")));
  return (origin) => STUDIO_ORIGIN.test(origin) || listed.has(origin);
}

const STUDIO_ORIGIN = /^https:\/\/([a-z0-9-]+\.)?smith\.langchain\.com$/;

/**
 * Chrome asks (`Access-Control-Request-Private-Network`) before a public page reaches a server on
 * the loopback or a private network; only Studio is told yes. Runs before the CORS hook, which
 * answers the preflight with the headers set here.
 */
export function privateNetworkHook(isStudioOrigin: (origin: string) => boolean) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const origin = request.headers.origin;
    if (request.headers["access-control-request-private-network"] === "true" && origin && isStudioOrigin(origin)) {
      void reply.header("access-control-allow-private-network", "true");
    }
    done();
  };
}
