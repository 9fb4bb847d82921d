import { Conflict } from "../../errors.js";
import type { IfExists, Metadata, MetadataFilter, Thread, ThreadRepository, ThreadStatus } from "../types.js";
import type { Db } from "./database.js";
import { fromJson, toJson } from "./json-columns.js";
import { metadataFilterSql } from "./metadata-filter.js";

export interface ThreadRow {
  thread_id: string;
  created_at: string;
  updated_at: string;
  metadata: string;
  status: ThreadStatus;
  config: string;
  state_values: string | null;
  interrupts: string | null;
}

export function toThread(row: ThreadRow): Thread {
  const thread: Thread = {
    thread_id: row.thread_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    metadata: fromJson(row.metadata),
    status: row.status,
    config: fromJson(row.config),
  };
  // As the reference shows them: values and interrupts appear once a run has finished.
  if (row.state_values != null) thread.values = fromJson(row.state_values);
  if (row.interrupts != null) thread.interrupts = fromJson(row.interrupts);
  return thread;
}

export class SqliteThreads implements ThreadRepository {
  private readonly insert;
  private readonly byId;
  private readonly updateState;
  private readonly remove;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO threads (thread_id, created_at, updated_at, metadata, status, config)
       VALUES (?, ?, ?, ?, 'idle', '{}') ON CONFLICT(thread_id) DO NOTHING`,
    );
    this.byId = db.prepare<[string], ThreadRow>(`SELECT * FROM threads WHERE thread_id = ?`);
    this.updateState = db.prepare(
      `UPDATE threads SET status = ?, state_values = ?, interrupts = ?, updated_at = ? WHERE thread_id = ?`,
    );
    this.remove = db.prepare(`DELETE FROM threads WHERE thread_id = ?`);
  }

  /** Synchronous core, shared with the run repository's transaction. */
  createSync(thread: { thread_id: string; metadata: Metadata }, now: string): boolean {
    return this.insert.run(thread.thread_id, now, now, toJson(thread.metadata)).changes > 0;
  }

  getSync(threadId: string): Thread | null {
    const row = this.byId.get(threadId);
    return row ? toThread(row) : null;
  }

  async create(
    thread: { thread_id: string; metadata: Metadata },
    ifExists: IfExists,
    filter?: MetadataFilter,
  ): Promise<{ thread: Thread; created: boolean }> {
    const created = this.createSync(thread, new Date().toISOString());
    if (!created) {
      const existing = await this.get(thread.thread_id, filter);
      // An existing thread the caller may not see is reported as a conflict, never shown.
      if (ifExists === "raise" || !existing) throw new Conflict("Thread already exists");
      return { thread: existing, created: false };
    }
    return { thread: this.getSync(thread.thread_id)!, created: true };
  }

  async get(threadId: string, filter?: MetadataFilter): Promise<Thread | null> {
    if (!filter || Object.keys(filter).length === 0) return this.getSync(threadId);
    const cond = metadataFilterSql("metadata", filter);
    const row = this.db
      .prepare<unknown[], ThreadRow>(`SELECT * FROM threads WHERE thread_id = ? AND ${cond.sql}`)
      .get(threadId, ...cond.params);
    return row ? toThread(row) : null;
  }

  async setState(
    threadId: string,
    update: { status: ThreadStatus; values?: unknown; interrupts?: Record<string, unknown[]> },
  ): Promise<void> {
    this.updateState.run(
      update.status,
      update.values === undefined ? null : toJson(update.values),
      update.interrupts === undefined ? null : toJson(update.interrupts),
      new Date().toISOString(),
      threadId,
    );
  }

  async delete(threadId: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare(`DELETE FROM runs WHERE thread_id = ?`).run(threadId);
      this.db.prepare(`DELETE FROM checkpoints WHERE thread_id = ?`).run(threadId);
      this.db.prepare(`DELETE FROM writes WHERE thread_id = ?`).run(threadId);
      return this.remove.run(threadId).changes > 0;
    })();
  }
}
