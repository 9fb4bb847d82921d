/**
 * Finds the user's `Auth` object (`auth.path` in langgraph.json). Recognised by shape — the
 * `~handlerCache` the SDK's `Auth` class keeps — so any copy of the SDK works.
 */
import type { ImportRef } from "../config/load.js";
import { ConfigError } from "../errors.js";
import type { ModuleLoader } from "../graphs/module-loader.js";
import { importExport } from "../graphs/registry.js";

export type AuthHandler = (args: {
  event: string;
  resource: string;
  action: string;
  value: Record<string, unknown>;
  user: AuthUser;
  permissions: string[];
}) => unknown;

/** The normalised user an `authenticate` callback produced (extra fields are kept). */
export interface AuthUser {
  identity: string;
  display_name: string;
  permissions: string[];
  is_authenticated: boolean;
  kind?: string;
  [key: string]: unknown;
}

export interface AuthModule {
  authenticate?: (request: Request) => unknown;
  handlers: Record<string, AuthHandler>;
  /** Where it came from, for log lines. */
  source: string;
}

export async function loadAuthModule(ref: ImportRef, loader: ModuleLoader): Promise<AuthModule> {
  const exported = (await importExport(ref, loader)) as { "~handlerCache"?: unknown } | null;
  const cache = exported?.["~handlerCache"] as
    | { authenticate?: AuthModule["authenticate"]; callbacks?: Record<string, AuthHandler> }
    | undefined;
  if (typeof exported !== "object" || exported === null || typeof cache !== "object" || cache === null) {
    throw new ConfigError(
      `"${ref.key}": export "${ref.exportName}" of ${ref.file} is not an Auth object (create it with new Auth() from @langchain/langgraph-sdk/auth)`,
    );
  }
  return { authenticate: cache.authenticate, handlers: { ...(cache.callbacks ?? {}) }, source: ref.spec };
}
