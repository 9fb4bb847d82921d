/**
 * Webhooks: after a run ends, its `webhook` gets the run as JSON (final status, values, error),
 * with retries and exponential backoff on network errors, 429 and 5xx. A relative webhook
 * (`/path`) goes to this server's own routes with no credentials, through authentication like any
 * request: it can never reach data the run's owner could not. Delivery never throws; failures
 * are logged. The `webhooks.url` policy of langgraph.json is checked when a run is created.
 */
import type { Logger } from "pino";
import { Unprocessable } from "../errors.js";

export interface WebhookPolicy {
  require_https?: boolean;
  allowed_domains?: string[];
  allowed_ports?: number[];
  disable_loopback?: boolean;
  max_url_length?: number;
}

const LOOPBACK_HOSTS = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i;

function domainAllowed(host: string, allowed: string[]): boolean {
  return allowed.some((d) => (d.startsWith("*.") ? host.endsWith(d.slice(1)) || host === d.slice(2) : host === d));
}

export class WebhookSender {
  /** This server's own URL, for relative webhooks; set once it listens. */
  baseUrl?: string;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly logger: Logger,
    private readonly policy: WebhookPolicy = {},
    private readonly retry = { attempts: 4, baseDelayMs: 250 },
  ) {}

  /** Throws a 422 when the URL is malformed or the policy refuses it. */
  validate(webhook: string): void {
    const p = this.policy;
    if (p.max_url_length && webhook.length > p.max_url_length) throw new Unprocessable(`webhook URL is longer than ${p.max_url_length} characters`);
    if (webhook.startsWith("/")) {
      if (p.disable_loopback) throw new Unprocessable("webhook: relative (loopback) webhooks are disabled by webhooks.url.disable_loopback");
      return;
    }
    let url: URL;
    try {
      url = new URL(webhook);
    } catch {
      throw new Unprocessable(`webhook must be an absolute http(s) URL or a path starting with "/", got "${webhook}"`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Unprocessable("webhook must use http or https");
    if (p.require_https && url.protocol !== "https:") throw new Unprocessable("webhook must use https (webhooks.url.require_https)");
    if (p.disable_loopback && LOOPBACK_HOSTS.test(url.hostname)) throw new Unprocessable("webhook: loopback addresses are disabled by webhooks.url.disable_loopback");
    if (p.allowed_domains?.length && !domainAllowed(url.hostname, p.allowed_domains)) {
      throw new Unprocessable(`webhook host ${url.hostname} is not in webhooks.url.allowed_domains`);
    }
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    if (p.allowed_ports?.length && !p.allowed_ports.includes(port)) throw new Unprocessable(`webhook port ${port} is not in webhooks.url.allowed_ports`);
  }

  /** Delivers in the background; the caller never waits and never sees a failure. */
  send(webhook: string, payload: Record<string, unknown>, context: { runId: string }): void {
    const delivery = this.deliver(webhook, payload, context).finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  /** Waits for deliveries in flight (shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async deliver(webhook: string, payload: Record<string, unknown>, context: { runId: string }): Promise<void> {
    const url = webhook.startsWith("/") ? `${this.baseUrl ?? ""}${webhook}` : webhook;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      let reason: string;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ...payload, webhook_sent_at: new Date().toISOString() }),
          signal: AbortSignal.timeout(30_000),
        });
        await res.body?.cancel();
        if (res.ok) return;
        reason = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 429) {
          this.logger.warn({ runId: context.runId, webhook }, `webhook refused (${reason}); not retried`);
          return;
        }
      } catch (err) {
        reason = (err as Error).message;
      }
      if (attempt === this.retry.attempts) {
        this.logger.warn({ runId: context.runId, webhook }, `webhook failed after ${attempt} attempts (${reason})`);
        return;
      }
      await new Promise((r) => setTimeout(r, this.retry.baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}
