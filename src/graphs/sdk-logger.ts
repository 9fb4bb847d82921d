/**
 * The logger `getLogger()` from `@langchain/langgraph-sdk/logging` returns: the SDK types it as a
 * winston logger (a method per level; a message with meta objects, or one info object), and the
 * Platform backs it with its own. Ours writes to the server's pino logger, and inside a run each
 * line carries the run's ids and the LangGraph node it was logged from.
 */
import type { Level, Logger } from "pino";

/** The SDK's `Logger` (winston's leveled methods); every method returns the logger. */
export type SdkLogger = Record<(typeof SDK_LEVELS)[number], (message: unknown, ...meta: unknown[]) => SdkLogger>;

const SDK_LEVELS = ["error", "warn", "help", "data", "info", "debug", "prompt", "http", "verbose", "input", "silly"] as const;

/** winston's npm and cli levels on pino's: the chatty ones are debug, `silly` is trace. */
const PINO_LEVEL: Record<(typeof SDK_LEVELS)[number], Level> = {
  error: "error",
  warn: "warn",
  help: "info",
  data: "info",
  info: "info",
  prompt: "info",
  input: "info",
  http: "debug",
  verbose: "debug",
  debug: "debug",
  silly: "trace",
};

/** Where a line goes, decided at each call: the logger and the fields every line gets. */
export type LogTarget = () => { logger: Logger; fields?: Record<string, unknown> };

export function createSdkLogger(target: LogTarget): SdkLogger {
  const logger = {} as SdkLogger;
  for (const method of SDK_LEVELS) {
    const level = PINO_LEVEL[method];
    logger[method] = (message: unknown, ...meta: unknown[]) => {
      const { logger: pinoLogger, fields } = target();
      if (pinoLogger.isLevelEnabled(level)) write(pinoLogger, level, fields, message, meta);
      return logger;
    };
  }
  return logger;
}

function write(logger: Logger, level: Level, fields: Record<string, unknown> | undefined, message: unknown, meta: unknown[]): void {
  const line: Record<string, unknown> = {};
  let text: string;
  if (typeof message === "string") {
    text = message;
  } else if (message instanceof Error) {
    line.err = message;
    text = message.message;
  } else if (typeof message === "object" && message !== null) {
    // winston's info object: `message` is the text, the other keys are fields (its level is ours).
    const { message: inner, level: _level, ...rest } = message as Record<string, unknown>;
    Object.assign(line, rest);
    text = typeof inner === "string" ? inner : inner === undefined ? "" : JSON.stringify(inner);
  } else {
    text = String(message);
  }
  // Meta objects are merged into the line (an Error becomes `err`, with its stack); anything else
  // fills `%s`-style placeholders in the text.
  const args: unknown[] = [];
  for (const item of meta) {
    if (item instanceof Error) line.err ??= item;
    else if (typeof item === "object" && item !== null && !Array.isArray(item)) Object.assign(line, item);
    else args.push(item);
  }
  // The server's fields last: a graph's own `runId` field cannot mislabel the line.
  Object.assign(line, fields);
  logger[level](line, text, ...args);
}
