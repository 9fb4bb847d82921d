/**
 * The `debug` and `checkpoints` stream events in the Platform's shape. LangGraph's checkpoint
 * payload gains `checkpoint` and `parent_checkpoint` (`{thread_id, checkpoint_ns, checkpoint_id,
 * checkpoint_map}`: what clients pass back to fork or resume from a streamed step), its
 * `parentConfig` is `parent_config`, a pending subgraph task's config is that task's
 * `checkpoint`, and the configs lose what is not the client's to see: LangGraph's internal (`__`)
 * keys, callbacks and the authenticated user.
 */
import { checkpointOf, taskCheckpointOf } from "../threads/state.js";

type Config = { configurable?: Record<string, unknown> } & Record<string, unknown>;

interface CheckpointPayload {
  config?: Config;
  parentConfig?: Config;
  parent_config?: Config;
  tasks?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/** Keys of `configurable` that stay on the server: the user may carry secrets (see DESIGN.md). */
const PRIVATE_KEYS = new Set(["langgraph_auth_user", "langgraph_auth_user_id", "langgraph_auth_permissions"]);

/** A `debug` chunk (`{type, timestamp, step, payload}`): checkpoint payloads are reshaped. */
export function debugEventData(data: unknown): unknown {
  const chunk = data as { type?: string; payload?: CheckpointPayload } | null;
  if (chunk?.type !== "checkpoint" || !chunk.payload) return data;
  return { ...chunk, payload: checkpointEventData(chunk.payload) };
}

/** A checkpoint payload (the `checkpoints` mode's data, a `debug` checkpoint's payload). */
export function checkpointEventData(data: unknown): unknown {
  const { parentConfig, parent_config, ...payload } = (data ?? {}) as CheckpointPayload;
  const parent = parent_config ?? parentConfig;
  return {
    ...payload,
    config: clientConfig(payload.config),
    parent_config: clientConfig(parent) ?? null,
    checkpoint: checkpointOf(payload.config),
    parent_checkpoint: checkpointOf(parent),
    ...(Array.isArray(payload.tasks) ? { tasks: payload.tasks.map(clientTask) } : {}),
  };
}

function clientTask(task: Record<string, unknown>): Record<string, unknown> {
  const checkpoint = taskCheckpointOf(task.state);
  if (!checkpoint) return task;
  const { state: _state, ...rest } = task;
  return { ...rest, checkpoint };
}

function clientConfig(config: Config | undefined): Config | undefined {
  if (!config) return undefined;
  const { callbacks: _callbacks, configurable, ...rest } = config;
  if (!configurable) return rest;
  return { ...rest, configurable: Object.fromEntries(Object.entries(configurable).filter(([k]) => !k.startsWith("__") && !PRIVATE_KEYS.has(k))) };
}
