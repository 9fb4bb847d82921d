/**
 * Fires due cron slots. One timer, set for the earliest `next_run_date` (capped, and woken on
 * every cron change). Each slot is claimed by moving the cron to its next slot with a
 * compare-and-set, so a slot fires at most once even with several servers on one database.
 * After downtime a cron fires once for the slot it missed and moves on to the next future slot:
 * missed slots never pile up.
 */
import type { Logger } from "pino";
import { CoalescingTrigger } from "../runs/coalescing-trigger.js";
import type { Storage } from "../storage/types.js";
import { nextSlot } from "./schedule.js";
import type { CronService } from "./service.js";

const MAX_SLEEP_MS = 60_000;

export class CronScheduler {
  private timer?: NodeJS.Timeout;
  private readonly ticker = new CoalescingTrigger(() => this.tick());
  private stopped = true;

  constructor(
    private readonly storage: Storage,
    private readonly crons: () => CronService,
    private readonly logger: Logger,
  ) {}

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
      const now = new Date();
      for (const cron of await this.storage.crons.due(now)) {
        const next = nextSlot(cron.schedule, cron.timezone, now, cron.end_time);
        if (!(await this.storage.crons.advance(cron.cron_id, cron.next_run_date!, next))) continue;
        try {
          await this.crons().fire(cron);
        } catch (err) {
          this.logger.warn({ err, cronId: cron.cron_id }, "a scheduled run could not be created");
        }
      }
    } catch (err) {
      this.logger.error({ err }, "cron scheduler tick failed");
    }
    await this.schedule();
  }

  private async schedule(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.stopped) return;
    let delay = MAX_SLEEP_MS;
    try {
      const due = await this.storage.crons.nextDueAt();
      if (due) delay = Math.min(Math.max(due.getTime() - Date.now(), 0) + 5, MAX_SLEEP_MS);
    } catch (err) {
      this.logger.error({ err }, "reading the next cron slot failed");
    }
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }
}
