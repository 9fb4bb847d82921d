/**
 * How a server command stops: on SIGINT or SIGTERM, `close` gets the grace period and the process
 * exits 0 once it is done (1 if closing failed); a second signal exits at once.
 */
import type { Logger } from "pino";

export function stopOnSignals(logger: Logger, graceMs: number, close: () => Promise<unknown>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // a second signal: leave at once
    stopping = true;
    logger.info(`${signal}: shutting down (running runs get up to ${graceMs / 1000} s; a second signal stops at once)`);
    close().then(
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
