import type { RunnableConfig } from "@langchain/core/runnables";
import { copyCheckpoint, WRITES_IDX_MAP, type Checkpoint, type CheckpointMetadata, type PendingWrite } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { StrictSerializer, withRunMetadata } from "../checkpoint-serde.js";
import type { Db } from "./database.js";
import type { GroupCommit } from "./group-commit.js";

/**
 * LangGraph's own SQLite checkpointer on our connection. Its tables are created up front because
 * thread deletes and copies work on them in the same transactions as our rows. It adds what the
 * API needs beyond LangGraph's interface: the run's metadata on each checkpoint, and editing a
 * checkpoint's metadata.
 */
export class SqliteCheckpointer extends SqliteSaver {
  constructor(
    db: Db,
    private readonly group: GroupCommit,
  ) {
    super(db, new StrictSerializer());
    this.setup();
  }

  /** Each checkpoint carries the run's metadata (see withRunMetadata). */
  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
    const threadId = config.configurable?.thread_id as string | undefined;
    if (!threadId) throw new Error(`Missing "thread_id" field in passed "config.configurable".`);
    const checkpointNs = (config.configurable?.checkpoint_ns as string | undefined) ?? "";
    // Serialised first (it is asynchronous), then written with the current group of writes.
    const [[type, serialized], [, serializedMetadata]] = await Promise.all([
      this.serde.dumpsTyped(copyCheckpoint(checkpoint)),
      this.serde.dumpsTyped(withRunMetadata(config, metadata)),
    ]);
    await this.group.write(() =>
      this.db
        .prepare(
          `INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(threadId, checkpointNs, checkpoint.id, config.configurable?.checkpoint_id ?? null, type, serialized, serializedMetadata),
    );
    return { configurable: { thread_id: threadId, checkpoint_ns: checkpointNs, checkpoint_id: checkpoint.id } };
  }

  /**
   * A task's writes, stored with the current group of writes. As in LangGraph's savers, special
   * channels (errors, interrupts, …) have fixed indexes and replace; other writes never overwrite.
   */
  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const c = config.configurable ?? {};
    if (!c.thread_id || !c.checkpoint_id) throw new Error("Missing thread_id or checkpoint_id in config.configurable.");
    const allSpecial = writes.every(([channel]) => channel in WRITES_IDX_MAP);
    const rows = await Promise.all(
      writes.map(async ([channel, value], idx) => {
        const [type, serialized] = await this.serde.dumpsTyped(value);
        return [c.thread_id, c.checkpoint_ns ?? "", c.checkpoint_id, taskId, WRITES_IDX_MAP[channel] ?? idx, channel, type, serialized];
      }),
    );
    const insert = this.db.prepare(
      `INSERT ${allSpecial ? "OR REPLACE" : "OR IGNORE"} INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    await this.group.write(() => {
      for (const row of rows) insert.run(...row);
    });
  }

  /** Deletes the thread's checkpoints newer than `checkpointId` (all when null), and their writes. */
  deleteAfter(threadId: string, checkpointId: string | null): Promise<void> {
    const after = checkpointId ?? "";
    return this.group.write(() => {
      this.db.prepare(`DELETE FROM writes WHERE thread_id = ? AND checkpoint_id > ?`).run(threadId, after);
      this.db.prepare(`DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_id > ?`).run(threadId, after);
    });
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
    await this.group.write(() =>
      this.db
        .prepare(`UPDATE checkpoints SET type = ?, metadata = ? WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?`)
        .run(type, serialized, threadId, checkpointNs, checkpointId),
    );
    return true;
  }
}
