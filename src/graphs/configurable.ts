/**
 * Who owns which key of a LangGraph `configurable`. Callers (a run's `config`, an assistant's
 * config, a `checkpoint` reference) may set their own keys, but the keys that say which thread,
 * run, assistant and graph this is, and who is calling, are the server's: they are applied last
 * wherever a config is built, so a request can neither write into another thread nor pose as
 * another user to the graph.
 */

/** Keys the server sets; whatever a caller puts under these names is replaced. */
export const SERVER_CONFIGURABLE_KEYS = [
  "langgraph_auth_user",
  "langgraph_auth_user_id",
  "langgraph_auth_permissions",
  "run_id",
  "thread_id",
  "graph_id",
  "assistant_id",
] as const;

/** The parts of a checkpoint reference a caller may choose: which checkpoint, in which namespace. */
export interface CheckpointFields {
  checkpoint_id?: string;
  checkpoint_ns?: string;
  checkpoint_map?: Record<string, unknown>;
}

/** Only `checkpoint_id`, `checkpoint_ns` and `checkpoint_map` of a caller's checkpoint reference. */
export function checkpointFields(ref: Record<string, unknown> | undefined | null): CheckpointFields {
  const out: CheckpointFields = {};
  if (!ref) return out;
  if (typeof ref.checkpoint_id === "string") out.checkpoint_id = ref.checkpoint_id;
  if (typeof ref.checkpoint_ns === "string") out.checkpoint_ns = ref.checkpoint_ns;
  if (ref.checkpoint_map && typeof ref.checkpoint_map === "object" && !Array.isArray(ref.checkpoint_map)) {
    out.checkpoint_map = ref.checkpoint_map as Record<string, unknown>;
  }
  return out;
}

/** The identity the graph sees: `langgraph_auth_user*`, and `user_id` (the Platform sets it too). */
export interface ConfigIdentity {
  user: Record<string, unknown> & { identity: string };
  permissions: string[];
}

/**
 * A thread-scoped config for reading or writing state: the caller's checkpoint choice, then the
 * thread id (never the caller's).
 */
export function threadCheckpointConfig(threadId: string, ref?: Record<string, unknown> | null): { configurable: Record<string, unknown> } {
  return { configurable: { checkpoint_ns: "", ...checkpointFields(ref), thread_id: threadId } };
}

/** Sets the server's identity keys on `configurable` (after everything a caller contributed). */
export function applyIdentity(configurable: Record<string, unknown>, identity: ConfigIdentity | null | undefined): void {
  if (!identity) return;
  configurable.langgraph_auth_user = identity.user;
  configurable.langgraph_auth_user_id = identity.user.identity;
  configurable.langgraph_auth_permissions = identity.permissions;
  configurable.user_id = identity.user.identity;
}
