/**
 * Applies threads' time-to-live when it runs out (on the DueTimer, so a thread goes when it
 * expires, not at the next sweep interval): `delete` stops the thread's running runs, as a thread
 * delete does, then deletes it with its runs and checkpoints; `keep_latest` prunes its checkpoints
 * to the latest and arms the next expiry. Storage re-checks each expiry as it acts, so a TTL
 * renewed meanwhile, or another server sweeping the same database, is respected.
 */
import type { Logger } from "pino";
import { DueTimer } from "../runs/due-timer.js";
import type { Storage } from "../storage/types.js";
import type { StopThreadRuns } from "./service.js";

/** How many expired threads one look handles before looking again. */
const BATCH = 100;

export class ThreadSweeper {
  private readonly timer: DueTimer;

  constructor(
    private readonly storage: Storage,
    private readonly stopThreadRuns: StopThreadRuns,
    private readonly logger: Logger,
  ) {
    this.timer = new DueTimer({
      work: () => this.sweep(),
      nextDueAt: () => storage.threads.nextExpiry(),
      maxSleepMs: 60_000,
      name: "thread TTL sweep",
      logger,
    });
  }

  start(): void {
    this.timer.start();
  }

  stop(): void {
    this.timer.stop();
  }

  /** A thread's TTL was set: it may expire sooner than anything the timer waits for. */
  wake(): void {
    this.timer.wake();
  }

  private async sweep(): Promise<void> {
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
