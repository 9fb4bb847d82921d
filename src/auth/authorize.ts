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

export class Authorizer {
  constructor(
    private readonly handlers: Record<string, AuthHandler>,
    private readonly logger: Logger,
  ) {}

  /** Returns the filter to apply (undefined: no restriction); throws 403 on an explicit deny. */
  async authorize(
    auth: AuthContext | null,
    resource: AuthResource,
    action: string,
    value: Record<string, unknown>,
  ): Promise<MetadataFilter | undefined> {
    if (!auth) return undefined;
    const handler =
      this.handlers[`${resource}:${action}`] ??
      this.handlers[resource] ??
      this.handlers[`*:${action}`] ??
      this.handlers["*"];
    if (!handler) return undefined;
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
