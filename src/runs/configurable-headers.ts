/**
 * Which request headers reach a run's `configurable`. By default, as LangGraph does: every `x-*`
 * header except the secrets (`x-api-key`, `x-tenant-id`, `x-service-key`), and `user-agent`.
 * `http.configurable_headers` in langgraph.json replaces that with `includes`/`excludes` glob
 * patterns (`*` matches anything); excludes win. Credentials (authorization, cookies, x-api-key)
 * are never copied, whatever the patterns say.
 */
export interface HeaderPolicy {
  includes?: string[];
  excludes?: string[];
}

const NEVER = new Set(["authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key", "x-service-key", "x-tenant-id"]);

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`);
}

export function headerFilter(policy: HeaderPolicy | undefined): (name: string) => boolean {
  if (!policy?.includes && !policy?.excludes) {
    return (name) => !NEVER.has(name) && (name === "user-agent" || name.startsWith("x-"));
  }
  const includes = (policy.includes ?? ["x-*", "user-agent"]).map(glob);
  const excludes = (policy.excludes ?? []).map(glob);
  return (name) => !NEVER.has(name) && includes.some((r) => r.test(name)) && !excludes.some((r) => r.test(name));
}

export function configurableHeaders(
  headers: Record<string, string | string[] | undefined>,
  allowed: (name: string) => boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value !== undefined && allowed(lower)) out[lower] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
