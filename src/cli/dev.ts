/**
 * `agent-server dev`: start the server (under the reload supervisor unless --no-reload), print
 * the banner, open the console (or Studio without it), stop cleanly on a signal.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { loadConfig, resolveConfigPath } from "../config/load.js";
import { ModuleLoader } from "../graphs/module-loader.js";
import { createLogger } from "../logging.js";
import { createServer, openStorage, type RunningServer } from "../server.js";
import type { Storage } from "../storage/types.js";
import { ReloadSupervisor } from "./reload.js";
import { stopOnSignals } from "./stop-signals.js";

export interface DevOptions {
  port: number;
  host: string;
  config: string;
  browser: boolean;
  /** Serve the built-in console at /console. */
  console: boolean;
  nJobsPerWorker: number;
  storage: "sqlite" | "memory";
  /** A PostgreSQL URL: data lives there instead of SQLite. */
  databaseUrl?: string;
  fsync: boolean;
  shutdownGraceMs: number;
  /** Restart when the project's files change. */
  reload: boolean;
  runTimeoutMs?: number;
  /** Largest request body, in bytes. */
  bodyLimit: number;
  /** Serve `POST /internal/truncate` (a data reset for integration suites). */
  allowTruncate: boolean;
  /** Browser origins, besides Studio's, that may use the Studio bypass. */
  studioOrigins: string[];
}

export async function runDev(options: DevOptions): Promise<void> {
  // Output for people (the listening line is in the banner); LOG_JSON=true gives machines JSON lines.
  const logger = createLogger({ json: process.env.LOG_JSON === "true", omitListening: true });
  const configPath = resolveConfigPath(options.config);
  // Reloads hand one in-memory database from server to server (a file database is simply reopened).
  const sharedStorage: Storage | undefined =
    options.reload && options.storage === "memory" && !options.databaseUrl
      ? await openStorage({ kind: "memory", fsync: false }, loadConfig(configPath), logger)
      : undefined;
  let port = options.port;
  const start = async (loader: ModuleLoader): Promise<RunningServer> => {
    const started = await createServer({
      config: configPath,
      port,
      host: options.host,
      nJobsPerWorker: options.nJobsPerWorker,
      runTimeoutMs: options.runTimeoutMs,
      bodyLimit: options.bodyLimit,
      allowTruncate: options.allowTruncate,
      studioOrigins: options.studioOrigins,
      storage: sharedStorage ?? options.storage,
      databaseUrl: options.databaseUrl,
      fsync: options.fsync,
      logger,
      loader,
      console: options.console,
    });
    port = started.port; // a reload keeps the port, also when 0 picked it
    return started;
  };
  const supervisor = options.reload ? await ReloadSupervisor.start({ start, configPath, logger }) : undefined;
  const server = supervisor?.current ?? (await start(new ModuleLoader()));
  for (const key of server.config.unknownKeys) logger.warn(`langgraph.json: unknown key "${key}" is ignored`);

  const studio = `https://smith.langchain.com/studio/?baseUrl=${server.url}`;
  const data =
    server.dataLocation === ":memory:"
      ? "in memory (nothing survives a restart)"
      : options.databaseUrl
        ? server.dataLocation
        : path.relative(process.cwd(), server.dataLocation) || server.dataLocation;
  process.stdout.write(
    [
      "",
      "  agent-server is ready",
      ...(server.consoleUrl ? [`  - Console: ${server.consoleUrl}`] : []),
      `  - Studio:  ${studio}`,
      `  - API:     ${server.url}`,
      `  - Docs:    ${server.url}/docs`,
      `  - Graphs:  ${server.graphs.join(", ")}`,
      `  - Auth:    ${server.auth ?? "none (every request is allowed)"}`,
      `  - Data:    ${data}`,
      `  - Reload:  ${supervisor ? `on, watching ${supervisor.files.length} files (--no-reload turns it off)` : "off"}`,
      "",
      "",
    ].join("\n"),
  );
  if (options.browser) openBrowser(server.consoleUrl ?? studio);

  stopOnSignals(logger, options.shutdownGraceMs, async () => {
    await (supervisor ? supervisor.close(options.shutdownGraceMs) : server.close({ graceMs: options.shutdownGraceMs }));
    await sharedStorage?.close();
  });
}

/** Opens `url` with $BROWSER when set (as other tools do), else the platform's opener. */
function openBrowser(url: string): void {
  const custom = process.env.BROWSER;
  const command = custom ? custom : process.platform === "darwin" ? "open" : process.platform === "win32" ? "cmd" : "xdg-open";
  const args = !custom && process.platform === "win32" ? ["/c", "start", "", url] : [url];
  try {
    const child = spawn(command, args, { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // No browser here: the banner shows the URL.
  }
}
