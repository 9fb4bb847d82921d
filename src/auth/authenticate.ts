/**
 * Turns an incoming request into the authenticated user by calling the user's `authenticate`
 * with a WHATWG Request, and applies the Studio rule (studio.ts): `x-auth-scheme: langsmith`
 * means the Studio user only when nobody else can be sending it.
 */
import type { Logger } from "pino";
import { AppError, BadRequest, Unauthorized } from "../errors.js";
import type { AuthModule, AuthUser } from "./load.js";
import { isStudioRequest, STUDIO_USER, type StudioPolicy } from "./studio.js";

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
  /** Node's raw header list (name, value, name, value...), to see repeated headers. */
  rawHeaders?: string[];
}

export class Authenticator {
  constructor(
    private readonly module: AuthModule | undefined,
    /** `studio`: the bypass policy, or null when it is off (serve, `disable_studio_auth`). */
    private readonly options: { studio: StudioPolicy | null; logger: Logger },
  ) {}

  get enabled(): boolean {
    return this.module !== undefined;
  }

  /** Runs on every authenticated request: written without async frames, each one a promise more. */
  authenticate(req: IncomingRequest): Promise<AuthContext | null> {
    const module = this.module;
    if (!module) return NOBODY;
    // Two Authorization headers: a proxy in front of us may have checked the other one.
    if (req.rawHeaders && countHeader(req.rawHeaders, "authorization") > 1) {
      return Promise.reject(new BadRequest("More than one Authorization header", "duplicate_authorization"));
    }
    if (isStudioRequest(this.options.studio, req.headers, req.remoteAddress)) {
      return Promise.resolve({ user: { ...STUDIO_USER, permissions: [] }, permissions: [] });
    }
    // Handlers without authenticate: nobody is identified, and (as in LangGraph) no handler runs.
    if (!module.authenticate) return NOBODY;
    let pending: unknown;
    try {
      pending = module.authenticate(toFetchRequest(req));
    } catch (err) {
      return Promise.reject(this.refusal(err));
    }
    return Promise.resolve(pending).then(
      (result) => normaliseUser(result, module.source),
      (err: unknown) => {
        throw this.refusal(err);
      },
    );
  }

  /** What a throw from authenticate becomes: its HTTPException's status and headers, else a 401. */
  private refusal(err: unknown): AppError {
    const e = err as { status?: unknown; headers?: unknown; message?: string };
    if (typeof e?.status === "number" && e.headers !== undefined && typeof e.headers === "object") {
      return new AppError(e.status, e.message || "Unauthorized", normaliseHeaders(e.headers));
    }
    this.options.logger.warn({ err, auth: this.module?.source }, "authenticate threw; answering 401");
    return new Unauthorized();
  }
}

const NOBODY: Promise<null> = Promise.resolve(null);

function normaliseUser(result: unknown, source: string): AuthContext {
  if (typeof result === "string" && result) {
    return { user: { identity: result, display_name: result, permissions: [], is_authenticated: true }, permissions: [] };
  }
  const obj = result as Record<string, unknown> | null;
  if (typeof obj === "object" && obj !== null && typeof obj.identity === "string") {
    const permissions = Array.isArray(obj.permissions) ? obj.permissions.map(String) : [];
    // The normalised fields first, then the module's own extra fields (fixed shape: this runs on
    // every request).
    const user: AuthUser = {
      identity: obj.identity,
      display_name: typeof obj.display_name === "string" ? obj.display_name : obj.identity,
      permissions,
      is_authenticated: typeof obj.is_authenticated === "boolean" ? obj.is_authenticated : true,
    };
    for (const key of Object.keys(obj)) if (!(key in user)) user[key] = obj[key];
    return { user, permissions };
  }
  // A misconfiguration, not the caller's fault: logged and answered 500 by the error mapper.
  throw new Error(
    `authenticate in ${source} returned ${JSON.stringify(result) ?? typeof result}; ` +
      `it must return a string identity or an object with a string "identity"`,
  );
}

/**
 * The WHATWG Request `authenticate` receives. Building a real Request (URL parsing, a Headers
 * copy, an AbortSignal) costs more than the rest of a cheap request, while nearly every
 * authenticate only reads `headers.get(...)`, `url` and `method`. So those are served straight
 * from Node's request, and the real Request (or Headers) is built the first time anything else is
 * used. Both are real subclasses for `instanceof`, and every other member delegates.
 */
function toFetchRequest(req: IncomingRequest): Request {
  return new LazyRequest(req) as unknown as Request;
}

class LazyHeaders {
  private built?: Headers;
  constructor(private readonly raw: IncomingRequest["headers"]) {}

  get(name: string): string | null {
    const value = this.raw[String(name).toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }

  has(name: string): boolean {
    return this.raw[String(name).toLowerCase()] !== undefined;
  }

  real(): Headers {
    this.built ??= realHeaders(this.raw);
    return this.built;
  }
}

class LazyRequest {
  private built?: Request;
  private lazyHeaders?: LazyHeaders;
  constructor(private readonly req: IncomingRequest) {}

  get url(): string {
    return this.req.url;
  }

  get method(): string {
    return this.req.method;
  }

  get headers(): Headers {
    this.lazyHeaders ??= new LazyHeaders(this.req.headers);
    return this.lazyHeaders as unknown as Headers;
  }

  real(): Request {
    this.built ??= new Request(this.req.url, { method: this.req.method, headers: realHeaders(this.req.headers) });
    return this.built;
  }
}

/** Makes `lazy` an instance of `base`'s class whose members it does not define delegate to `real()`. */
function delegateRest(lazy: { prototype: object }, base: object): void {
  for (const key of Reflect.ownKeys(base)) {
    if (key === "constructor" || Object.prototype.hasOwnProperty.call(lazy.prototype, key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(base, key)!;
    if (typeof descriptor.value === "function") {
      Object.defineProperty(lazy.prototype, key, {
        value(this: { real(): Record<PropertyKey, (...args: unknown[]) => unknown> }, ...args: unknown[]) {
          const real = this.real();
          return real[key]!.apply(real, args);
        },
        writable: true,
        configurable: true,
      });
    } else if (descriptor.get) {
      Object.defineProperty(lazy.prototype, key, {
        get(this: { real(): Record<PropertyKey, unknown> }) {
          return this.real()[key];
        },
        configurable: true,
      });
    }
  }
  Object.setPrototypeOf(lazy.prototype, base);
}
delegateRest(LazyHeaders, Headers.prototype);
delegateRest(LazyRequest, Request.prototype);

function realHeaders(raw: IncomingRequest["headers"]): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, v);
      } catch {
        // A header value fetch refuses (non-Latin-1) is dropped; authenticate then sees it missing.
      }
    }
  }
  return headers;
}

function normaliseHeaders(headers: unknown): Record<string, string> {
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) out[k] = String(v);
  return out;
}

function countHeader(rawHeaders: string[], name: string): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.length === name.length && rawHeaders[i]!.toLowerCase() === name) n++;
  return n;
}
