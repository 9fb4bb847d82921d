/**
 * The server's pino logger: readable lines on a TTY (pino-pretty), JSON lines with
 * LOG_JSON=true or when output is not a terminal, level from LOG_LEVEL. Credentials never reach
 * the output, whatever a log call passes.
 */
import pino, { type Logger } from "pino";

const REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  "headers.authorization",
  "headers.cookie",
  'headers["x-api-key"]',
];

export interface LoggerOptions {
  level?: string;
  /** Force JSON lines (default: JSON unless stdout is a TTY, or LOG_JSON=true). */
  json?: boolean;
  /** Where to write; defaults to stdout. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? "info";
  const json = options.json ?? (process.env.LOG_JSON === "true" || !process.stdout.isTTY || options.destination !== undefined);
  const base = { level, redact: { paths: REDACT, censor: "[redacted]" }, base: undefined };
  if (json) return pino(base, (options.destination as pino.DestinationStream | undefined) ?? pino.destination(1));
  return pino({
    ...base,
    transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss", ignore: "pid,hostname,reqId" } },
  });
}
