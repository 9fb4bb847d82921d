import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type { Db } from "./database.js";

/**
 * LangGraph's own SQLite checkpointer on our connection. Its tables are created up front because
 * thread deletes and copies work on them in the same transactions as our rows.
 */
export class SqliteCheckpointer extends SqliteSaver {
  constructor(db: Db) {
    super(db);
    this.setup();
  }
}
