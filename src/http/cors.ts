/**
 * CORS options from langgraph.json's `http.cors` (LangGraph's keys), with defaults that let the
 * SDKs work from a browser: any origin, the SDK's methods, and the headers they read exposed.
 */
import type { FastifyCorsOptions } from "@fastify/cors";

const ALWAYS_EXPOSED = ["content-location", "x-pagination-total", "x-pagination-next"];

export interface CorsConfig {
  allow_origins?: string[];
  allow_origin_regex?: string;
  allow_methods?: string[];
  allow_headers?: string[];
  allow_credentials?: boolean;
  expose_headers?: string[];
  max_age?: number;
}

export function corsOptions(config: CorsConfig | undefined): FastifyCorsOptions {
  const c = config ?? {};
  const origins: Array<string | RegExp> = [...(c.allow_origins ?? [])];
  if (c.allow_origin_regex) origins.push(new RegExp(c.allow_origin_regex));
  const exposed = [...new Set([...(c.expose_headers ?? []), ...ALWAYS_EXPOSED].map((h) => h.toLowerCase()))];
  return {
    origin: origins.length === 0 || origins.includes("*") ? "*" : origins,
    methods: c.allow_methods ?? ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    ...(c.allow_headers ? { allowedHeaders: c.allow_headers } : {}),
    credentials: c.allow_credentials ?? false,
    exposedHeaders: exposed,
    ...(c.max_age !== undefined ? { maxAge: c.max_age } : {}),
  };
}
