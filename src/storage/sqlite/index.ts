/** The embedded default backend: one SQLite file (or `:memory:`) behind the storage contract. */
import type { Storage } from "../types.js";
import { SqliteAssistants } from "./assistants.js";
import { SqliteCheckpointer } from "./checkpointer.js";
import { SqliteCrons } from "./crons.js";
import { GroupCommit } from "./group-commit.js";
import { openDatabase } from "./database.js";
import { SqliteRuns } from "./runs.js";
import { SqliteStore } from "./store.js";
import { SqliteThreads } from "./threads.js";

export interface SqliteStorageOptions {
  /** Store TTL from langgraph.json (`store.ttl`): default minutes for new items, refresh on read. */
  storeTtl?: { defaultMinutes?: number | null; refreshOnRead: boolean };
  /** Sync every commit to disk (power-loss durability); without it, process crashes lose nothing. */
  fsync?: boolean;
}

export function openSqliteStorage(file: string, options: SqliteStorageOptions = {}): Storage {
  const db = openDatabase(file, { fsync: options.fsync });
  // One group commit for every writer, LangGraph's checkpointer included: concurrent writes share commits.
  const group = new GroupCommit(db);
  const store = new SqliteStore(db, group, options.storeTtl);
  const checkpointer = new SqliteCheckpointer(db, group);
  const threads = new SqliteThreads(db, group);
  const assistants = new SqliteAssistants(db, group);
  return {
    assistants,
    threads,
    runs: new SqliteRuns(db, group, threads),
    checkpointer,
    store,
    crons: new SqliteCrons(db, group),
    patchCheckpointMetadata: (threadId, checkpoint, patch) =>
      checkpointer.patchMetadata(threadId, checkpoint.checkpoint_ns ?? "", checkpoint.checkpoint_id, patch),
    deleteCheckpointsAfter: (threadId, checkpointId) => checkpointer.deleteAfter(threadId, checkpointId),
    async truncate(options) {
      await threads.truncate({ threads: options.threads, runs: options.runs, checkpoints: options.checkpointer });
      if (options.assistants) await assistants.truncate();
      if (options.store) await store.truncate();
    },
    location: file,
    async close() {
      await group.drain();
      db.close();
    },
  };
}
