/**
 * The programmatic API: start a server from your own code or integration tests.
 *
 * ```ts
 * import { startServer } from "agent-server";
 * const server = await startServer({ config: "./langgraph.json", port: 0, storage: "memory" });
 * // ... use server.url ...
 * await server.close();
 * ```
 */
import { createServer, type RunningServer, type ServerOptions } from "./server.js";

export { createServer };
export type { RunningServer, ServerOptions };

/** Options for `startServer`: `config` is required here (no implicit current folder). */
export interface StartServerOptions extends Omit<ServerOptions, "config"> {
  config: string;
}

/** Starts a server (quiet by default: log level "warn" unless `logLevel` is given). */
export function startServer(options: StartServerOptions): Promise<RunningServer> {
  return createServer({ logLevel: "warn", ...options });
}
