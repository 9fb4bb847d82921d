import type { RunnableConfig } from "@langchain/core/runnables";
import type { Checkpoint, CheckpointMetadata } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type { Db } from "./database.js";

/** Configurable keys that are LangGraph's plumbing or the caller's credentials, never metadata. */
const NOT_METADATA = /^(?:__|checkpoint_|langgraph_auth_)|^thread_ts$/;

/**
 * LangGraph's own SQLite checkpointer on our connection. Its tables are created up front because
 * thread deletes and copies work on them in the same transactions as our rows. It adds what the
 * API needs beyond LangGraph's interface: the run's metadata on each checkpoint, and editing a
 * checkpoint's metadata.
 */
export class SqliteCheckpointer extends SqliteSaver {
  constructor(db: Db) {
    super(db);
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
