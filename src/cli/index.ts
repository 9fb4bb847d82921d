/**
 * The `agent-server` command line. This is the only place that calls process.exit: flag errors
 * exit 2, project/config errors exit 1 with one line and no stack, a clean stop exits 0.
 */
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { createRequire } from "node:module";
import { ConfigError } from "../errors.js";
import { runDev } from "./dev.js";

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
        fsync: opts.fsync ?? false,
        shutdownGraceMs: opts.shutdownGrace * 1000,
        reload: opts.reload,
        bodyLimit: opts.bodyLimit * 1024 * 1024,
        runTimeoutMs: opts.runTimeout === undefined ? undefined : opts.runTimeout * 1000,
        allowTruncate: opts.allowTruncate ?? false,
        studioOrigins: opts.studioOrigin,
      });
    });
  return program;
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
