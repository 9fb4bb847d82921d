/**
 * What every backend's checkpointer does beyond LangGraph's own savers: a serializer that refuses
 * state it cannot store, and the run's metadata on each checkpoint.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import { JsonPlusSerializer, type CheckpointMetadata } from "@langchain/langgraph-checkpoint";

/** Configurable keys that are LangGraph's plumbing or the caller's credentials, never metadata. */
const NOT_METADATA = /^(?:__|checkpoint_|langgraph_auth_)|^thread_ts$/;

/** What LangGraph's serializer writes, as the whole value, when JSON.stringify throws. */
const GAVE_UP_TEXT = "[unable to serialize, circular reference is too complex to analyze]";
const GAVE_UP = JSON.stringify(GAVE_UP_TEXT);

/**
 * LangGraph's serializer, except that a value it cannot serialize is an error instead of being
 * stored as a placeholder string: the placeholder would replace a whole checkpoint, so the
 * thread's state would be lost and unreadable. The run fails instead, with the reason, and the
 * thread keeps its last good checkpoint.
 */
export class StrictSerializer extends JsonPlusSerializer {
  override async dumpsTyped(value: unknown): Promise<[string, Uint8Array]> {
    const [type, bytes] = await super.dumpsTyped(value);
    if (type === "json" && bytes.length === GAVE_UP.length && value !== GAVE_UP_TEXT && new TextDecoder().decode(bytes) === GAVE_UP) {
      throw new TypeError(`The graph's state cannot be stored as JSON: ${whyNotJson(value)}`);
    }
    return [type, bytes];
  }
}

function whyNotJson(value: unknown): string {
  try {
    JSON.stringify(value);
    return "unknown reason";
  } catch (err) {
    return (err as Error)?.message ?? String(err);
  }
}

/**
 * A checkpoint's metadata with the run's: run_id, graph_id, assistant_id, the caller's run
 * metadata and scalar configurable values, as on the LangGraph platform. With `run_id` there,
 * LangGraph itself resumes a re-executed run from its last checkpoint instead of replaying its
 * input: what restart recovery relies on.
 */
export function withRunMetadata(config: RunnableConfig, metadata: CheckpointMetadata): CheckpointMetadata {
  const fromConfig: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config.configurable ?? {})) {
    if (!NOT_METADATA.test(key) && ["string", "number", "boolean"].includes(typeof value)) fromConfig[key] = value;
  }
  return { ...fromConfig, ...config.metadata, ...metadata } as CheckpointMetadata;
}
