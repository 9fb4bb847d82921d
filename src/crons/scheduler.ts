/**
 * Fires due cron slots. One timer, set for the earliest `next_run_date` (capped, and woken on
 * every cron change). Each slot is claimed by moving the cron to its next slot with a
 * compare-and-set, so a slot fires at most once even with several servers on one database.
 * After downtime a cron fires once for the slot it missed and moves on to the next future slot:
 * missed slots never pile up.
 */
import type { Logger } from "pino";
import { DueTimer } from "../runs/due-timer.js";
import type { Storage } from "../storage/types.js";
import { nextSlot } from "./schedule.js";
import type { CronService } from "./service.js";

export class CronScheduler extends DueTimer {
  constructor(
    private readonly storage: Storage,
    private readonly crons: () => CronService,
    logger: Logger,
  ) {
    super(logger, "cron scheduler");
  }

  protected nextDueAt(): Promise<Date | null> {
    return this.storage.crons.nextDueAt();
  }

  protected async work(): Promise<void> {
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
  }
}
