/**
 * The `agent-server` command line. This is the only place that calls process.exit: flag errors
 * exit 2, project/config errors exit 1 with one line and no stack, a clean stop exits 0.
 */
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { createRequire } from "node:module";
import { ConfigError } from "../errors.js";
import { runDev } from "./dev.js";
import { runServe } from "./serve.js";

const require = createRequire(import.meta.url);

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}".`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}, got ${n}.`);
    return n;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface DevFlags {
  port: number;
  host: string;
  config: string;
  browser: boolean;
  console: boolean;
  nJobsPerWorker: number;
  inMemory?: boolean;
  fsync?: boolean;
  shutdownGrace: number;
  reload: boolean;
  runTimeout?: number;
  bodyLimit: number;
  allowTruncate?: boolean;
  studioOrigin: string[];
  databaseUrl?: string;
}

interface ServeFlags {
  config: string;
  host: string;
  port: number;
  databaseUrl?: string;
  workers: number;
  leaseSeconds: number;
  shutdownGrace: number;
  runTimeout?: number;
  bodyLimit: number;
  console: boolean;
}

export function buildProgram(): Command {
  const program = new Command("agent-server")
    .description("A durable server for LangGraph agents, speaking the LangGraph agent-server API")
    .version((require("../../package.json") as { version: string }).version, "-v, --version")
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.split("\n")[0] + "\n") });

  program
    .command("dev")
    .description("Run the server for the project's langgraph.json")
    .option("-p, --port <port>", "port to listen on (0 picks a free one)", integer("--port", 0, 65535), 2024)
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("-c, --config <path>", "langgraph.json, or the folder holding it", ".")
    .option("--no-browser", "do not open the console (or, with --no-console, LangGraph Studio) in a browser")
    .option("--no-console", "do not serve the built-in console at /console")
    .option("--no-reload", "do not restart when the project's files change")
    .option("-n, --n-jobs-per-worker <n>", "how many runs execute at once", integer("--n-jobs-per-worker", 1, 1000), 10)
    .option("--in-memory", "keep data in memory only (nothing survives a restart)")
    .option("--fsync", "sync every write to disk, to survive power loss too (slower)")
    .option("--body-limit <megabytes>", "largest request body accepted (a larger one is answered 413)", integer("--body-limit", 1, 1024), 10)
    .option("--run-timeout <seconds>", "stop a run that executes longer than this; it ends with status timeout (default: no limit)", integer("--run-timeout", 1, 31_536_000))
    .option("--shutdown-grace <seconds>", "on SIGINT/SIGTERM, how long running runs may finish", integer("--shutdown-grace", 0, 86_400), 30)
    .option("--allow-truncate", "serve POST /internal/truncate, which deletes stored data (for integration suites)")
    .option("--studio-origin <origin>", "a browser origin, besides LangGraph Studio's, that may use the Studio bypass (repeatable)", collect, [])
    .option("--database-url <url>", "keep data in this PostgreSQL database instead of SQLite (default: $DATABASE_URL)")
    .exitOverride()
    .action(async (opts: DevFlags) => {
      await runDev({
        port: opts.port,
        host: opts.host,
        config: opts.config,
        browser: opts.browser && process.env.BROWSER !== "none",
        console: opts.console,
        nJobsPerWorker: opts.nJobsPerWorker,
        storage: opts.inMemory ? "memory" : "sqlite",
        databaseUrl: opts.inMemory ? opts.databaseUrl : databaseUrl(opts.databaseUrl),
        fsync: opts.fsync ?? false,
        shutdownGraceMs: opts.shutdownGrace * 1000,
        reload: opts.reload,
        bodyLimit: opts.bodyLimit * 1024 * 1024,
        runTimeoutMs: opts.runTimeout === undefined ? undefined : opts.runTimeout * 1000,
        allowTruncate: opts.allowTruncate ?? false,
        studioOrigins: opts.studioOrigin,
      });
    });

  program
    .command("serve")
    .description("Run the server in production: JSON logs, no reload, no Studio bypass; several instances may share one PostgreSQL database")
    .option("-c, --config <path>", "langgraph.json, or the folder holding it", ".")
    .option("--host <host>", "interface to bind", "0.0.0.0")
    .option("-p, --port <port>", "port to listen on (0 picks a free one)", integer("--port", 0, 65535), 8000)
    .option("--database-url <url>", "the PostgreSQL database the instances share (default: $DATABASE_URL; without one, the SQLite file as in dev)")
    .option("--workers <n>", "how many runs this instance executes at once", integer("--workers", 1, 1000), 10)
    .option("--lease-seconds <n>", "how long a run claimed by an instance that went silent stays claimed before another takes it over", integer("--lease-seconds", 1, 3600), 30)
    .option("--shutdown-grace <seconds>", "on SIGTERM/SIGINT, how long running runs may finish before they are handed back to the queue", integer("--shutdown-grace", 0, 86_400), 30)
    .option("--run-timeout <seconds>", "stop a run that executes longer than this; it ends with status timeout (default: no limit)", integer("--run-timeout", 1, 31_536_000))
    .option("--body-limit <megabytes>", "largest request body accepted (a larger one is answered 413)", integer("--body-limit", 1, 1024), 10)
    .option("--no-console", "do not serve the built-in console at /console")
    .exitOverride()
    .action(async (opts: ServeFlags) => {
      await runServe({
        config: opts.config,
        host: opts.host,
        port: opts.port,
        databaseUrl: databaseUrl(opts.databaseUrl),
        workers: opts.workers,
        leaseMs: opts.leaseSeconds * 1000,
        shutdownGraceMs: opts.shutdownGrace * 1000,
        runTimeoutMs: opts.runTimeout === undefined ? undefined : opts.runTimeout * 1000,
        bodyLimit: opts.bodyLimit * 1024 * 1024,
        console: opts.console,
      });
    });

  program
    .command("migrate")
    .description("Create or update the schema of a PostgreSQL database (serve and dev do it at start too)")
    .option("--database-url <url>", "the PostgreSQL database (default: $DATABASE_URL)")
    .exitOverride()
    .action(async (opts: { databaseUrl?: string }) => {
      const url = databaseUrl(opts.databaseUrl);
      if (!url) throw new ConfigError("no database: pass --database-url or set DATABASE_URL");
      const { migratePostgres, redactUrl } = await import("../storage/postgres/index.js");
      const applied = await migratePostgres(url);
      process.stdout.write(applied.length ? `applied migrations ${applied.join(", ")} to ${redactUrl(url)}\n` : `${redactUrl(url)} is up to date\n`);
    });
  return program;
}

/** The flag's URL, else DATABASE_URL (an empty variable counts as unset). */
function databaseUrl(flag: string | undefined): string | undefined {
  return flag ?? (process.env.DATABASE_URL || undefined);
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`agent-server: ${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`agent-server: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  }
}
