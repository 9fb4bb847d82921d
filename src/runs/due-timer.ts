/**
 * Does what is due, when it is due: one timer, set for the earliest due time `nextDueAt` reports
 * (capped at `maxSleepMs`, so what another server on the same database schedules is seen too), and
 * woken early with `wake()` when something may now be due sooner. Never runs `work` twice at once.
 * The cron scheduler and the thread TTL sweeper run on it.
 */
import type { Logger } from "pino";
import { CoalescingTrigger } from "./coalescing-trigger.js";

/** What a DueTimer does and how it learns when to do it next. */
export interface DueWork {
  /** Handles everything due now. An error is logged; the timer carries on. */
  work(): Promise<void>;
  /** When the next thing is due (null: nothing is scheduled). */
  nextDueAt(): Promise<Date | null>;
  /** Longest sleep between two looks. */
  maxSleepMs: number;
  /** Names the work in log lines. */
  name: string;
  logger: Logger;
}

export class DueTimer {
  private timer?: NodeJS.Timeout;
  private readonly ticker = new CoalescingTrigger(() => this.tick());
  private stopped = true;

  constructor(private readonly due: DueWork) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  wake(): void {
    if (!this.stopped) this.ticker.trigger();
  }

  private async tick(): Promise<void> {
    try {
      await this.due.work();
    } catch (err) {
      this.due.logger.error({ err }, `${this.due.name} failed`);
    }
    await this.schedule();
  }

  private async schedule(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.stopped) return;
    let delay = this.due.maxSleepMs;
    try {
      const next = await this.due.nextDueAt();
      if (next) delay = Math.min(Math.max(next.getTime() - Date.now(), 0) + 5, this.due.maxSleepMs);
    } catch (err) {
      this.due.logger.error({ err }, `${this.due.name}: reading the next due time failed`);
    }
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }
}
