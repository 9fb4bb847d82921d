/**
 * Turns an incoming request into the authenticated user by calling the user's `authenticate`
 * with a WHATWG Request, and applies the Studio rule: `x-auth-scheme: langsmith` means the Studio
 * user only for loopback peers and only while `disable_studio_auth` is off.
 */
import type { Logger } from "pino";
import { AppError, Unauthorized } from "../errors.js";
import type { AuthModule, AuthUser } from "./load.js";

/** Who is calling: the user and the scopes handlers see. `null` when no auth module is set. */
export interface AuthContext {
  user: AuthUser;
  permissions: string[];
}

export interface IncomingRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string | undefined;
}

export const STUDIO_USER: AuthUser = Object.freeze({
  kind: "StudioUser",
  identity: "langgraph-studio-user",
  display_name: "langgraph-studio-user",
  permissions: [],
  is_authenticated: true,
});

export class Authenticator {
  constructor(
    private readonly module: AuthModule | undefined,
    private readonly options: { disableStudioAuth: boolean; logger: Logger },
  ) {}

  get enabled(): boolean {
    return this.module !== undefined;
  }

  async authenticate(req: IncomingRequest): Promise<AuthContext | null> {
    if (!this.module) return null;
    if (
      !this.options.disableStudioAuth &&
      headerValue(req.headers["x-auth-scheme"]) === "langsmith" &&
      isLoopback(req.remoteAddress)
    ) {
      return { user: { ...STUDIO_USER, permissions: [] }, permissions: [] };
    }
    // Handlers without authenticate: nobody is identified, and (as in LangGraph) no handler runs.
    if (!this.module.authenticate) return null;
    let result: unknown;
    try {
      result = await this.module.authenticate(toFetchRequest(req));
    } catch (err) {
      const e = err as { status?: unknown; headers?: unknown; message?: string };
      if (typeof e?.status === "number" && e.headers !== undefined && typeof e.headers === "object") {
        throw new AppError(e.status, e.message || "Unauthorized", normaliseHeaders(e.headers));
      }
      this.options.logger.warn({ err, auth: this.module.source }, "authenticate threw; answering 401");
      throw new Unauthorized();
    }
    return normaliseUser(result, this.module.source);
  }
}

function normaliseUser(result: unknown, source: string): AuthContext {
  if (typeof result === "string" && result) {
    return { user: { identity: result, display_name: result, permissions: [], is_authenticated: true }, permissions: [] };
  }
  const obj = result as Record<string, unknown> | null;
  if (typeof obj === "object" && obj !== null && typeof obj.identity === "string") {
    const permissions = Array.isArray(obj.permissions) ? obj.permissions.map(String) : [];
    const user: AuthUser = {
      ...obj,
      identity: obj.identity,
      permissions,
      is_authenticated: typeof obj.is_authenticated === "boolean" ? obj.is_authenticated : true,
      display_name: typeof obj.display_name === "string" ? obj.display_name : obj.identity,
    };
    return { user, permissions };
  }
  // A misconfiguration, not the caller's fault: logged and answered 500 by the error mapper.
  throw new Error(
    `authenticate in ${source} returned ${JSON.stringify(result) ?? typeof result}; ` +
      `it must return a string identity or an object with a string "identity"`,
  );
}

function toFetchRequest(req: IncomingRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, v);
      } catch {
        // A header value fetch refuses (non-Latin-1) is dropped; authenticate then sees it missing.
      }
    }
  }
  return new Request(req.url, { method: req.method, headers });
}

function normaliseHeaders(headers: unknown): Record<string, string> {
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) out[k] = String(v);
  return out;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
