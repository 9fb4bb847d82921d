import type { RunnableConfig } from "@langchain/core/runnables";
import { JsonPlusSerializer, type Checkpoint, type CheckpointMetadata } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type { Db } from "./database.js";

/** Configurable keys that are LangGraph's plumbing or the caller's credentials, never metadata. */
const NOT_METADATA = /^(?:__|checkpoint_|langgraph_auth_)|^thread_ts$/;

/** What LangGraph's serializer writes, as the whole value, when JSON.stringify throws. */
const GAVE_UP = JSON.stringify("[unable to serialize, circular reference is too complex to analyze]");

/**
 * LangGraph's serializer, except that a value it cannot serialize is an error instead of being
 * stored as a placeholder string: the placeholder would replace a whole checkpoint, so the
 * thread's state would be lost and unreadable. The run fails instead, with the reason, and the
 * thread keeps its last good checkpoint.
 */
class StrictSerializer extends JsonPlusSerializer {
  override async dumpsTyped(value: unknown): Promise<[string, Uint8Array]> {
    const [type, bytes] = await super.dumpsTyped(value);
    if (type === "json" && bytes.length === GAVE_UP.length && new TextDecoder().decode(bytes) === GAVE_UP && JSON.stringify(value) !== GAVE_UP) {
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
 * LangGraph's own SQLite checkpointer on our connection. Its tables are created up front because
 * thread deletes and copies work on them in the same transactions as our rows. It adds what the
 * API needs beyond LangGraph's interface: the run's metadata on each checkpoint, and editing a
 * checkpoint's metadata.
 */
export class SqliteCheckpointer extends SqliteSaver {
  constructor(db: Db) {
    super(db, new StrictSerializer());
    this.setup();
  }

  /**
   * Each checkpoint carries the run's metadata (run_id, graph_id, assistant_id, the caller's run
   * metadata, scalar configurable values) as on the LangGraph platform. With `run_id` there,
   * LangGraph itself resumes a re-executed run from its last checkpoint instead of replaying its
   * input: what restart recovery relies on.
   */
  override put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
    const fromConfig: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config.configurable ?? {})) {
      if (!NOT_METADATA.test(key) && ["string", "number", "boolean"].includes(typeof value)) fromConfig[key] = value;
    }
    return super.put(config, checkpoint, { ...fromConfig, ...config.metadata, ...metadata } as CheckpointMetadata);
  }

  /** Deletes the thread's checkpoints newer than `checkpointId` (all when null), and their writes. */
  deleteAfter(threadId: string, checkpointId: string | null): void {
    const after = checkpointId ?? "";
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM writes WHERE thread_id = ? AND checkpoint_id > ?`).run(threadId, after);
      this.db.prepare(`DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_id > ?`).run(threadId, after);
    })();
  }

  /** Merges `patch` into one checkpoint's metadata; false if there is no such checkpoint. */
  async patchMetadata(threadId: string, checkpointNs: string, checkpointId: string, patch: Record<string, unknown>): Promise<boolean> {
    const row = this.db
      .prepare<[string, string, string], { type: string; metadata: Uint8Array }>(
        `SELECT type, metadata FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?`,
      )
      .get(threadId, checkpointNs, checkpointId);
    if (!row) return false;
    const current = (await this.serde.loadsTyped(row.type, row.metadata)) as Record<string, unknown>;
    const [type, serialized] = await this.serde.dumpsTyped({ ...current, ...patch });
    this.db
      .prepare(`UPDATE checkpoints SET type = ?, metadata = ? WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?`)
      .run(type, serialized, threadId, checkpointNs, checkpointId);
    return true;
  }
}
