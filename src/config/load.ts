/**
 * Finds and validates langgraph.json and turns it into a ProjectConfig with every path resolved
 * from the config's own folder. Every failure is a ConfigError naming the file and the key, so the
 * CLI can print one line and exit 1.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Value from "typebox/value";
import { ConfigError } from "../errors.js";
import {
  KNOWN_TOP_LEVEL_KEYS,
  LanggraphJsonSchema,
  type HttpConfig,
  type LanggraphJson,
  type OpenApiAuth,
  type WebhookUrlPolicy,
} from "./schema.js";

/** A `"./file.ts:export"` reference, resolved to an absolute file. */
export interface ImportRef {
  /** The string as written in langgraph.json. */
  spec: string;
  /** Absolute path of the module. */
  file: string;
  exportName: string;
  /** Dotted key in langgraph.json, for error messages (e.g. `graphs.agent`). */
  key: string;
}

export interface GraphRef extends ImportRef {
  graphId: string;
  description?: string;
}

/** The parsed project: what `createServer` needs to know about the user's langgraph.json. */
export interface ProjectConfig {
  configPath: string;
  projectDir: string;
  graphs: GraphRef[];
  auth?: { module?: ImportRef; disableStudioAuth: boolean; openapi?: OpenApiAuth };
  /** `http.app`: the project's own routes. */
  httpApp?: ImportRef;
  /** `http.mount_prefix` without a trailing slash: "" or "/like/this". */
  mountPrefix: string;
  /** `ui`: each graph's generative-UI component file (absolute), and `ui_config.shared`. */
  ui: { graphId: string; file: string }[];
  uiShared: string[];
  /** An absolute .env path, or variables given inline. */
  env?: { file: string } | { values: Record<string, string> };
  /** `http`: CORS, route groups switched off, custom-route auth, configurable headers. */
  http: HttpConfig;
  /** `webhooks.url`: the policy for webhook URLs (empty: any http(s) URL). */
  webhookPolicy: WebhookUrlPolicy;
  /** `store.ttl`, in minutes; `defaultMinutes` null means items live until deleted. */
  storeTtl: { defaultMinutes: number | null; refreshOnRead: boolean; sweepMinutes: number };
  raw: LanggraphJson;
  /** Top-level keys we do not know; reported once as a warning by the CLI. */
  unknownKeys: string[];
}

export function resolveConfigPath(configOption: string): string {
  const given = configOption.startsWith("file://") ? fileURLToPath(configOption) : configOption;
  const abs = path.resolve(given);
  if (existsSync(abs) && statSync(abs).isDirectory()) return path.join(abs, "langgraph.json");
  return abs;
}

export function loadConfig(configOption: string): ProjectConfig {
  const configPath = resolveConfigPath(configOption);
  const shown = path.relative(process.cwd(), configPath) || configPath;
  if (!existsSync(configPath)) {
    throw new ConfigError(`${shown}: file not found (pass --config <file or folder>)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(configPath, "utf8"));
  } catch (err) {
    throw new ConfigError(`${shown}: invalid JSON: ${(err as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigError(`${shown}: must hold a JSON object`);
  }
  if (!Value.Check(LanggraphJsonSchema, json)) {
    const [first] = Value.Errors(LanggraphJsonSchema, json);
    throw new ConfigError(`${shown}: ${describeSchemaError(first)}`);
  }
  const raw = json as LanggraphJson;
  const projectDir = path.dirname(configPath);

  const graphs = Object.entries(raw.graphs).map(([graphId, spec]): GraphRef => {
    const value = typeof spec === "string" ? spec : spec.path;
    const key = typeof spec === "string" ? `graphs.${graphId}` : `graphs.${graphId}.path`;
    const ref = parseImportRef(value, key, projectDir, shown, false);
    return { ...ref, graphId, description: typeof spec === "string" ? undefined : spec.description };
  });
  if (graphs.length === 0) throw new ConfigError(`${shown}: "graphs" must register at least one graph`);

  let auth: ProjectConfig["auth"];
  if (raw.auth) {
    auth = {
      module: raw.auth.path ? parseImportRef(raw.auth.path, "auth.path", projectDir, shown, true) : undefined,
      disableStudioAuth: raw.auth.disable_studio_auth === true || raw.auth.disable_studio_auth === "true",
      openapi: raw.auth.openapi,
    };
  }

  let env: ProjectConfig["env"];
  if (typeof raw.env === "string") env = { file: path.resolve(projectDir, raw.env) };
  else if (raw.env) env = { values: raw.env };

  const httpApp = raw.http?.app ? parseImportRef(raw.http.app, "http.app", projectDir, shown, true) : undefined;
  const ui = Object.entries(raw.ui ?? {}).map(([graphId, file]) => {
    const abs = path.resolve(projectDir, file);
    if (!existsSync(abs)) throw new ConfigError(`${shown}: "ui.${graphId}" points to ${file}, which does not exist (${abs})`);
    return { graphId, file: abs };
  });
  const unknownKeys = Object.keys(raw).filter((k) => !KNOWN_TOP_LEVEL_KEYS.has(k));
  const mountPrefix = (raw.http?.mount_prefix ?? "").replace(/\/+$/, "");
  const ttl = raw.store?.ttl ?? {};
  const storeTtl = {
    defaultMinutes: typeof ttl.default_ttl === "number" && ttl.default_ttl > 0 ? ttl.default_ttl : null,
    refreshOnRead: ttl.refresh_on_read ?? true,
    sweepMinutes: typeof ttl.sweep_interval_minutes === "number" && ttl.sweep_interval_minutes > 0 ? ttl.sweep_interval_minutes : 60,
  };
  return {
    configPath,
    projectDir,
    graphs,
    auth,
    httpApp,
    mountPrefix,
    ui,
    uiShared: raw.ui_config?.shared ?? [],
    env,
    http: raw.http ?? {},
    webhookPolicy: raw.webhooks?.url ?? {},
    storeTtl,
    raw,
    unknownKeys,
  };
}

function parseImportRef(
  spec: string,
  key: string,
  projectDir: string,
  shownConfig: string,
  defaultExport: boolean,
): ImportRef {
  // Split on the last ":" so Windows drive letters ("C:\\x.ts:graph") survive.
  const at = spec.lastIndexOf(":");
  if (at <= 1 && !defaultExport) {
    throw new ConfigError(`${shownConfig}: "${key}" must be "<file>:<export>", got "${spec}"`);
  }
  const filePart = at > 1 ? spec.slice(0, at) : spec;
  const exportName = at > 1 ? spec.slice(at + 1) : "default";
  if (!exportName) throw new ConfigError(`${shownConfig}: "${key}" names no export after ":" in "${spec}"`);
  const file = path.resolve(projectDir, filePart);
  if (!existsSync(file)) {
    throw new ConfigError(`${shownConfig}: "${key}" points to ${filePart}, which does not exist (${file})`);
  }
  return { spec, file, exportName, key };
}

function describeSchemaError(error: { instancePath: string; keyword: string; message: string; params: unknown } | undefined): string {
  if (!error) return "is invalid";
  const key = error.instancePath.replace(/^\//, "").split("/").filter(Boolean).join(".");
  if (error.keyword === "required") {
    const missing = (error.params as { requiredProperties?: string[] }).requiredProperties ?? [];
    return missing.map((m) => `"${key ? `${key}.${m}` : m}"`).join(", ") + " is required";
  }
  return `"${key || "(root)"}" ${error.message}`;
}
