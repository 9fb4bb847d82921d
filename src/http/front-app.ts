/**
 * A Hono `http.app` in front of our routes, as LangGraph Platform mounts it (see custom-app.ts).
 *
 * Every request (once CORS and authentication have run) goes to the user's app first. When none
 * of its routes matches, its not-found handler is ours: it dispatches the request, as the app's
 * middleware left it (headers added, body rewritten), to our own routes in-process, and hands the
 * answer back (streaming) to the app's middleware, which may add headers on the way out. The app's
 * own not-found handler is replaced, so an unknown path is our 404.
 *
 * The in-process request carries a single-use random token naming the outer request: it skips
 * the user's app (no loop) and reuses the outer request's authentication (no second
 * `authenticate`). A client cannot forge one: tokens are random, and used once.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { AuthContext } from "../auth/authenticate.js";
import type { App } from "./app.js";
import { errorBody } from "./errors.js";
import { customRouteStatus, HOP_HEADERS, sendFetchResponse, toFetchRequest, type FetchApp, type RunAs } from "./custom-app.js";

const INTERNAL_HEADER = "x-agent-server-dispatch";

/** The outer request a fall-through belongs to. */
interface Outer {
  request: FastifyRequest;
  reply: FastifyReply;
  /** The outer request's authentication, when it ran (custom-route auth on). */
  auth: AuthContext | null | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set on an in-process request dispatched by the front app: skip the app, reuse `auth`. */
    frontDispatch?: { auth: AuthContext | null | undefined };
  }
}

export class FrontApp {
  private readonly current = new AsyncLocalStorage<Outer>();
  private readonly pending = new Map<string, Outer>();

  constructor(
    private readonly app: App,
    private readonly user: FetchApp & Required<Pick<FetchApp, "notFound">>,
    private readonly mountPrefix: string,
    private readonly bodyLimit: number,
    private readonly logger: Logger,
    private readonly runAs: RunAs = (_auth, fn) => fn(),
  ) {
    user.notFound((c) => this.fallThrough(c));
    if (usesDefaultErrorHandler(user)) user.onError!((err, c) => this.onUserError(err, c));
  }

  /**
   * What a route of the user's app throws, when the app has no error handler of its own: an error
   * with an HTTP status (LangGraph's `HTTPException`, Hono's) keeps it; anything else is logged
   * and a 500, as for our own routes.
   */
  private onUserError(err: Error, c: unknown): Response {
    const hono = err as { getResponse?: () => Response };
    if (typeof hono.getResponse === "function") return hono.getResponse();
    const meant = customRouteStatus(err);
    const headers = new Headers((err as { headers?: HeadersInit }).headers ?? {});
    headers.set("content-type", "application/json");
    if (meant) return new Response(JSON.stringify(errorBody(meant.message, "http_error")), { status: meant.status, headers });
    this.logger.error({ err, url: (c as { req?: { url?: string } }).req?.url }, "http.app route failed");
    return new Response(JSON.stringify(errorBody("Internal server error", "internal_error")), { status: 500, headers });
  }

  /**
   * First `onRequest` step of every request: an in-process dispatch is recognised (and marked);
   * any other request is answered by the user's app (which falls through to us as needed).
   */
  recognise(request: FastifyRequest): boolean {
    const token = request.headers[INTERNAL_HEADER];
    if (typeof token !== "string") return false;
    const outer = this.pending.get(token);
    if (!outer) return false;
    this.pending.delete(token);
    request.frontDispatch = { auth: outer.auth };
    return true;
  }

  /** Whether the user's app handles this request (not a preflight, not outside the mount prefix). */
  applies(request: FastifyRequest): boolean {
    // WebSocket upgrades go to our protocol routes directly: a fetch app cannot take them over.
    if (request.frontDispatch || request.ws) return false;
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined) return false;
    return !this.mountPrefix || request.url === this.mountPrefix || request.url.startsWith(`${this.mountPrefix}/`) || request.url.startsWith(`${this.mountPrefix}?`);
  }

  /** Answers with the user's app. `authenticated`: the request passed `authenticate` (reused inside). */
  async handle(request: FastifyRequest, reply: FastifyReply, authenticated: boolean): Promise<FastifyReply> {
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : limited(request.raw, this.bodyLimit);
    const outer: Outer = { request, reply, auth: authenticated ? request.auth : undefined };
    let response: Response;
    try {
      // The user's handler runs for the caller (custom-app.ts, RunAs); the context entered here
      // says which outer request a fall-through belongs to.
      const fetched = () => this.user.fetch(toFetchRequest(request, this.mountPrefix, body));
      response = await this.current.run(outer, () => this.runAs(outer.auth ?? null, fetched));
    } catch (err) {
      const meant = customRouteStatus(err);
      if (!meant) throw err;
      return reply.code(meant.status).send(errorBody(meant.message, "http_error"));
    }
    return sendFetchResponse(reply, response);
  }

  /** The user's app found no route: our routes answer, in-process, with what its middleware made of the request. */
  private async fallThrough(c: unknown): Promise<Response> {
    const context = c as { req: { raw: Request }; body?: (data: unknown, status: number, headers: Record<string, string | string[]>) => Response };
    const request = context.req.raw;
    const outer = this.current.getStore();
    if (!outer) throw new Error("http.app: a request reached the fall-through outside a request");
    const token = randomUUID();
    this.pending.set(token, outer);
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    // The body may have been rewritten: its length is the new stream's, not the old header's.
    request.headers.forEach((value, name) => {
      if (!HOP_HEADERS.has(name)) headers[name] = value;
    });
    headers[INTERNAL_HEADER] = token;
    let inner: import("light-my-request").Response;
    try {
      inner = await this.app.inject({
        method: request.method as "GET",
        url: `${this.mountPrefix}${url.pathname}${url.search}`,
        headers,
        remoteAddress: outer.request.socket.remoteAddress,
        payload: request.body ? Readable.fromWeb(request.body as import("node:stream/web").ReadableStream) : undefined,
        payloadAsStream: true,
      });
    } finally {
      this.pending.delete(token);
    }
    const raw = inner.raw.res;
    const stream = inner.stream();
    // The client going away must reach our route (an SSE stream stops), not only this copy.
    outer.reply.raw.once("close", () => raw.destroy());
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(inner.headers)) {
      if (value !== undefined && !HOP_HEADERS.has(name)) out[name] = Array.isArray(value) ? value : String(value);
    }
    const webBody = inner.statusCode === 204 || inner.statusCode === 304 || request.method === "HEAD" ? null : (Readable.toWeb(stream) as unknown as ReadableStream);
    // Built through the app's context when it offers it, so headers its middleware set before
    // calling next() apply to our answer too.
    if (typeof context.body === "function") return context.body(webBody, inner.statusCode, out);
    return new Response(webBody, { status: inner.statusCode, headers: Object.entries(out).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, v] as [string, string]])) });
  }
}

/** Whether a Hono app still has Hono's default error handler (a fresh app of its class has the same). */
function usesDefaultErrorHandler(user: FetchApp): boolean {
  if (typeof user.onError !== "function") return false;
  try {
    const Fresh = Object.getPrototypeOf(user).constructor as new () => FetchApp;
    return new Fresh().errorHandler === user.errorHandler;
  } catch {
    return false;
  }
}

/** The raw request body as a web stream, refused past `limit` bytes (as our own routes do). */
function limited(source: NodeJS.ReadableStream, limit: number): ReadableStream<Uint8Array> {
  let seen = 0;
  const counted = Readable.from(
    (async function* () {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > limit) throw Object.assign(new Error(`Request body is larger than ${limit} bytes`), { statusCode: 413 });
        yield chunk;
      }
    })(),
  );
  return Readable.toWeb(counted) as unknown as ReadableStream<Uint8Array>;
}
