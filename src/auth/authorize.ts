/**
 * Runs the user's `.on(...)` authorization handlers. Exactly one handler runs per event, found in
 * the order `resource:action`, `resource`, `*:action`, `*`. It allows (nothing / true), denies
 * (false ⇒ 403), or returns a metadata filter that storage applies. Handlers may mutate `value`
 * (e.g. stamp `metadata.owner`); callers read the value back after the call.
 */
import type { Logger } from "pino";
import { AppError, Forbidden } from "../errors.js";
import type { MetadataFilter } from "../storage/types.js";
import type { AuthContext } from "./authenticate.js";
import type { AuthHandler } from "./load.js";

export type AuthResource = "assistants" | "threads" | "crons" | "store";

/** The answer when no handler applies, shared: nothing to allocate on the common path. */
const NO_FILTER: Promise<undefined> = Promise.resolve(undefined);

export class Authorizer {
  /** The handler each event resolves to (null: none), found once: this runs on every request. */
  private readonly resolved = new Map<string, AuthHandler | null>();

  constructor(
    private readonly handlers: Record<string, AuthHandler>,
    private readonly logger: Logger,
  ) {}

  private handlerFor(resource: AuthResource, action: string): AuthHandler | null {
    const event = `${resource}:${action}`;
    let handler = this.resolved.get(event);
    if (handler === undefined) {
      handler = this.handlers[event] ?? this.handlers[resource] ?? this.handlers[`*:${action}`] ?? this.handlers["*"] ?? null;
      this.resolved.set(event, handler);
    }
    return handler;
  }

  /** Returns the filter to apply (undefined: no restriction); throws 403 on an explicit deny. */
  authorize(auth: AuthContext | null, resource: AuthResource, action: string, value: Record<string, unknown>): Promise<MetadataFilter | undefined> {
    const handler = auth ? this.handlerFor(resource, action) : null;
    return handler ? this.run(handler, auth!, resource, action, value) : NO_FILTER;
  }

  private async run(
    handler: AuthHandler,
    auth: AuthContext,
    resource: AuthResource,
    action: string,
    value: Record<string, unknown>,
  ): Promise<MetadataFilter | undefined> {
    let result: unknown;
    try {
      result = await handler({
        event: `${resource}:${action}`,
        resource,
        action,
        value,
        user: auth.user,
        permissions: auth.permissions,
      });
    } catch (err) {
      const e = err as { status?: unknown; headers?: unknown; message?: string };
      if (typeof e?.status === "number" && typeof e.headers === "object" && e.headers !== null) {
        throw new AppError(e.status, e.message || "Forbidden", Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k, String(v)])));
      }
      throw err;
    }
    if (result === undefined || result === null || result === true) return undefined;
    if (result === false) throw new Forbidden("Not authorized");
    if (typeof result === "object" && !Array.isArray(result)) {
      return Object.keys(result).length ? (result as MetadataFilter) : undefined;
    }
    this.logger.error({ event: `${resource}:${action}`, result }, "auth handler returned an invalid result");
    throw new Error(`Auth handler for ${resource}:${action} returned an invalid result (expected boolean, filter object or nothing)`);
  }
}
