/**
 * The error catalog: every error the server answers on purpose. `http/errors.ts` maps each to its
 * status and a `{"detail": message, "code": code}` body; anything that is not an AppError is
 * unexpected and becomes a 500. Each error has a stable machine-readable `code`, so clients can
 * match on it instead of on wording; the wording of the "not found" messages follows the
 * reference server, which clients' tests match too. No framework imports here, so every layer
 * may throw these.
 */

/**
 * Every `code` an error answer can carry. The README lists each one (a test checks it), and the
 * type below makes the compiler refuse a code that is not here.
 */
export const ERROR_CODES = [
  // 400
  "bad_request",
  "invalid_update",
  "malformed_json",
  "duplicate_authorization",
  // 401, 403
  "unauthorized",
  "forbidden",
  "truncate_refused",
  // 404
  "not_found",
  "route_not_found",
  "thread_not_found",
  "assistant_not_found",
  "assistant_version_not_found",
  "graph_not_found",
  "run_not_found",
  "cron_not_found",
  "item_not_found",
  "checkpoint_not_found",
  "ui_not_found",
  "file_not_found",
  // 409
  "conflict",
  "thread_exists",
  "assistant_exists",
  // 409 or 422
  "thread_busy",
  // 413, 415, 426
  "payload_too_large",
  "unsupported_media_type",
  "upgrade_required",
  // 422
  "validation_error",
  "invalid_request",
  "webhook_refused",
  // 5xx
  "internal_error",
  "server_stopping",
  "unavailable",
  // any other status an auth module's HTTPException chose
  "http_error",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The JSON body of every error answer. */
export interface ErrorBody {
  detail: string;
  code: ErrorCode;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly code: ErrorCode = CODE_BY_STATUS[status] ?? (status >= 500 ? "internal_error" : "http_error"),
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The code of a status that has no more specific one. */
export const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "invalid_request",
  500: "internal_error",
  503: "unavailable",
};

export class BadRequest extends AppError {
  constructor(message: string, code: ErrorCode = "bad_request") {
    super(400, message, {}, code);
  }
}

export class Unauthorized extends AppError {
  constructor(message = "Unauthorized", headers: Record<string, string> = {}) {
    super(401, message, headers, "unauthorized");
  }
}

/** An authorization handler said no (`false`), or the action is not allowed for this caller. */
export class Forbidden extends AppError {
  constructor(message = "Not authorized", code: ErrorCode = "forbidden") {
    super(403, message, {}, code);
  }
}

export class NotFound extends AppError {
  constructor(message = "Not found", code: ErrorCode = "not_found") {
    super(404, message, {}, code);
  }
}

export class Conflict extends AppError {
  constructor(message: string, code: ErrorCode = "conflict") {
    super(409, message, {}, code);
  }
}

export class Unprocessable extends AppError {
  constructor(message: string, code: ErrorCode = "invalid_request") {
    super(422, message, {}, code);
  }
}

// Resources that are missing, or hidden from the caller by an authorization filter: the two are
// answered alike, so a filter never reveals that someone else's record exists.

export class ThreadNotFound extends NotFound {
  constructor(threadId: string) {
    super(`Thread with ID ${threadId} not found`, "thread_not_found");
  }
}

export class AssistantNotFound extends NotFound {
  constructor() {
    super("Assistant not found", "assistant_not_found");
  }
}

export class AssistantVersionNotFound extends NotFound {
  constructor() {
    super("Assistant version not found", "assistant_version_not_found");
  }
}

export class GraphNotFound extends NotFound {
  constructor(graphId: string) {
    super(`Graph "${graphId}" not found`, "graph_not_found");
  }
}

export class RunNotFound extends NotFound {
  constructor() {
    super("Run not found", "run_not_found");
  }
}

export class CronNotFound extends NotFound {
  constructor() {
    super("Cron not found", "cron_not_found");
  }
}

export class ItemNotFound extends NotFound {
  constructor() {
    super("Item not found", "item_not_found");
  }
}

export class CheckpointNotFound extends NotFound {
  constructor(threadId: string) {
    super(`Checkpoint not found for thread ${threadId}`, "checkpoint_not_found");
  }
}

/** `multitask_strategy: "reject"` while the thread has a run in flight (422, as the reference). */
export class ThreadBusy extends Unprocessable {
  constructor() {
    super("Thread is already running a task. Wait for it to finish or choose a different multitask strategy.", "thread_busy");
  }
}

/** A WebSocket route asked for with a plain HTTP request. */
export class UpgradeRequired extends AppError {
  constructor(message: string) {
    super(426, message, { upgrade: "websocket" }, "upgrade_required");
  }
}

/**
 * The server is stopping (a shutdown, a reload) while a run it was executing had not finished:
 * the run is left to resume on the next start, so a reader waiting for its end is told so instead
 * of getting what the run had done so far as if it were the result.
 */
export class ServerStopping extends AppError {
  constructor() {
    super(503, "The server stopped before the run finished; the run resumes when the server is back", { "retry-after": "1" }, "server_stopping");
  }
}

/**
 * A problem with the user's project (langgraph.json, a graph file, the auth module) found at
 * start-up. The CLI prints only the message (one line naming the file and the key) and exits 1.
 */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConfigError";
  }
}
