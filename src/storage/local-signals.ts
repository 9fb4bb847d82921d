/**
 * Signals within one process: for a backend no other process shares (SQLite), a notification
 * only has to reach this process's own listeners. Delivered asynchronously, as over a network.
 */
import type { SignalChannel, Signals } from "./types.js";

export class LocalSignals implements Signals {
  private readonly handlers = new Map<SignalChannel, Set<(payload: string) => void>>();

  async publish(channel: SignalChannel, payload: string): Promise<void> {
    const handlers = this.handlers.get(channel);
    if (!handlers?.size) return;
    queueMicrotask(() => {
      for (const handler of [...handlers]) handler(payload);
    });
  }

  subscribe(channel: SignalChannel, handler: (payload: string) => void): () => void {
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  onReconnect(): () => void {
    return () => undefined; // nothing to lose within one process
  }
}
