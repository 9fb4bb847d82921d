/** The embedded default backend: one SQLite file (or `:memory:`) behind the storage contract. */
import type { Storage } from "../types.js";
import { SqliteAssistants } from "./assistants.js";
import { SqliteCheckpointer } from "./checkpointer.js";
import { openDatabase } from "./database.js";
import { SqliteRuns } from "./runs.js";
import { SqliteThreads } from "./threads.js";

export function openSqliteStorage(file: string): Storage {
  const db = openDatabase(file);
  const checkpointer = new SqliteCheckpointer(db);
  const threads = new SqliteThreads(db);
  const assistants = new SqliteAssistants(db);
  return {
    assistants,
    threads,
    runs: new SqliteRuns(db, threads),
    checkpointer,
    patchCheckpointMetadata: (threadId, checkpoint, patch) =>
      checkpointer.patchMetadata(threadId, checkpoint.checkpoint_ns ?? "", checkpoint.checkpoint_id, patch),
    async deleteCheckpointsAfter(threadId, checkpointId) {
      checkpointer.deleteAfter(threadId, checkpointId);
    },
    async truncate(options) {
      await threads.truncate({ threads: options.threads, runs: options.runs, checkpoints: options.checkpointer });
      if (options.assistants) await assistants.truncate();
    },
    location: file,
    async close() {
      db.close();
    },
  };
}
