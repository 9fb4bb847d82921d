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
  return {
    assistants: new SqliteAssistants(db),
    threads,
    runs: new SqliteRuns(db, threads),
    checkpointer,
    location: file,
    async close() {
      db.close();
    },
  };
}
