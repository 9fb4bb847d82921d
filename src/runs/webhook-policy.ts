/**
 * Which webhook URLs runs may name (`webhooks.url` in langgraph.json). The URL rules (https,
 * domains, ports, length) are checked on the text; with `disable_loopback`, the *addresses the host
 * resolves to* are checked too, because a name (or `0.0.0.0`, `[::ffff:127.0.0.1]`, `2130706433`)
 * can point anywhere: loopback, unspecified and link-local addresses (cloud metadata services) are
 * refused, and private networks unless `allow_private_networks`. The check runs when the run is
 * created (a clear 422) and again at delivery, inside the connection's own DNS lookup, so a name
 * that changes its answer in between (DNS rebinding) is still caught.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, type LookupFunction } from "node:net";
import type { WebhookUrlPolicy } from "../config/schema.js";
import { Unprocessable } from "../errors.js";

const ALWAYS_REFUSED = blockList([
  ["127.0.0.0", 8, "ipv4"], // loopback
  ["0.0.0.0", 8, "ipv4"], // "this network": 0.0.0.0 reaches the local host
  ["169.254.0.0", 16, "ipv4"], // link-local (cloud metadata endpoints)
  ["::1", 128, "ipv6"],
  ["::", 128, "ipv6"],
  ["fe80::", 10, "ipv6"],
]);
const PRIVATE = blockList([
  ["10.0.0.0", 8, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["100.64.0.0", 10, "ipv4"], // carrier-grade NAT
  ["fc00::", 7, "ipv6"], // unique local
]);

function blockList(subnets: Array<[string, number, "ipv4" | "ipv6"]>): BlockList {
  const list = new BlockList();
  for (const [net, prefix, type] of subnets) list.addSubnet(net, prefix, type);
  return list;
}

export class WebhookPolicy {
  constructor(private readonly rules: WebhookUrlPolicy = {}) {}

  /** Whether resolved addresses are checked (only when the project asked for it). */
  get checksAddresses(): boolean {
    return this.rules.disable_loopback === true;
  }

  /** Checks a webhook when a run names it; throws a 422 saying which rule refused it. */
  async check(webhook: string): Promise<void> {
    const url = this.checkText(webhook);
    if (!url || !this.checksAddresses) return;
    let addresses: LookupAddress[];
    try {
      addresses = await new Promise((resolve, reject) =>
        dnsLookup(bareHost(url.hostname), { all: true }, (err, found) => (err ? reject(err) : resolve(found))),
      );
    } catch (err) {
      throw new Unprocessable(`webhook host ${url.hostname} cannot be resolved (${(err as NodeJS.ErrnoException).code ?? "error"})`, "webhook_refused");
    }
    for (const a of addresses) {
      const why = this.refusal(a.address, a.family);
      if (why) throw new Unprocessable(`webhook host ${url.hostname} resolves to ${a.address}, ${why}`, "webhook_refused");
    }
  }

  /** The URL rules; returns the parsed URL (null for a relative webhook). */
  checkText(webhook: string): URL | null {
    const p = this.rules;
    if (p.max_url_length && webhook.length > p.max_url_length) throw refused(`webhook URL is longer than ${p.max_url_length} characters`);
    if (webhook.startsWith("/")) {
      if (p.disable_loopback) throw refused("webhook: relative (loopback) webhooks are disabled by webhooks.url.disable_loopback");
      return null;
    }
    let url: URL;
    try {
      url = new URL(webhook);
    } catch {
      throw refused(`webhook must be an absolute http(s) URL or a path starting with "/", got "${webhook}"`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw refused("webhook must use http or https");
    if (url.username || url.password) throw refused("webhook URL must not carry credentials");
    if (p.require_https && url.protocol !== "https:") throw refused("webhook must use https (webhooks.url.require_https)");
    if (p.allowed_domains?.length && !domainAllowed(url.hostname, p.allowed_domains)) {
      throw refused(`webhook host ${url.hostname} is not in webhooks.url.allowed_domains`);
    }
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    if (p.allowed_ports?.length && !p.allowed_ports.includes(port)) throw refused(`webhook port ${port} is not in webhooks.url.allowed_ports`);
    return url;
  }

  /**
   * A DNS lookup for the delivery's connection that refuses what `check` refuses: the address
   * connected to is the address checked.
   */
  readonly guardedLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const why = this.refusal(a.address, a.family);
        if (why) return callback(Object.assign(new Error(`webhook host ${hostname} resolves to ${a.address}, ${why}`), { code: "EWEBHOOKREFUSED" }), "", 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };

  private refusal(address: string, family: number): string | null {
    const type = family === 6 ? "ipv6" : "ipv4";
    if (ALWAYS_REFUSED.check(address, type)) return "a loopback, unspecified or link-local address (webhooks.url.disable_loopback)";
    if (!this.rules.allow_private_networks && PRIVATE.check(address, type)) {
      return "a private network address (set webhooks.url.allow_private_networks to allow it)";
    }
    return null;
  }
}

function refused(message: string): Unprocessable {
  return new Unprocessable(message, "webhook_refused");
}

function bareHost(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

function domainAllowed(host: string, allowed: string[]): boolean {
  return allowed.some((d) => (d.startsWith("*.") ? host.endsWith(d.slice(1)) || host === d.slice(2) : host === d));
}
