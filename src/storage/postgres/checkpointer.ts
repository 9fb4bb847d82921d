import type { RunnableConfig } from "@langchain/core/runnables";
import { WRITES_IDX_MAP, type ChannelVersions, type Checkpoint, type CheckpointMetadata, type PendingWrite } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { StrictSerializer, withRunMetadata } from "../checkpoint-serde.js";
import { deleteOrphanBlobs } from "./checkpoint-blobs.js";
import type { Database } from "./database.js";

/**
 * LangGraph's own Postgres checkpointer on our pool, plus what the API needs beyond LangGraph's
 * interface: the run's metadata on each checkpoint, editing a checkpoint's metadata, and deleting
 * what a rolled-back run wrote.
 */
export class PostgresCheckpointer extends PostgresSaver {
  /** Reads and writes LangGraph's tables through the background pool (see Database). */
  constructor(private readonly db: Database) {
    super(db.savePool(), new StrictSerializer());
  }

  /**
   * LangGraph's put, serialised by LangGraph's own helpers into its own tables, in one statement
   * instead of a transaction of one statement per channel (a round trip each). Each checkpoint
   * carries the run's metadata (see withRunMetadata).
   */
  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    if (config.configurable === undefined) throw new Error(`Missing "configurable" field in "config" param`);
    const { thread_id: threadId, checkpoint_ns: checkpointNs = "", checkpoint_id: parentId } = config.configurable;
    const [blobs, serializedMetadata] = await Promise.all([
      this._dumpBlobs(threadId, checkpointNs, checkpoint.channel_values, newVersions),
      this._dumpMetadata(withRunMetadata(config, metadata)),
    ]);
    await this.db.backgroundQuery(
      `WITH blobs AS (
         INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
         SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::bytea[])
         ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING)
       INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
       VALUES ($1, $2, $7, $8, $9, $10)
       ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`,
      [
        threadId,
        checkpointNs,
        blobs.map((b) => b[2]),
        blobs.map((b) => b[3]),
        blobs.map((b) => b[4]),
        blobs.map((b) => b[5] ?? null),
        checkpoint.id,
        parentId ?? null,
        JSON.stringify(this._dumpCheckpoint(checkpoint)),
        JSON.stringify(serializedMetadata),
      ],
    );
    return { configurable: { thread_id: threadId, checkpoint_ns: checkpointNs, checkpoint_id: checkpoint.id } };
  }

  /**
   * A task's writes in one statement. As in LangGraph's saver, special channels (errors,
   * interrupts, …) have fixed indexes and replace; other writes never overwrite.
   */
  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const c = config.configurable ?? {};
    const rows = await this._dumpWrites(c.thread_id, c.checkpoint_ns, c.checkpoint_id, taskId, writes);
    if (rows.length === 0) return;
    const replace = writes.every(([channel]) => channel in WRITES_IDX_MAP);
    await this.db.backgroundQuery(
      `INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
       SELECT $1, $2, $3, $4, * FROM unnest($5::int[], $6::text[], $7::text[], $8::bytea[])
       ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO ${
         replace ? "UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob" : "NOTHING"
       }`,
      [c.thread_id, c.checkpoint_ns ?? "", c.checkpoint_id, taskId, rows.map((r) => r[4]), rows.map((r) => r[5]), rows.map((r) => r[6]), rows.map((r) => r[7])],
    );
  }

  /**
   * Deletes the thread's checkpoints newer than `checkpointId` (all when null), their writes, and
   * the channel values no remaining checkpoint refers to. Those must go too: channel versions
   * count up per thread, so the next run would write the same (channel, version) keys, and
   * LangGraph's saver keeps an existing value rather than overwrite it.
   */
  async deleteAfter(threadId: string, checkpointId: string | null): Promise<void> {
    const after = checkpointId ?? "";
    await this.db.transaction(async (db) => {
      await db.query(`DELETE FROM checkpoint_writes WHERE thread_id = $1 AND checkpoint_id > $2`, [threadId, after]);
      await db.query(`DELETE FROM checkpoints WHERE thread_id = $1 AND checkpoint_id > $2`, [threadId, after]);
      await deleteOrphanBlobs(db, threadId);
    });
  }

  /** Merges `patch` into one checkpoint's metadata; false if there is no such checkpoint. */
  async patchMetadata(threadId: string, checkpointNs: string, checkpointId: string, patch: Record<string, unknown>): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE checkpoints SET metadata = metadata || $4::jsonb WHERE thread_id = $1 AND checkpoint_ns = $2 AND checkpoint_id = $3`,
      [threadId, checkpointNs, checkpointId, JSON.stringify(patch)],
    );
    return (rowCount ?? 0) > 0;
  }
}
