/**
 * Maintenance that runs once per interval however many instances share the database (the
 * store's TTL sweep, dropping old run events): each instance ticks, and storage's compare-and-set
 * (`claimPeriodicTask`) lets exactly one of them run the task in each interval.
 */
import type { Logger } from "pino";
import type { Storage } from "./storage/types.js";

/** How often each instance asks, at most: an interval is never overshot by more than this. */
const MAX_TICK_MS = 60_000;

export interface PeriodicTask {
  name: string;
  intervalMs: number;
  run(): Promise<unknown>;
}

export class PeriodicTasks {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly logger: Logger,
  ) {}

  /** Runs `task` now if no instance has within its interval, then keeps asking. */
  schedule(task: PeriodicTask): void {
    const tick = async () => {
      try {
        if (await this.storage.claimPeriodicTask(task.name, new Date(), task.intervalMs)) await task.run();
      } catch (err) {
        this.logger.warn({ err }, `periodic task ${task.name} failed`);
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), Math.min(task.intervalMs, MAX_TICK_MS));
    timer.unref();
    this.timers.push(timer);
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }
}
