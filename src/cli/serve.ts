/**
 * `agent-server serve`: the production command. One instance of any number behind a load
 * balancer, all on one PostgreSQL database (or, without one, the SQLite file as in `dev`): no
 * reload, no browser, no Studio bypass, no `/internal/truncate`, JSON log lines. On SIGTERM it
 * stops claiming runs, lets running runs finish within the grace period, then gives the rest back
 * to the queue for another instance to resume.
 */
import { createLogger } from "../logging.js";
import { createServer } from "../server.js";
import { stopOnSignals } from "./stop-signals.js";

export interface ServeOptions {
  config: string;
  host: string;
  port: number;
  databaseUrl?: string;
  /** Runs this instance executes at once. */
  workers: number;
  /** How long a run claimed by a silent instance stays claimed. */
  leaseMs: number;
  shutdownGraceMs: number;
  runTimeoutMs?: number;
  /** Largest request body, in bytes. */
  bodyLimit: number;
  /** Serve the built-in console at /console. */
  console: boolean;
}

export async function runServe(options: ServeOptions): Promise<void> {
  const logger = createLogger({ json: true });
  const server = await createServer({
    config: options.config,
    host: options.host,
    port: options.port,
    databaseUrl: options.databaseUrl,
    mode: "production",
    nJobsPerWorker: options.workers,
    leaseMs: options.leaseMs,
    runTimeoutMs: options.runTimeoutMs,
    bodyLimit: options.bodyLimit,
    console: options.console,
    logger,
  });
  for (const key of server.config.unknownKeys) logger.warn(`langgraph.json: unknown key "${key}" is ignored`);
  logger.info(
    { url: server.url, console: server.consoleUrl ?? null, graphs: server.graphs, auth: server.auth ?? null, data: server.dataLocation, workers: options.workers },
    `agent-server serving, API: ${server.url} ${server.consoleUrl ? `Console: ${server.consoleUrl} ` : ""}`,
  );
  stopOnSignals(logger, options.shutdownGraceMs, () => server.close({ graceMs: options.shutdownGraceMs }));
}
