/**
 * Webhooks: after a run ends, its `webhook` gets the run as JSON (final status, values, error),
 * with retries and exponential backoff on network errors, 429 and 5xx. Redirects are never
 * followed (a public URL could redirect to a loopback one): a 3xx is a refusal. A relative webhook
 * (`/path`) goes to this server's own routes with no credentials, through authentication like any
 * request: it can never reach data the run's owner could not. The `webhooks.url` policy is
 * checked when a run is created and again at delivery (webhook-policy.ts). Delivery never
 * throws; failures are logged.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Logger } from "pino";
import type { WebhookUrlPolicy } from "../config/schema.js";
import { WebhookPolicy } from "./webhook-policy.js";

const TIMEOUT_MS = 30_000;

export class WebhookSender {
  /** This server's own URL, for relative webhooks; set once it listens. */
  baseUrl?: string;
  private readonly pending = new Set<Promise<void>>();
  private readonly policy: WebhookPolicy;

  constructor(
    private readonly logger: Logger,
    rules: WebhookUrlPolicy = {},
    private readonly retry = { attempts: 4, baseDelayMs: 250 },
  ) {
    this.policy = new WebhookPolicy(rules);
  }

  /** Throws a 422 when the URL is malformed or the policy refuses it. */
  validate(webhook: string): Promise<void> {
    return this.policy.check(webhook);
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
    const relative = webhook.startsWith("/");
    const url = relative ? `${this.baseUrl ?? ""}${webhook}` : webhook;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      let reason: string;
      try {
        // Checked again: the host may resolve elsewhere now than when the run was created.
        if (!relative) await this.policy.check(webhook);
        const status = await this.post(url, JSON.stringify({ ...payload, webhook_sent_at: new Date().toISOString() }), !relative);
        if (status >= 200 && status < 300) return;
        reason = `HTTP ${status}`;
        if (status < 500 && status !== 429) {
          this.logger.warn({ runId: context.runId, webhook }, `webhook refused (${reason}${status >= 300 && status < 400 ? ", redirects are not followed" : ""}); not retried`);
          return;
        }
      } catch (err) {
        const e = err as { code?: string; message: string };
        if (e.code === "EWEBHOOKREFUSED" || e.code === "webhook_refused") {
          this.logger.warn({ runId: context.runId, webhook }, `webhook not sent: ${e.message}`);
          return;
        }
        reason = e.message;
      }
      if (attempt === this.retry.attempts) {
        this.logger.warn({ runId: context.runId, webhook }, `webhook failed after ${attempt} attempts (${reason})`);
        return;
      }
      await new Promise((r) => setTimeout(r, this.retry.baseDelayMs * 2 ** (attempt - 1)));
    }
  }

  /** One POST; resolves with the status (the body is discarded). Connects only to checked addresses. */
  private post(url: string, body: string, guarded: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const send = url.startsWith("https:") ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: "POST",
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          timeout: TIMEOUT_MS,
          ...(guarded && this.policy.checksAddresses ? { lookup: this.policy.guardedLookup } : {}),
        },
        (res: IncomingMessage) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
      req.on("error", reject);
      req.end(body);
    });
  }
}
