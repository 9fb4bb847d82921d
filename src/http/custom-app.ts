/**
 * A project's own routes (`http.app` in langgraph.json), served beside ours:
 * - a Hono app (anything with `fetch(Request)` and `notFound(handler)`) is put *in front* of our
 *   routes, as LangGraph Platform mounts it: its routes answer first (they may shadow ours), its
 *   middleware runs for every request (ours included: headers it sets, a body it rewrites), and a
 *   request none of its routes matches falls through to ours (front-app.ts);
 * - any other object with `fetch(Request)` gets the paths our routes do not claim;
 * - a Fastify plugin is registered beside our routes.
 * They pass the same authentication as ours unless `http.enable_custom_route_auth` is false.
 * Responses stream (a user route may answer with a stream), and an error a user route throws
 * with an HTTP status (`HTTPException(400)`) keeps that status.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { Readable } from "node:stream";
import type { AuthContext } from "../auth/authenticate.js";
import type { App } from "./app.js";

/** `http.app` exported as a fetch handler; `notFound` when it is a Hono app. */
export interface FetchApp {
  fetch: (request: Request) => Response | Promise<Response>;
  /** Hono's: sets what answers when no route of the app matches (we make it fall through to ours). */
  notFound?: (handler: (c: unknown) => Response | Promise<Response>) => unknown;
  /** Hono's: sets what answers when a route throws; `errorHandler` is the one in place. */
  onError?: (handler: (err: Error, c: unknown) => Response | Promise<Response>) => unknown;
  errorHandler?: unknown;
}

export type CustomApp = FastifyPluginAsync | FetchApp;

const BODYLESS = new Set(["GET", "HEAD"]);
/** Headers that describe one hop, not the message: never copied from one response to another. */
export const HOP_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"]);

/** Whether the app goes in front of our routes (a Hono app), rather than beside them. */
export function isFrontApp(custom: CustomApp | undefined): custom is FetchApp & Required<Pick<FetchApp, "notFound">> {
  return typeof custom === "object" && custom !== null && typeof custom.notFound === "function";
}

/** The WHATWG Request a fetch app sees for this request (its own paths: the mount prefix is ours). */
export function toFetchRequest(request: FastifyRequest, mountPrefix: string, body?: BodyInit | null): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, v);
      } catch {
        // A value fetch refuses (non-Latin-1) is left out.
      }
    }
  }
  const url = `${request.protocol}://${request.headers.host ?? "localhost"}${request.url.slice(mountPrefix.length) || "/"}`;
  const init: RequestInit & { duplex?: "half" } = { method: request.method, headers };
  if (!BODYLESS.has(request.method) && body !== undefined && body !== null) {
    init.body = body;
    init.duplex = "half";
  }
  return new Request(url, init);
}

/** Sends a fetch Response through Fastify, streaming its body. */
export function sendFetchResponse(reply: FastifyReply, response: Response): FastifyReply {
  void reply.code(response.status);
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie" && !HOP_HEADERS.has(name)) void reply.header(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) void reply.header("set-cookie", cookies);
  if (!response.body) return reply.send();
  return reply.send(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream));
}

async function forward(handler: FetchApp, request: FastifyRequest, reply: FastifyReply, mountPrefix: string) {
  const body = request.body === undefined ? undefined : typeof request.body === "string" ? request.body : JSON.stringify(request.body);
  return sendFetchResponse(reply, await handler.fetch(toFetchRequest(request, mountPrefix, body)));
}

/**
 * Runs a project's route handler (`fn`) for the request's caller (`auth`, null when its route is
 * open): an SDK client it makes without apiUrl reaches this server as the caller.
 */
export type RunAs = <T>(auth: AuthContext | null, fn: () => T) => T;

/** A Fastify plugin, or a fetch app (not a front one) for the paths our routes leave. */
export async function mountCustomApp(app: App, custom: CustomApp, options: { mountPrefix?: string; runAs?: RunAs } = {}): Promise<void> {
  const { mountPrefix = "", runAs } = options;
  await app.register(async (scope) => {
    scope.addHook("onRoute", (route) => {
      // Never public, whatever the app registers: only our own routes are on the public list.
      route.config = { ...route.config, customRoute: true, public: false };
    });
    // The handler (and what it starts) runs in the caller's context (see RunAs).
    if (runAs) scope.addHook("preHandler", (request, _reply, done) => runAs(request.auth, done));
    if (typeof custom === "function") {
      await scope.register(custom);
    } else {
      scope.route({
        method: ["GET", "POST", "PUT", "PATCH", "DELETE"],
        url: "/*",
        schema: { hide: true },
        handler: (request, reply) => forward(custom, request, reply, mountPrefix),
      });
    }
  });
}

export function isCustomRoute(request: FastifyRequest): boolean {
  return request.routeOptions.config?.customRoute === true;
}

/**
 * An error a project's route threw with an HTTP status (LangGraph's or Hono's `HTTPException`,
 * `http-errors`...): its status and message, which the user meant for the client.
 */
export function customRouteStatus(error: unknown): { status: number; message: string } | null {
  const e = error as { status?: unknown; statusCode?: unknown; message?: unknown };
  const status = typeof e?.status === "number" ? e.status : typeof e?.statusCode === "number" ? e.statusCode : undefined;
  if (status === undefined || status < 400 || status > 599) return null;
  return { status, message: typeof e.message === "string" && e.message ? e.message : "Error" };
}
