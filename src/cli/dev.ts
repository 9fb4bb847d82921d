/** `agent-server dev`: start the server, print the banner, open Studio, stop cleanly on a signal. */
import { spawn } from "node:child_process";
import path from "node:path";
import { createLogger } from "../logging.js";
import { createServer } from "../server.js";

export interface DevOptions {
  port: number;
  host: string;
  config: string;
  browser: boolean;
  nJobsPerWorker: number;
  storage: "sqlite" | "memory";
  fsync: boolean;
  shutdownGraceMs: number;
}

export async function runDev(options: DevOptions): Promise<void> {
  const logger = createLogger();
  const server = await createServer({
    config: options.config,
    port: options.port,
    host: options.host,
    nJobsPerWorker: options.nJobsPerWorker,
    storage: options.storage,
    fsync: options.fsync,
    logger,
  });
  for (const key of server.config.unknownKeys) logger.warn(`langgraph.json: unknown key "${key}" is ignored`);

  const studio = `https://smith.langchain.com/studio/?baseUrl=${server.url}`;
  const data = server.dataLocation === ":memory:" ? "in memory (nothing survives a restart)" : path.relative(process.cwd(), server.dataLocation) || server.dataLocation;
  process.stdout.write(
    [
      "",
      "  agent-server is ready",
      `  - API:    ${server.url}`,
      `  - Studio: ${studio}`,
      `  - Docs:   ${server.url}/docs`,
      `  - Graphs: ${server.graphs.join(", ")}`,
      `  - Auth:   ${server.auth ?? "none (every request is allowed)"}`,
      `  - Data:   ${data}`,
      "",
      "",
    ].join("\n"),
  );
  if (options.browser) openBrowser(studio);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // a second signal: leave at once
    stopping = true;
    logger.info(`${signal}: shutting down (running runs get up to ${options.shutdownGraceMs / 1000} s; a second signal stops at once)`);
    server.close({ graceMs: options.shutdownGraceMs }).then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

function openBrowser(url: string): void {
  const command = process.platform === "darwin" ? "open" : process.platform === "win32" ? "cmd" : "xdg-open";
  const args = process.platform === "win32" ? ["/c", "start", "", url] : [url];
  try {
    const child = spawn(command, args, { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // No browser here: the banner shows the URL.
  }
}
