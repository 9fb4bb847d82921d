/**
 * A project's own routes (`http.app` in langgraph.json), served beside ours: either a Fastify
 * plugin, or any object with `fetch(Request) => Response` (a Hono app, for instance), which gets
 * every path our routes do not claim. They pass the same authentication as ours unless
 * `http.enable_custom_route_auth` is false; the routes are marked so the auth hook can tell.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { App } from "./app.js";

export type CustomApp = FastifyPluginAsync | { fetch: (request: Request) => Response | Promise<Response> };

const BODYLESS = new Set(["GET", "HEAD"]);

async function forward(
  handler: { fetch: (r: Request) => Response | Promise<Response> },
  request: FastifyRequest,
  reply: FastifyReply,
  mountPrefix: string,
) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const body = BODYLESS.has(request.method) || request.body === undefined ? undefined : typeof request.body === "string" ? request.body : JSON.stringify(request.body);
  // The app sees its own paths: the mount prefix is ours.
  const url = `${request.protocol}://${request.headers.host ?? "localhost"}${request.url.slice(mountPrefix.length)}`;
  const response = await handler.fetch(new Request(url, { method: request.method, headers, body }));
  void reply.code(response.status);
  response.headers.forEach((value, name) => void reply.header(name, value));
  return reply.send(Buffer.from(await response.arrayBuffer()));
}

export async function mountCustomApp(app: App, custom: CustomApp, mountPrefix = ""): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook("onRoute", (route) => {
      // Never public, whatever the app registers: only our own routes are on the public list.
      route.config = { ...route.config, customRoute: true, public: false };
    });
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
