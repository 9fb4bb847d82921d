/** Cron expressions, parsed by croner: 5 fields (minute precision) or 6 with seconds first. */
import { Cron as CronPattern } from "croner";
import { Unprocessable } from "../errors.js";

export function parseSchedule(schedule: string, timezone?: string | null): CronPattern {
  const fields = schedule.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new Unprocessable(`schedule must be a cron expression with 5 fields (or 6, seconds first), got "${schedule}"`);
  }
  try {
    return new CronPattern(schedule, { paused: true, ...(timezone ? { timezone } : {}) });
  } catch (err) {
    throw new Unprocessable(`schedule "${schedule}" is not a valid cron expression: ${(err as Error).message}`);
  }
}

/** The first slot strictly after `after`, or null when none is left before `endTime`. */
export function nextSlot(schedule: string, timezone: string | null, after: Date, endTime: string | null): string | null {
  const next = parseSchedule(schedule, timezone).nextRun(after);
  if (!next) return null;
  if (endTime && next.getTime() > new Date(endTime).getTime()) return null;
  return next.toISOString();
}
