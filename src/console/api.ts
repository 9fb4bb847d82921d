/**
 * How the console reaches the API: the SDK's own Client (what users use), pointed at the server
 * that served the console, with the user's credentials on every call. Credentials are remembered
 * in this browser's localStorage.
 */
import { Client } from "@langchain/langgraph-sdk/client";

/** What the user signed in with: a header and its full value (e.g. `Authorization: Bearer x`). */
export interface Credentials {
  header: string;
  value: string;
}

const STORAGE_KEY = "agent-server-console:credentials";

export function loadCredentials(): Credentials | null {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null") as Credentials | null;
    return saved && typeof saved.header === "string" && typeof saved.value === "string" ? saved : null;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials: Credentials | null): void {
  if (credentials) localStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
  else localStorage.removeItem(STORAGE_KEY);
}

/** The API's base URL: the console lives at `<api>/console/` (with `http.mount_prefix`, too). */
export function apiBase(): string {
  const at = location.pathname.lastIndexOf("/console");
  return location.origin + (at === -1 ? "" : location.pathname.slice(0, at));
}

export function makeClient(credentials: Credentials | null): Client {
  return new Client({
    apiUrl: apiBase(),
    apiKey: null,
    defaultHeaders: credentials ? { [credentials.header]: credentials.value } : {},
    // A console shows failures at once instead of retrying behind the user's back.
    callerOptions: { maxRetries: 0 },
  });
}

/** A failed call as the user should read it: the status and the server's `detail`. */
export function describeError(err: unknown): { status?: number; message: string } {
  const e = err as { status?: number; text?: string; message?: string; name?: string };
  if (typeof e?.status === "number") {
    let detail = e.text ?? "";
    try {
      const body = JSON.parse(detail) as { detail?: unknown };
      if (body && typeof body.detail === "string") detail = body.detail;
    } catch {
      // Not JSON: show the text as it came.
    }
    return { status: e.status, message: `${e.status}: ${detail || "request failed"}` };
  }
  return { message: e?.message ?? String(err) };
}
