/**
 * Applies threads' time-to-live when it runs out. A DueTimer: a thread goes when it expires, not
 * at the next sweep interval, and wake() is called when a TTL is set. `delete` stops the thread's
 * running runs, as a thread delete does, then deletes it with its runs and checkpoints;
 * `keep_latest` prunes its checkpoints to the latest and arms the next expiry. Storage re-checks
 * each expiry as it acts, so a TTL renewed meanwhile, or another server sweeping the same
 * database, is respected.
 */
import type { Logger } from "pino";
import { DueTimer } from "../runs/due-timer.js";
import type { Storage } from "../storage/types.js";
import type { StopThreadRuns } from "./service.js";

/** How many expired threads one look handles before looking again. */
const BATCH = 100;

export class ThreadSweeper extends DueTimer {
  constructor(
    private readonly storage: Storage,
    private readonly stopThreadRuns: StopThreadRuns,
    logger: Logger,
  ) {
    super(logger, "thread TTL sweep");
  }

  protected nextDueAt(): Promise<Date | null> {
    return this.storage.threads.nextExpiry();
  }

  protected async work(): Promise<void> {
    const now = new Date();
    for (;;) {
      const batch = await this.storage.threads.expired(now, BATCH);
      let acted = 0;
      for (const { thread_id: threadId, strategy } of batch) {
        if (strategy === "delete") await this.stopThreadRuns(threadId);
        const done = await this.storage.threads.sweep(threadId, now);
        if (done) {
          acted++;
          this.logger.debug({ threadId }, `thread TTL: ${done}`);
        }
      }
      if (batch.length < BATCH || acted === 0) return;
    }
  }
}
