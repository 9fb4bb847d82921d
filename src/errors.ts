/**
 * Errors the services throw on purpose. `http/errors.ts` maps each to a status and a
 * `{"detail": message}` body; anything that is not an AppError is unexpected and becomes a 500.
 * No framework imports here, so every layer may throw these.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequest extends AppError {
  constructor(message: string) {
    super(400, message);
  }
}

export class Unauthorized extends AppError {
  constructor(message = "Unauthorized", headers: Record<string, string> = {}) {
    super(401, message, headers);
  }
}

export class Forbidden extends AppError {
  constructor(message = "Forbidden") {
    super(403, message);
  }
}

export class NotFound extends AppError {
  constructor(message = "Not found") {
    super(404, message);
  }
}

export class Conflict extends AppError {
  constructor(message: string) {
    super(409, message);
  }
}

export class Unprocessable extends AppError {
  constructor(message: string) {
    super(422, message);
  }
}

/**
 * The server is stopping (a shutdown, a reload) while a run it was executing had not finished:
 * the run is left to resume on the next start, so a reader waiting for its end is told so instead
 * of getting what the run had done so far as if it were the result.
 */
export class ServerStopping extends AppError {
  constructor() {
    super(503, "The server stopped before the run finished; the run resumes when the server is back", { "retry-after": "1" });
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
