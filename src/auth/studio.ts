/**
 * The Studio bypass: `x-auth-scheme: langsmith` makes the caller LangGraph Studio's user, with
 * no token, as `langgraph dev` does. Honoured only when it cannot be anybody else:
 * - in dev mode, unless `auth.disable_studio_auth` is set (the caller passes no policy then);
 * - from a loopback peer, to a loopback `Host` (a DNS-rebinding page or a tunnel has another);
 * - with no `Origin` (Studio's own requests from the desktop, scripts, the SDK) or Studio's own
 *   origin or one the developer listed (a web page the developer visits has its own origin);
 * - never through a proxy hop (`Forwarded`, `X-Forwarded-*`, `X-Real-IP`): behind a proxy every
 *   peer is loopback.
 */
import type { AuthUser } from "./load.js";

export const STUDIO_USER: AuthUser = Object.freeze({
  kind: "StudioUser",
  identity: "langgraph-studio-user",
  display_name: "langgraph-studio-user",
  permissions: [],
  is_authenticated: true,
});

/** When the bypass is on: which browser origins count as Studio. */
export interface StudioPolicy {
  isStudioOrigin(origin: string): boolean;
}

const PROXY_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip"];

export function isStudioRequest(
  policy: StudioPolicy | null,
  headers: Record<string, string | string[] | undefined>,
  remoteAddress: string | undefined,
): boolean {
  if (!policy || headers["x-auth-scheme"] !== "langsmith") return false;
  if (!isLoopback(remoteAddress) || !isLoopbackHost(headers.host)) return false;
  if (PROXY_HEADERS.some((h) => headers[h] !== undefined)) return false;
  const origin = headers.origin;
  return origin === undefined || (typeof origin === "string" && policy.isStudioOrigin(origin));
}

export function isStudioUser(user: { kind?: unknown; identity?: unknown } | null | undefined): boolean {
  return user?.kind === "StudioUser" || user?.identity === STUDIO_USER.identity;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/** `localhost`, `127.x.x.x` or `[::1]`, with or without a port. */
function isLoopbackHost(host: string | string[] | undefined): boolean {
  if (typeof host !== "string") return false;
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return name === "localhost" || name === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
