/**
 * Who the project's own code is running for, as the Platform globals need to know it: `getLogger()`
 * adds a run's ids to its lines, and an SDK `Client` made without `apiUrl` acts as the run's user
 * or the request's caller, on the right server.
 *
 * - Inside a run, LangGraph's own context says it: the config of the node being executed carries
 *   the run's ids and its user in `configurable` (the server sets those keys; callers cannot).
 * - Inside an `http.app` route handler, and while a server serves a request made in-process, the
 *   server enters a context of its own (`executionContext`). Only those use it: every context a
 *   process keeps costs something on every promise, and runs are the busiest code there is.
 */
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "pino";
import type { AuthContext } from "../auth/authenticate.js";

/**
 * One server as the project's code reaches it: where its log lines go, and how a request made
 * in-process is served. `dispatch` takes a path below the server's mount prefix and serves it
 * through the server's whole request pipeline as `auth` (null: the request is authenticated
 * from its own headers, like any other).
 */
export interface PlatformTarget {
  readonly logger: Logger;
  dispatch(path: string, init: RequestInit | undefined, auth: AuthContext | null): Promise<Response>;
}

/** A context a server entered; see the file comment. */
export interface ExecutionContext {
  readonly target: PlatformTarget;
  /** Who the code runs for; null: nobody (its requests are authenticated from their headers). */
  readonly auth: AuthContext | null;
  /** Set while `target` serves a request made in-process as `auth` (see http/in-process.ts). */
  readonly inProcess?: true;
}

/**
 * One store for the process, on purpose: the Platform globals are process-wide, so the one code
 * reads may have been installed by another server of the process than the one running it, and
 * must still find that server. It holds no state of its own; each context is entered (and left)
 * by the server that runs the code.
 */
export const executionContext = new AsyncLocalStorage<ExecutionContext>();

/** The server's run the calling code executes in, from LangGraph's context (see the file comment). */
export interface CurrentRun {
  runId: string;
  threadId: string;
  graphId: string;
  assistantId: string;
  /** The LangGraph node being executed. */
  node?: string;
  auth: AuthContext | null;
}

export function currentRun(): CurrentRun | undefined {
  const config = AsyncLocalStorageProviderSingleton.getRunnableConfig() as
    | { configurable?: Record<string, unknown>; metadata?: Record<string, unknown> }
    | undefined;
  const c = config?.configurable;
  if (typeof c?.run_id !== "string") return undefined;
  const user = c.langgraph_auth_user as AuthContext["user"] | undefined;
  const node = config?.metadata?.langgraph_node;
  return {
    runId: c.run_id,
    threadId: String(c.thread_id),
    graphId: String(c.graph_id),
    assistantId: String(c.assistant_id),
    ...(typeof node === "string" ? { node } : {}),
    auth: user ? { user, permissions: (c.langgraph_auth_permissions as string[] | undefined) ?? [] } : null,
  };
}
