/**
 * Group commit: writes that arrive in the same turn of the event loop share one SQLite
 * transaction. Every commit appends its changed pages to the WAL, and concurrent writes touch
 * the same index pages, so one commit for many writes costs little more than one for a single
 * write. Each write still runs alone and in order, in its own savepoint (a write that throws is
 * rolled back by itself, the others go on), and its promise settles only after the COMMIT: an
 * acknowledged write is a committed write, exactly as with a transaction per write.
 */
import type { Db } from "./database.js";

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly db: Db) {}

  /** Runs `work` (synchronous) in the next group transaction; resolves once it is committed. */
  write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves once every write queued so far has been committed (or failed). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) await new Promise((r) => setImmediate(r));
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }> = [];
    try {
      this.db
        .transaction(() => {
          for (const op of batch) {
            try {
              // Nested in the group's transaction, better-sqlite3 makes this a savepoint.
              outcomes.push({ ok: true, value: this.db.transaction(op.work)() });
            } catch (err) {
              outcomes.push({ ok: false, err });
            }
          }
        })
        .immediate();
    } catch (err) {
      for (const op of batch) op.reject(err); // the commit itself failed: nothing was written
      return;
    }
    batch.forEach((op, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) op.resolve(outcome.value);
      else op.reject(outcome.err);
    });
  }
}
