/**
 * Does what is due, when it is due: one timer, set for the earliest due time `nextDueAt` reports
 * (capped at `maxSleepMs`, so what another server on the same database schedules is seen too), and
 * woken early with `wake()` when something may now be due sooner. Never runs `work` twice at once;
 * an error in it is logged and the timer carries on. The cron scheduler and the thread TTL sweeper
 * are DueTimers.
 */
import type { Logger } from "pino";
import { CoalescingTrigger } from "./coalescing-trigger.js";

export abstract class DueTimer {
  private timer?: NodeJS.Timeout;
  private readonly ticker = new CoalescingTrigger(() => this.tick());
  private stopped = true;

  constructor(
    protected readonly logger: Logger,
    /** Names the work in log lines. */
    private readonly name: string,
    private readonly maxSleepMs = 60_000,
  ) {}

  /** Handles everything due now. */
  protected abstract work(): Promise<void>;

  /** When the next thing is due (null: nothing is scheduled). */
  protected abstract nextDueAt(): Promise<Date | null>;

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
      await this.work();
    } catch (err) {
      this.logger.error({ err }, `${this.name} failed`);
    }
    await this.schedule();
  }

  private async schedule(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.stopped) return;
    let delay = this.maxSleepMs;
    try {
      const next = await this.nextDueAt();
      if (next) delay = Math.min(Math.max(next.getTime() - Date.now(), 0) + 5, this.maxSleepMs);
    } catch (err) {
      this.logger.error({ err }, `${this.name}: reading the next due time failed`);
    }
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }
}
