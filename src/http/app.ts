/**
 * Builds the Fastify app from the services (never listens: server.ts does). Order of concerns:
 * CORS → authentication (onRequest, for every non-public request, unknown paths included) →
 * body parsing and schema validation → thin route handlers → the one error mapper.
 */
import cors from "@fastify/cors";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import websocket from "@fastify/websocket";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { AssistantService } from "../assistants/service.js";
import type { AuthContext, Authenticator } from "../auth/authenticate.js";
import type { HttpConfig, OpenApiAuth } from "../config/schema.js";
import { Unauthorized } from "../errors.js";
import type { CronService } from "../crons/service.js";
import type { ProtocolService } from "../protocol/service.js";
import type { RunService } from "../runs/service.js";
import type { StoreService } from "../store/service.js";
import type { ThreadService } from "../threads/service.js";
import type { UiBundle } from "../ui/bundles.js";
import { corsSetup, privateNetworkHook, socketCookieRule } from "./cors.js";
import { isCustomRoute, isFrontApp, mountCustomApp, type CustomApp, type RunAs } from "./custom-app.js";
import { FrontApp } from "./front-app.js";
import { errorBody, handleError } from "./errors.js";
import { LazyValidators } from "./lazy-validators.js";
import type { InProcessRequests } from "./in-process.js";
import { parseJsonBody } from "./json-body.js";
import { isPublicRequest, PUBLIC_ROUTE } from "./public-routes.js";
import { assistantRoutes } from "./routes/assistants.js";
import { consoleRoutes } from "./routes/console.js";
import { cronRoutes } from "./routes/crons.js";
import { internalRoutes } from "./routes/internal.js";
import { metaRoutes } from "./routes/meta.js";
import { protocolRoutes } from "./routes/protocol.js";
import { runRoutes } from "./routes/runs.js";
import { storeRoutes } from "./routes/store.js";
import { threadRoutes } from "./routes/threads.js";
import { uiRoutes } from "./routes/ui.js";

declare module "fastify" {
  interface FastifyInstance {
    registeredRoutes: Array<{ method: string; url: string }>;
    /** The routes' validators, compiled on first use; `compileAll()` for tests. */
    validators: LazyValidators;
  }
  interface FastifyRequest {
    /** Who is calling; `null` when the project has no auth module (or for public routes). */
    auth: AuthContext | null;
    /** `authenticate` ran and accepted this request. */
    authenticated?: boolean;
  }
}

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** What the HTTP layer needs from the server. */
export interface AppDeps {
  logger: Logger;
  authenticator: Authenticator;
  assistants: AssistantService;
  threads: ThreadService;
  runs: RunService;
  store: StoreService;
  crons: CronService;
  /** The thread-centric protocol (v2): commands, SSE event streams, WebSocket. */
  protocol: ProtocolService;
  info: { version: string; langgraphVersion: string };
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Interval of SSE heartbeat comments, in ms. */
  heartbeatMs: number;
  /** `auth.openapi` from langgraph.json: `{securitySchemes, security}` merged into /openapi.json. */
  openapiAuth?: OpenApiAuth;
  /** `http` from langgraph.json: CORS and the route groups switched off. */
  http?: HttpConfig;
  /** Which browser origins are LangGraph Studio's, when the Studio bypass is on (dev); else null. */
  studioOrigin: ((origin: string) => boolean) | null;
  /** `http.mount_prefix`: the path every route is served under ("" or "/like/this"). */
  mountPrefix: string;
  /** Generative-UI bundles by graph id (`ui` in langgraph.json). */
  ui: Map<string, UiBundle>;
  /**
   * The project's own routes (`http.app`); authenticated unless `authenticate` is false. Their
   * handlers run inside `runAs(caller, ...)`, so an SDK client they make acts as the caller.
   */
  customApp?: { app: CustomApp; authenticate: boolean; runAs?: RunAs };
  /** Requests the project's code makes in-process; those made as someone skip `authenticate`. */
  inProcess?: InProcessRequests;
  /** Serve the built-in console at `/console`. */
  console: boolean;
  /** Present only when asked for (`dev --allow-truncate`, `allowTruncate`): backs `POST /internal/truncate`. */
  truncate?: (options: { runs: boolean; threads: boolean; assistants: boolean; checkpointer: boolean; store: boolean }) => Promise<void>;
}

export async function buildApp(deps: AppDeps): Promise<App> {
  const validators = new LazyValidators();
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Each route's validator is compiled by its first request, not at start-up (lazy-validators.ts).
    schemaController: { compilersFactory: { buildValidator: validators.buildValidator as never } },
    bodyLimit: deps.bodyLimit,
    // One line per request is written by the onResponse hook below, not Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (a measurable share of a cheap request's cost); the error
    // mapper adds the request id to what it logs.
    childLoggerFactory: (logger) => logger,
    // Upstream proxies are not trusted: the peer address decides the Studio rule.
    trustProxy: false,
    // Large headers (long JWTs, a 64 KB Authorization) reach authenticate and get a clean 401
    // instead of Node's bare 431.
    // (Fastify's own http.createServer, so its keep-alive timeout applies: with a server of ours
    // Node's 5 s default cut idle client connections while clients were reusing them.)
    http: { maxHeaderSize: 256 * 1024 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest("auth", null);
  // Every route as registered, so a test can prove none is left unauthenticated.
  const routes: Array<{ method: string; url: string }> = [];
  app.decorate("registeredRoutes", routes);
  app.decorate("validators", validators);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  // Hooks take callbacks rather than being async: on the cheapest routes a promise per hook is a
  // measurable share of the request.
  app.addHook("onResponse", (request, reply, done) => {
    if ((request.log as unknown as Logger).isLevelEnabled("info")) {
      request.log.info(`${request.method} ${request.url.split("?")[0]} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`);
    }
    done();
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody(`Not found: ${request.method} ${request.url.split("?")[0]}`, "route_not_found"));
  });

  const studioOrigin = deps.studioOrigin ?? (() => false);
  app.addHook("onRequest", privateNetworkHook(studioOrigin));
  const corsRules = corsSetup(deps.http?.cors, studioOrigin, (message) => deps.logger.warn(message));
  if (corsRules.onRequest) app.addHook("onRequest", corsRules.onRequest);
  await app.register(cors, corsRules.options);
  // Before the auth hook: its onRequest hook marks upgrade requests, and a refused upgrade
  // (401) must find the socket marked so it is closed after the answer.
  if (!deps.http?.disable_runs) await app.register(websocket);

  // A Hono `http.app` goes in front of our routes (front-app.ts).
  const front = isFrontApp(deps.customApp?.app) ? new FrontApp(app, deps.customApp.app, deps.mountPrefix, deps.bodyLimit, deps.logger, deps.customApp.runAs) : undefined;
  const openCustomRoutes = deps.customApp?.authenticate === false;
  const socketCookies = socketCookieRule(deps.http?.cors);

  app.addHook("onRequest", (request, _reply, done) => {
    if (front?.recognise(request) && request.frontDispatch!.auth !== undefined) {
      // Dispatched in-process by the front app for a request that was authenticated already.
      request.auth = request.frontDispatch!.auth;
      done();
      return;
    }
    // Made in-process by a client acting as a run's user or a request's caller: already vouched for.
    const inbound = deps.inProcess?.inboundAuth();
    if (inbound) {
      request.auth = inbound;
      request.authenticated = true;
      done();
      return;
    }
    // `request.ws`: set by the WebSocket plugin's own onRequest hook, on upgrade requests.
    if (request.ws) socketCookies(request);
    if (
      isPublicRequest(request) ||
      // Open custom routes: the project's own are not authenticated; a request its app passes
      // on to ours is, when it is dispatched.
      (openCustomRoutes && (isCustomRoute(request) || (front?.applies(request) ?? false))) ||
      !deps.authenticator.enabled
    ) {
      done();
      return;
    }
    const host = request.headers.host ?? "localhost";
    deps.authenticator
      .authenticate({
        method: request.method,
        url: `${request.protocol}://${host}${request.url}`,
        headers: request.headers,
        rawHeaders: request.raw.rawHeaders,
        remoteAddress: request.socket.remoteAddress,
      })
      .then((auth) => {
        request.auth = auth;
        request.authenticated = true;
        done(auth && auth.user.is_authenticated === false ? new Unauthorized() : undefined);
      }, done);
  });
  if (front) {
    app.addHook("onRequest", (request, reply, done) => {
      if (!front.applies(request)) {
        done();
        return;
      }
      // Answered by the user's app (which falls through to our routes): Fastify's own handling of
      // this request stops here.
      front.handle(request, reply, request.authenticated === true).catch((err: unknown) => reply.send(err));
    });
  }

  // JSON bodies, and text/plain holding JSON (some SDK platforms send that), through one parser.
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser(["application/json", "text/plain"], { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // An empty body (no content type) means "no fields": defaults apply.
  app.addHook("preValidation", (request, _reply, done) => {
    if (request.body === undefined && request.method !== "GET" && request.method !== "HEAD") request.body = {};
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "agent-server", description: "The LangGraph agent-server API", version: deps.info.version },
      ...(deps.openapiAuth?.securitySchemes ? { components: { securitySchemes: deps.openapiAuth.securitySchemes as never } } : {}),
      ...(deps.openapiAuth?.security ? { security: deps.openapiAuth.security } : {}),
    },
  });
  // The docs UI's own routes (its page and static files) are on the public list.
  await app.register(async (docs) => {
    docs.addHook("onRoute", (route) => {
      route.config = { ...route.config, ...PUBLIC_ROUTE.config };
    });
    await docs.register(swaggerUi, { routePrefix: `${deps.mountPrefix}/docs` });
  });

  // Everything is served under `http.mount_prefix` (empty by default).
  await app.register(
    async (plugin) => {
      const scope = plugin.withTypeProvider<TypeBoxTypeProvider>() as App;
      scope.get("/openapi.json", { ...PUBLIC_ROUTE, schema: { hide: true } }, async () => app.swagger());
      // Route groups a project can switch off (`http.disable_*` in langgraph.json).
      const off = deps.http ?? {};
      if (!off.disable_meta) metaRoutes(scope, deps);
      if (!off.disable_assistants) assistantRoutes(scope, deps);
      if (!off.disable_threads) threadRoutes(scope, deps);
      if (!off.disable_runs) runRoutes(scope, deps);
      if (!off.disable_runs) cronRoutes(scope, deps);
      if (!off.disable_runs) protocolRoutes(scope, deps);
      if (!off.disable_store) storeRoutes(scope, deps);
      if (deps.ui.size) uiRoutes(scope, deps);
      internalRoutes(scope, deps);
      if (deps.console) consoleRoutes(scope, deps.mountPrefix);
      if (deps.customApp && !front) await mountCustomApp(scope, deps.customApp.app, { mountPrefix: deps.mountPrefix, runAs: deps.customApp.runAs });
    },
    { prefix: deps.mountPrefix },
  );
  return app;
}
