/**
 * createServer: wires config, storage, graphs, auth, runs and HTTP into one running server.
 * Everything lives on the objects built here (no module-level state), so several servers can run
 * in one process — the tests rely on that.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Logger } from "pino";
import { AssistantService } from "./assistants/service.js";
import { AccessGuard } from "./auth/access.js";
import { Authenticator } from "./auth/authenticate.js";
import { Authorizer } from "./auth/authorize.js";
import { loadAuthModule, type AuthModule } from "./auth/load.js";
import type { StudioPolicy } from "./auth/studio.js";
import { loadProjectEnv } from "./config/env.js";
import { loadConfig, type ProjectConfig } from "./config/load.js";
import { ConfigError } from "./errors.js";
import { GraphSchemaService } from "./graphs/graph-schemas.js";
import { ModuleLoader } from "./graphs/module-loader.js";
import { PlatformGlobals } from "./graphs/platform-globals.js";
import { GraphRegistry, importExport } from "./graphs/registry.js";
import { TypeSchemaAnalyzer } from "./graphs/type-schemas.js";
import type { CustomApp, FetchApp } from "./http/custom-app.js";
import { buildApp, type App } from "./http/app.js";
import { studioOriginMatcher } from "./http/cors.js";
import { InProcessRequests } from "./http/in-process.js";
import { createLogger } from "./logging.js";
import { PeriodicTasks } from "./periodic-tasks.js";
import { RunBroker } from "./runs/broker.js";
import { SharedEventLog } from "./runs/shared-event-log.js";
import { headerFilter } from "./runs/configurable-headers.js";
import { RunService } from "./runs/service.js";
import { ThreadFeed } from "./runs/thread-feed.js";
import { WebhookSender } from "./runs/webhooks.js";
import { WorkerPool } from "./runs/worker.js";
import { ProtocolService } from "./protocol/service.js";
import { openSqliteStorage } from "./storage/sqlite/index.js";
import type { Storage } from "./storage/types.js";
import { CronScheduler } from "./crons/scheduler.js";
import { CronService } from "./crons/service.js";
import { StoreService } from "./store/service.js";
import { buildUiBundles } from "./ui/bundles.js";
import { ThreadService } from "./threads/service.js";
import { ThreadSweeper } from "./threads/sweeper.js";

const require = createRequire(import.meta.url);

/** The folder, inside the project, where the embedded database lives. */
export const DATA_DIR_NAME = ".agent-server";

export interface ServerOptions {
  /** Path to langgraph.json, or to the folder holding it. Default: the current folder. */
  config?: string;
  /** Port to listen on; 0 picks a free one. Default 2024. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /**
   * `sqlite` (default): a durable file under `<project>/.agent-server/`; `memory`: nothing
   * survives. Or an open Storage the caller owns and closes (the reload supervisor keeps one
   * in-memory database across reloads).
   */
  storage?: "sqlite" | "memory" | Storage;
  /**
   * A PostgreSQL URL (`postgres://user:password@host:5432/db`): data lives there instead, and any
   * number of servers may share it. The schema is brought up to date at start.
   */
  databaseUrl?: string;
  /** How many runs execute at once. Default 10. */
  nJobsPerWorker?: number;
  /**
   * How long a run claimed by an instance stays claimed without that instance renewing it (ms):
   * after an instance dies, its runs are resumed by another this long after. Default 30 s.
   */
  leaseMs?: number;
  /** A run executing longer than this (ms) is stopped and ends `timeout`. Default: no limit. */
  runTimeoutMs?: number;
  /** A pino logger, or a log level for the default one. Default: LOG_LEVEL or "info". */
  logger?: Logger;
  logLevel?: string;
  /** Largest request body in bytes. Default 10 MB. */
  bodyLimit?: number;
  /** How long a finished run's events stay in memory for late readers (ms). Default 5 s; resumable runs 60 s. */
  streamRetainMs?: number;
  /** Interval of `: heartbeat` comments on idle SSE streams (ms). Default 15 s. */
  heartbeatMs?: number;
  /** Sync every SQLite commit to disk (survives power loss; slower). Default off: crashes lose nothing. */
  fsync?: boolean;
  /** Serve the built-in console at `/console` (its files are public; it calls the API with the user's token). Default true. */
  console?: boolean;
  /**
   * `dev` (default) honours the Studio bypass (`x-auth-scheme: langsmith` from a loopback client,
   * unless `auth.disable_studio_auth`); `production` never does.
   */
  mode?: "dev" | "production";
  /**
   * Adds `POST /internal/truncate`, which deletes stored data, for integration suites that reset
   * the server between tests (dev mode only; refused to Studio and cross-origin requests).
   */
  allowTruncate?: boolean;
  /** Browser origins, besides LangGraph Studio's own, that may use the Studio bypass. */
  studioOrigins?: string[];
  /**
   * Imports the project's modules. A new loader evaluates the project's files afresh; the reload
   * supervisor passes its own to learn which files to watch, even when loading fails.
   */
  loader?: ModuleLoader;
}

/** A running server. */
export interface RunningServer {
  /** The API base URL, e.g. `http://127.0.0.1:2024` (plus `http.mount_prefix`), with the real port when 0 was asked. */
  url: string;
  port: number;
  config: ProjectConfig;
  graphs: string[];
  /** `auth.path` as written in langgraph.json, when an auth module is loaded. */
  auth?: string;
  /** The built-in console's URL (`<url>/console/`), unless it is switched off. */
  consoleUrl?: string;
  /** Where data lives: a file path, or ":memory:". */
  dataLocation: string;
  /** Stops accepting, lets running runs finish within `graceMs` (default 0), closes storage. */
  close(options?: { graceMs?: number }): Promise<void>;
  /** The Fastify instance, for tests that inspect routes. */
  app: App;
  /** Live counters, for tests and the benchmark. */
  stats(): { bufferedRuns: number; activeRuns: number; typeAnalyses: number };
}

export async function createServer(options: ServerOptions = {}): Promise<RunningServer> {
  const config = loadConfig(options.config ?? process.cwd());
  const logger = options.logger ?? createLogger({ level: options.logLevel });
  const env = loadProjectEnv(config);
  if (env.missingFile) logger.warn(`env file ${env.missingFile} not found; continuing without it`);

  // LangChain runs callbacks in the background unless told otherwise, and LangGraph's
  // messages stream then loses the tokens still queued when it handles the model's end (a fast
  // model loses a quarter of them). Streaming is what a chat client sees: callbacks are awaited,
  // unless the project chose (LANGCHAIN_CALLBACKS_BACKGROUND=true in its environment).
  if (!process.env.LANGCHAIN_CALLBACKS_BACKGROUND) process.env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";
  // Graphs read the Platform globals as they are imported (getLogger() at module scope).
  const platform = new PlatformGlobals(logger, apiUrl(options.host ?? "127.0.0.1", options.port ?? 2024, config.mountPrefix));
  platform.install();
  try {
    return await start(options, config, logger, platform);
  } catch (err) {
    platform.release();
    throw err;
  }
}

/** The rest of createServer, once the Platform globals are set (and removed again if this throws). */
async function start(options: ServerOptions, config: ProjectConfig, logger: Logger, platform: PlatformGlobals): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const loader = options.loader ?? new ModuleLoader();
  let project: Awaited<ReturnType<typeof loadProject>>;
  try {
    project = await loadProject(config, loader);
  } finally {
    // A loader of our own has no one to ask for its file list: forget it (the reload supervisor
    // disposes of the ones it passes in).
    if (!options.loader) loader.dispose();
  }
  const { graphs, authModule, customApp, ui } = project;

  const ownsStorage = typeof options.storage !== "object";
  const storage =
    typeof options.storage === "object"
      ? options.storage
      : await openStorage({ kind: options.storage ?? "sqlite", databaseUrl: options.databaseUrl, fsync: options.fsync ?? false }, config, logger);
  try {
    const broker = new RunBroker(
      options.streamRetainMs,
      undefined,
      undefined,
      storage.events ? new SharedEventLog(storage.events, storage.signals, logger) : undefined,
    );
    const dev = (options.mode ?? "dev") === "dev";
    const access = new AccessGuard(storage, new Authorizer(authModule?.handlers ?? {}, logger), graphs);
    const studio: StudioPolicy | null =
      dev && !config.auth?.disableStudioAuth ? { isStudioOrigin: studioOriginMatcher(options.studioOrigins ?? []) } : null;
    const authenticator = new Authenticator(authModule, { studio, logger });
    const webhooks = new WebhookSender(logger, config.webhookPolicy);
    const worker = new WorkerPool(storage, graphs, broker, logger, webhooks, {
      concurrency: options.nJobsPerWorker ?? 10,
      runTimeoutMs: options.runTimeoutMs,
      leaseMs: options.leaseMs,
    });
    // Types are analysed on the first schema request, cached on disk beside a durable database.
    const typeSchemas = new TypeSchemaAnalyzer({
      cacheFile: storage.location !== ":memory:" ? path.join(config.projectDir, DATA_DIR_NAME, "schema-cache.json") : undefined,
    });
    const assistants = new AssistantService(storage, graphs, access, logger, new GraphSchemaService(graphs, typeSchemas, logger));
    const stopThreadRuns = (threadId: string) => worker.stopThreadRuns(threadId);
    const sweeper = new ThreadSweeper(storage, stopThreadRuns, logger);
    const threads = new ThreadService(storage, graphs, access, stopThreadRuns, () => sweeper.wake());
    const feed = new ThreadFeed(storage, broker);
    const runs = new RunService(storage, access, broker, worker, webhooks, feed, headerFilter(config.http.configurable_headers));
    const scheduler: CronScheduler = new CronScheduler(storage, () => crons, logger);
    const crons = new CronService(storage, graphs, access, runs, () => scheduler.wake());
    const protocol = new ProtocolService(threads, runs, feed);
    await assistants.ensureSystemAssistants();
    const inProcess = new InProcessRequests(platform);

    const app = await buildApp({
      logger,
      authenticator,
      assistants,
      threads,
      runs,
      store: new StoreService(storage.store, access),
      crons,
      protocol,
      info: { version: packageVersion("../package.json"), langgraphVersion: packageVersion("@langchain/langgraph/package.json") },
      bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      openapiAuth: config.auth?.openapi,
      http: config.http,
      studioOrigin: studio ? (origin) => studio.isStudioOrigin(origin) : null,
      ui,
      mountPrefix: config.mountPrefix,
      customApp: customApp
        ? { app: customApp, authenticate: config.http.enable_custom_route_auth !== false, runAs: (auth, fn) => platform.runAs(auth, fn) }
        : undefined,
      inProcess,
      console: options.console ?? true,
      truncate: dev && options.allowTruncate ? (opts) => storage.truncate(opts) : undefined,
    });
    try {
      await app.listen({ port: options.port ?? 2024, host });
    } catch (err) {
      await app.close();
      if ((err as { code?: string }).code === "EADDRINUSE") {
        throw new ConfigError(`port ${options.port ?? 2024} on ${host} is already in use; choose another with --port (0 picks a free one)`);
      }
      throw err;
    }
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : (options.port ?? 2024);
    const url = apiUrl(host, port, config.mountPrefix);
    webhooks.baseUrl = url;
    inProcess.attach(app);
    platform.ready(
      url,
      (path, init, auth) => inProcess.fetch(`${config.mountPrefix}${path}`, init, auth),
      (runId) => worker.isExecuting(runId),
    );

    await worker.start();
    scheduler.start();
    sweeper.start();
    const periodic = startPeriodicTasks(storage, config, logger);
    let closed: Promise<void> | undefined;
    return {
      url,
      port,
      config,
      graphs: graphs.graphs.map((g) => g.graphId),
      auth: config.auth?.module?.spec,
      consoleUrl: (options.console ?? true) ? `${url}/console/` : undefined,
      dataLocation: storage.location,
      app,
      stats: () => ({ bufferedRuns: broker.size, activeRuns: worker.activeCount, typeAnalyses: typeSchemas.analyses }),
      close(closeOptions = {}) {
        closed ??= (async () => {
          periodic.stop();
          scheduler.stop();
          sweeper.stop();
          // Stop taking connections, let running runs finish within the grace period (the rest
          // go back to the queue and resume from their last checkpoint), then close the rest.
          app.server.close();
          await worker.stop(closeOptions.graceMs ?? 0);
          // Thread streams stay open between runs: they end here, cut so their clients reconnect.
          feed.close();
          protocol.close();
          broker.close();
          await webhooks.drain();
          await typeSchemas.close();
          await app.close();
          platform.release();
          if (ownsStorage) await storage.close();
        })();
        return closed;
      },
    };
  } catch (err) {
    if (ownsStorage) await storage.close();
    throw err;
  }
}

/** The API's base URL: what the SDKs take as apiUrl (it includes http.mount_prefix). */
function apiUrl(host: string, port: number, mountPrefix: string): string {
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return `http://${urlHost}:${port}${mountPrefix}`;
}

/** How long a finished run's events stay in a shared database, for readers resuming with Last-Event-ID. */
const RUN_EVENTS_RETAIN_MS = 60 * 60_000;

/**
 * Expired store items are invisible at once; a sweep removes them now and then. Events of runs
 * long finished are dropped from a shared database. Each runs once per interval, on one instance.
 */
function startPeriodicTasks(storage: Storage, config: ProjectConfig, logger: Logger): PeriodicTasks {
  const tasks = new PeriodicTasks(storage, logger);
  tasks.schedule({
    name: "store-ttl-sweep",
    intervalMs: config.storeTtl.sweepMinutes * 60_000,
    run: async () => {
      const n = await storage.store.sweepExpired();
      if (n) logger.debug(`store: removed ${n} expired items`);
    },
  });
  const events = storage.events;
  if (events) {
    tasks.schedule({ name: "run-events-sweep", intervalMs: 10 * 60_000, run: () => events.sweep(new Date(Date.now() - RUN_EVENTS_RETAIN_MS)) });
  }
  return tasks;
}

/** Where a server keeps its data: a PostgreSQL database when a URL is given, else SQLite. */
export interface StorageChoice {
  kind: "sqlite" | "memory";
  databaseUrl?: string;
  fsync: boolean;
}

/**
 * The project's storage: the PostgreSQL database at `databaseUrl`, or the SQLite file under
 * `<project>/.agent-server/`, or an in-memory one.
 */
export async function openStorage(choice: StorageChoice, config: ProjectConfig, logger: Logger): Promise<Storage> {
  const storeTtl = config.storeTtl;
  if (choice.databaseUrl) {
    if (choice.kind === "memory") throw new ConfigError("a database URL and in-memory storage exclude each other; choose one");
    // Loaded only when used: SQLite users do not pay for pg and LangGraph's Postgres saver.
    const { openPostgresStorage } = await import("./storage/postgres/index.js");
    return openPostgresStorage(choice.databaseUrl, { storeTtl });
  }
  const options = { storeTtl, fsync: choice.fsync };
  if (choice.kind === "memory") return openSqliteStorage(":memory:", options);
  const dir = path.join(config.projectDir, DATA_DIR_NAME);
  ensureGitignored(config.projectDir, logger);
  return openSqliteStorage(path.join(dir, "agent-server.db"), options);
}

/** Adds the data folder to the project's .gitignore the first time (creating the file if needed). */
function ensureGitignored(projectDir: string, logger: Logger): void {
  const file = path.join(projectDir, ".gitignore");
  const line = `${DATA_DIR_NAME}/`;
  try {
    const current = existsSync(file) ? readFileSync(file, "utf8") : null;
    if (current?.split(/\r?\n/).some((l) => l.trim() === line || l.trim() === DATA_DIR_NAME)) return;
    if (current === null) writeFileSync(file, `${line}\n`);
    else appendFileSync(file, `${current.endsWith("\n") || current === "" ? "" : "\n"}${line}\n`);
    logger.info(`added ${line} to ${file}`);
  } catch (err) {
    logger.warn({ err }, `could not add ${line} to ${file}`);
  }
}

/** The project's code: graphs, the auth module, `http.app` and the UI bundles. */
async function loadProject(config: ProjectConfig, loader: ModuleLoader) {
  const graphs = await GraphRegistry.load(config.graphs, loader);
  let authModule: AuthModule | undefined;
  if (config.auth?.module) authModule = await loadAuthModule(config.auth.module, loader);
  const customApp = config.httpApp ? await loadCustomApp(config.httpApp, loader) : undefined;
  const ui = await buildUiBundles(config.ui, { shared: config.uiShared, projectDir: config.projectDir, onInputs: (files) => loader.note(files) });
  loader.idle();
  return { graphs, authModule, customApp, ui };
}

/** `http.app`: a Fastify plugin, or anything with `fetch(Request)` (a Hono app). */
async function loadCustomApp(ref: NonNullable<ProjectConfig["httpApp"]>, loader: ModuleLoader): Promise<CustomApp> {
  const exported = await importExport(ref, loader);
  if (typeof exported === "function") return exported as CustomApp;
  // A fetch app (a Hono app, for one) is used as it is: custom-app.ts tells the kinds apart.
  if (exported && typeof (exported as { fetch?: unknown }).fetch === "function") return exported as FetchApp;
  throw new ConfigError(`"${ref.key}": export "${ref.exportName}" of ${ref.file} is neither a Fastify plugin nor an object with a fetch(Request) method`);
}

function packageVersion(specifier: string): string {
  try {
    return (require(specifier) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
