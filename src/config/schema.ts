/**
 * The langgraph.json schema. One TypeBox schema gives both validation and the TypeScript type.
 * Unknown keys are allowed here (Python-only keys such as `dependencies` are common in shared
 * configs); the loader reports the ones it does not recognise.
 */
import Type, { type Static } from "typebox";

const ImportString = Type.String({ minLength: 1 });

export const GraphSpecSchema = Type.Union([
  ImportString,
  Type.Object({ path: ImportString, description: Type.Optional(Type.String()) }),
]);

/** A boolean, or the strings "true"/"false" as the LangGraph tutorial writes them. */
export const LooseBoolean = Type.Union([Type.Boolean(), Type.Literal("true"), Type.Literal("false")]);

export const AuthConfigSchema = Type.Object({
  path: Type.Optional(ImportString),
  disable_studio_auth: Type.Optional(LooseBoolean),
  openapi: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  cache: Type.Optional(Type.Unknown()),
});

export const HttpConfigSchema = Type.Object({
  app: Type.Optional(ImportString),
  cors: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  disable_assistants: Type.Optional(Type.Boolean()),
  disable_threads: Type.Optional(Type.Boolean()),
  disable_runs: Type.Optional(Type.Boolean()),
  disable_store: Type.Optional(Type.Boolean()),
  disable_meta: Type.Optional(Type.Boolean()),
  enable_custom_route_auth: Type.Optional(Type.Boolean()),
  /** Every route is served under this path, e.g. "/my-agent". */
  mount_prefix: Type.Optional(Type.String({ pattern: "^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$" })),
  configurable_headers: Type.Optional(
    Type.Object({ includes: Type.Optional(Type.Array(Type.String())), excludes: Type.Optional(Type.Array(Type.String())) }),
  ),
});

export const LanggraphJsonSchema = Type.Object({
  graphs: Type.Record(Type.String({ minLength: 1 }), GraphSpecSchema),
  env: Type.Optional(Type.Union([Type.String(), Type.Record(Type.String(), Type.String())])),
  auth: Type.Optional(AuthConfigSchema),
  http: Type.Optional(HttpConfigSchema),
  store: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  node_version: Type.Optional(Type.String()),
  /** Generative-UI components: `{"<graph id>": "./src/agent/ui.tsx"}`. */
  ui: Type.Optional(Type.Record(Type.String({ minLength: 1 }), ImportString)),
  /** `shared`: packages the page provides, left out of the bundles (react and the SDK always are). */
  ui_config: Type.Optional(Type.Object({ shared: Type.Optional(Type.Array(Type.String({ minLength: 1 }))) })),
});

export type LanggraphJson = Static<typeof LanggraphJsonSchema>;

/** Keys we know: ours, and the Python platform's (accepted quietly, unused in a Node server). */
export const KNOWN_TOP_LEVEL_KEYS = new Set([
  ...Object.keys(LanggraphJsonSchema.properties),
  "$schema",
  "dependencies",
  "python_version",
  "pip_config_file",
  "pip_installer",
  "dockerfile_lines",
  "docker_compose_file",
  "base_image",
  "image_distro",
  "api_version",
  "checkpointer",
  "webhooks",
  "node_loader",
  "keep_pkg_tools",
]);
