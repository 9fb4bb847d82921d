/**
 * The server's pino logger: readable lines on a TTY (pino-pretty), JSON lines with
 * LOG_JSON=true or when output is not a terminal, level from LOG_LEVEL. `agent-server dev` asks
 * for readable lines whatever the output is, unless LOG_JSON=true. Credentials never reach the
 * output, whatever a log call passes.
 */
import pino, { type Logger } from "pino";
import pinoPretty from "pino-pretty";

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
  /**
   * Leave out Fastify's "Server listening at ..." line: `dev` prints its URL in the banner. Only
   * for readable output; JSON logs keep it for machines that wait for it.
   */
  omitListening?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? "info";
  const json = options.json ?? (process.env.LOG_JSON === "true" || !process.stdout.isTTY || options.destination !== undefined);
  const base = { level, redact: { paths: REDACT, censor: "[redacted]" }, base: undefined };
  if (json) return pino(base, (options.destination as pino.DestinationStream | undefined) ?? pino.destination(1));
  // Formatted in this thread and written synchronously, so lines keep their order with what the
  // CLI prints itself (the banner) and none is lost when the process exits.
  const pretty = pinoPretty({
    colorize: process.stdout.isTTY === true,
    // The time as HH:MM:SS (UTC), formatted once per second rather than by pino-pretty's date
    // formatter on every line (a request's line cost more to format than the request).
    translateTime: false,
    customPrettifiers: { time: clockTime },
    ignore: "pid,hostname,reqId",
    sync: true,
    destination: options.destination ?? 1,
  });
  return pino(
    {
      ...base,
      hooks: options.omitListening
        ? {
            logMethod(args, method) {
              if (typeof args[0] === "string" && args[0].startsWith("Server listening at ")) return;
              method.apply(this, args);
            },
          }
        : undefined,
    },
    pretty,
  );
}

let clockSecond = -1;
let clockText = "";
function clockTime(epochMs: string | object): string {
  const second = Math.floor(Number(epochMs) / 1000);
  if (second !== clockSecond) {
    clockSecond = second;
    clockText = `[${new Date(second * 1000).toISOString().slice(11, 19)}]`;
  }
  return clockText;
}
