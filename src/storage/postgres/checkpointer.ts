import type { RunnableConfig } from "@langchain/core/runnables";
import { WRITES_IDX_MAP, type ChannelVersions, type Checkpoint, type CheckpointMetadata, type PendingWrite } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { StrictSerializer, withRunMetadata } from "../checkpoint-serde.js";
import { deleteOrphanBlobs } from "./checkpoint-blobs.js";
import { CheckpointWriter } from "./checkpoint-writer.js";
import type { Database } from "./database.js";

/**
 * LangGraph's own Postgres checkpointer on our pool, plus what the API needs beyond LangGraph's
 * interface: the run's metadata on each checkpoint, editing a checkpoint's metadata, and deleting
 * what a rolled-back run wrote.
 */
export class PostgresCheckpointer extends PostgresSaver {
  /** Batches the saves of every run (see CheckpointWriter). */
  private readonly writer: CheckpointWriter;
  /** Saves from their call until they are written. */
  private readonly saving = new Set<Promise<unknown>>();

  /** Reads and writes LangGraph's tables through the background pool (see Database). */
  constructor(private readonly db: Database) {
    super(db.savePool(), new StrictSerializer());
    this.writer = new CheckpointWriter((text, values) => db.backgroundQuery(text, values));
  }

  /**
   * LangGraph's put, serialised by LangGraph's own helpers into its own tables, written with the
   * other runs' saves of the moment (see CheckpointWriter) instead of a transaction of one
   * statement per channel. Each checkpoint carries the run's metadata (see withRunMetadata).
   */
  override put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    return this.tracked(this.save(config, checkpoint, metadata, newVersions));
  }

  private async save(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    if (config.configurable === undefined) throw new Error(`Missing "configurable" field in "config" param`);
    const { thread_id: threadId, checkpoint_ns: checkpointNs = "", checkpoint_id: parentId } = config.configurable;
    const [blobs, serializedMetadata] = await Promise.all([
      this._dumpBlobs(threadId, checkpointNs, checkpoint.channel_values, newVersions),
      this._dumpMetadata(withRunMetadata(config, metadata)),
    ]);
    await this.writer.save({
      blobs,
      checkpoint: [threadId, checkpointNs, checkpoint.id, parentId ?? null, JSON.stringify(this._dumpCheckpoint(checkpoint)), JSON.stringify(serializedMetadata)],
    });
    return { configurable: { thread_id: threadId, checkpoint_ns: checkpointNs, checkpoint_id: checkpoint.id } };
  }

  /**
   * A task's writes, batched like put. As in LangGraph's saver, special channels (errors,
   * interrupts, …) have fixed indexes and replace; other writes never overwrite.
   */
  override putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    return this.tracked(this.saveWrites(config, writes, taskId));
  }

  private async saveWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const c = config.configurable ?? {};
    const rows = await this._dumpWrites(c.thread_id, c.checkpoint_ns ?? "", c.checkpoint_id, taskId, writes);
    if (rows.length === 0) return;
    await this.writer.save({ writes: rows, replace: writes.every(([channel]) => channel in WRITES_IDX_MAP) });
  }

  private tracked<T>(saving: Promise<T>): Promise<T> {
    this.saving.add(saving);
    const forget = () => this.saving.delete(saving);
    saving.then(forget, forget);
    return saving;
  }

  /**
   * Deletes the thread's checkpoints newer than `checkpointId` (all when null), their writes, and
   * the channel values no remaining checkpoint refers to. Those must go too: channel versions
   * count up per thread, so the next run would write the same (channel, version) keys, and
   * LangGraph's saver keeps an existing value rather than overwrite it.
   */
  async deleteAfter(threadId: string, checkpointId: string | null): Promise<void> {
    // A save under way (serialising, or queued for the next batch) would land after the delete
    // and bring back what it deletes.
    await Promise.allSettled(this.saving);
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
