/**
 * The globals LangGraph Platform sets for a project's code, set here by the server that loads it:
 *
 * - `Symbol.for("langgraph.api.sdk-logger")`, what `getLogger()` from
 *   `@langchain/langgraph-sdk/logging` returns (it throws when missing, at import time for most
 *   graphs): the server's pino logger, whose lines inside a run carry the run's ids.
 * - `Symbol.for("langgraph_api:fetch")` and `Symbol.for("langgraph_api:url")`, which the SDK's
 *   `Client` reads when it is made without `apiUrl`: its requests are served in-process by the
 *   server the code runs on, through the whole request pipeline. The fetch is bound when the
 *   Client is made (see execution-context.ts): one made inside a run acts as the run's user, one
 *   made inside an `http.app` route handler as the request's caller, and one made anywhere else
 *   (module scope) carries no identity, so its requests are authenticated from their own headers
 *   like anyone's. Binding at construction, not per request, matters: the SDK queues requests,
 *   and a queued request starts from whichever request finished before it, in that one's context.
 *
 * Several servers in one process (tests, a reload): the most recently started one owns the
 * globals. Closing a server removes only what it still owns, and hands it back to the server it
 * took it from when that one is still running. A run always logs to, and reaches, its own server.
 */
import type { Logger } from "pino";
import type { AuthContext } from "../auth/authenticate.js";
import { currentRun, executionContext, type CurrentRun, type PlatformTarget } from "./execution-context.js";
import { createSdkLogger, type SdkLogger } from "./sdk-logger.js";

const LOGGER = Symbol.for("langgraph.api.sdk-logger");
const FETCH = Symbol.for("langgraph_api:fetch");
const URL_KEY = Symbol.for("langgraph_api:url");
/** Tags what a server installed, so whoever finds it later can tell whose it is. */
const OWNER = Symbol.for("agent-server.platform-globals.owner");

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
type Dispatch = PlatformTarget["dispatch"];
type Global = Record<symbol, unknown>;

export class PlatformGlobals implements PlatformTarget {
  private dispatcher?: Dispatch;
  private executes: (runId: string) => boolean = () => false;
  private released = false;
  /** What each global was before this server set it (undefined: it did not exist). */
  private readonly replaced = new Map<symbol, PropertyDescriptor | undefined>();
  private readonly installed = new Map<symbol, PropertyDescriptor>();

  /** `url` is the API's base URL as far as it is known before listening (the port may be 0). */
  constructor(
    readonly logger: Logger,
    private url: string,
  ) {}

  /** Sets the globals; before the project's modules are imported, which may read them at once. */
  install(): void {
    const sdkLogger: SdkLogger = createSdkLogger(() => {
      const { target, run } = this.caller();
      if (!run) return { logger: target.logger };
      const { auth: _auth, ...fields } = run;
      return { logger: target.logger, fields };
    });
    const fetchGetter = () => {
      const { target, auth } = this.caller();
      return bindFetch(target, auth, basePath((globalThis as Global)[URL_KEY]));
    };
    const urlGetter = () => this.url;
    this.set(LOGGER, { value: sdkLogger, writable: true }, sdkLogger);
    this.set(FETCH, { get: fetchGetter }, fetchGetter);
    this.set(URL_KEY, { get: urlGetter }, urlGetter);
  }

  /** The server listens: its real URL, how to serve an in-process request, which runs it executes. */
  ready(url: string, dispatch: Dispatch, executes: (runId: string) => boolean): void {
    this.url = url;
    this.dispatcher = dispatch;
    this.executes = executes;
  }

  dispatch(path: string, init: RequestInit | undefined, auth: AuthContext | null): Promise<Response> {
    if (this.released) return Promise.reject(new Error("agent-server: this server has stopped; the in-process client can no longer reach it"));
    if (!this.dispatcher) {
      return Promise.reject(new Error("agent-server: the in-process client is available once the server has started, not while the project is being loaded"));
    }
    return this.dispatcher(path, init, auth);
  }

  /** Runs `fn` (an `http.app` route handler) for `auth` on this server; see execution-context.ts. */
  runAs<T>(auth: AuthContext | null, fn: () => T): T {
    return executionContext.run({ target: this, auth }, fn);
  }

  /** Where the calling code runs, and for whom: its run's server and user, or a server's context. */
  private caller(): { target: PlatformTarget; auth: AuthContext | null; run?: CurrentRun } {
    const run = currentRun();
    const server = run && this.serverExecuting(run.runId);
    if (run && server) return { target: server, auth: run.auth, run };
    const context = executionContext.getStore();
    return { target: context?.target ?? this, auth: context?.auth ?? null };
  }

  /**
   * The running server (this one, or one it took the globals from, and so on: that chain holds
   * every server of the process still running) that executes `runId`.
   */
  private serverExecuting(runId: string): PlatformGlobals | undefined {
    for (let server: PlatformGlobals | undefined = this; server; server = ownerOf(server.replaced.get(FETCH))) {
      if (!server.released && server.executes(runId)) return server;
    }
    return undefined;
  }

  /** Removes what this server still owns; see the file comment. Safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const global = globalThis as Global;
    for (const [key, mine] of this.installed) {
      const current = Object.getOwnPropertyDescriptor(global, key);
      if (!current || (current.get ?? current.value) !== (mine.get ?? mine.value)) continue;
      const previous = PlatformGlobals.live(key, this.replaced.get(key));
      if (previous) Object.defineProperty(global, key, previous);
      else delete global[key];
    }
  }

  /** `descriptor`, or what its server had replaced when that server has stopped, and so on. */
  private static live(key: symbol, descriptor: PropertyDescriptor | undefined): PropertyDescriptor | undefined {
    let current = descriptor;
    for (let owner = ownerOf(current); owner?.released; owner = ownerOf(current)) current = owner.replaced.get(key);
    return current;
  }

  private set(key: symbol, descriptor: PropertyDescriptor, tagged: object): void {
    Object.defineProperty(tagged, OWNER, { value: this });
    const full = { ...descriptor, configurable: true, enumerable: false };
    this.replaced.set(key, PlatformGlobals.live(key, Object.getOwnPropertyDescriptor(globalThis, key)));
    this.installed.set(key, full);
    Object.defineProperty(globalThis, key, full);
  }
}

/** The server that installed `descriptor`, when one did. */
function ownerOf(descriptor: PropertyDescriptor | undefined): PlatformGlobals | undefined {
  return ((descriptor?.get ?? descriptor?.value) as Record<symbol, unknown> | undefined)?.[OWNER] as PlatformGlobals | undefined;
}

/** The path part of the API URL the SDK joins request paths to (the mount prefix). */
function basePath(url: unknown): string {
  try {
    return new URL(String(url)).pathname.replace(/\/$/, "");
  } catch {
    return "";
  }
}

/**
 * A fetch for the SDK that serves every request on `target` as `auth`. The SDK joins request
 * paths to the URL global, which may be another server's (whose mount prefix is dropped here).
 */
function bindFetch(target: PlatformTarget, auth: AuthContext | null, prefix: string): Fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const path = prefix && url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    if (input instanceof Request) {
      const body = input.method === "GET" || input.method === "HEAD" ? undefined : await input.arrayBuffer();
      init = { method: input.method, headers: input.headers, body, signal: input.signal, ...init };
    }
    return target.dispatch(`${path}${url.search}`, init, auth);
  };
}
