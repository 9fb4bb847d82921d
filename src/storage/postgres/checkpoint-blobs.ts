import type { Queryable } from "./database.js";

/**
 * Deletes a thread's channel values (LangGraph's `checkpoint_blobs`) that no remaining checkpoint
 * refers to, after checkpoints were deleted (a rollback, a prune). They must go: channel versions
 * count up per thread, so later checkpoints would write the same (channel, version) keys, and
 * LangGraph's saver keeps an existing value rather than overwrite it.
 */
export async function deleteOrphanBlobs(db: Queryable, threadId: string): Promise<void> {
  await db.query(
    `DELETE FROM checkpoint_blobs b WHERE b.thread_id = $1 AND NOT EXISTS (
       SELECT 1 FROM checkpoints c, jsonb_each_text(c.checkpoint -> 'channel_versions') v
       WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns AND v.key = b.channel AND v.value = b.version)`,
    [threadId],
  );
}
