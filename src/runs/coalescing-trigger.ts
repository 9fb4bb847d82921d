/**
 * Runs an async task on demand, never two at once: a trigger while it runs makes it run once
 * more afterwards (triggers coalesce). The worker pool and the cron scheduler wake through it.
 */
export class CoalescingTrigger {
  private running = false;
  private again = false;

  constructor(private readonly task: () => Promise<void>) {}

  trigger(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.task().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.trigger();
      }
    });
  }
}
