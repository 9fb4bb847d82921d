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
  /** Merged into /openapi.json: how clients authenticate (`components.securitySchemes`, `security`). */
  openapi: Type.Optional(
    Type.Object({
      securitySchemes: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()))),
      security: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Array(Type.String())))),
    }),
  ),
  cache: Type.Optional(Type.Unknown()),
});

/** `http.cors`: LangGraph's CORS keys. */
export const CorsConfigSchema = Type.Object({
  allow_origins: Type.Optional(Type.Array(Type.String())),
  /** Matched against the whole origin (it is anchored for you). */
  allow_origin_regex: Type.Optional(Type.String()),
  allow_methods: Type.Optional(Type.Array(Type.String())),
  allow_headers: Type.Optional(Type.Array(Type.String())),
  allow_credentials: Type.Optional(Type.Boolean()),
  expose_headers: Type.Optional(Type.Array(Type.String())),
  max_age: Type.Optional(Type.Number({ minimum: 0 })),
});

export const HttpConfigSchema = Type.Object({
  app: Type.Optional(ImportString),
  cors: Type.Optional(CorsConfigSchema),
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

/** `webhooks.url`: which webhook URLs runs may name (checked at run creation and at delivery). */
export const WebhookUrlPolicySchema = Type.Object({
  require_https: Type.Optional(Type.Boolean()),
  allowed_domains: Type.Optional(Type.Array(Type.String())),
  allowed_ports: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }))),
  /** Refuse loopback, unspecified and link-local addresses (and private ranges, see below). */
  disable_loopback: Type.Optional(Type.Boolean()),
  /** With `disable_loopback`: still allow private networks (10/8, 172.16/12, 192.168/16, fc00::/7). */
  allow_private_networks: Type.Optional(Type.Boolean()),
  max_url_length: Type.Optional(Type.Integer({ minimum: 1 })),
});

export const WebhooksConfigSchema = Type.Object({
  url: Type.Optional(WebhookUrlPolicySchema),
});

/** `store`: TTL of long-term memory items (minutes). `index` (semantic search) is accepted, unused. */
export const StoreConfigSchema = Type.Object({
  ttl: Type.Optional(
    Type.Object({
      default_ttl: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()])),
      refresh_on_read: Type.Optional(Type.Boolean()),
      sweep_interval_minutes: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()])),
    }),
  ),
  index: Type.Optional(Type.Unknown()),
});

export const LanggraphJsonSchema = Type.Object({
  graphs: Type.Record(Type.String({ minLength: 1 }), GraphSpecSchema),
  env: Type.Optional(Type.Union([Type.String(), Type.Record(Type.String(), Type.String())])),
  auth: Type.Optional(AuthConfigSchema),
  http: Type.Optional(HttpConfigSchema),
  store: Type.Optional(StoreConfigSchema),
  webhooks: Type.Optional(WebhooksConfigSchema),
  node_version: Type.Optional(Type.String()),
  /** Generative-UI components: `{"<graph id>": "./src/agent/ui.tsx"}`. */
  ui: Type.Optional(Type.Record(Type.String({ minLength: 1 }), ImportString)),
  /** `shared`: packages the page provides, left out of the bundles (react and the SDK always are). */
  ui_config: Type.Optional(Type.Object({ shared: Type.Optional(Type.Array(Type.String({ minLength: 1 }))) })),
});

export type LanggraphJson = Static<typeof LanggraphJsonSchema>;
export type HttpConfig = Static<typeof HttpConfigSchema>;
export type CorsConfig = Static<typeof CorsConfigSchema>;
export type WebhookUrlPolicy = Static<typeof WebhookUrlPolicySchema>;
export type StoreConfig = Static<typeof StoreConfigSchema>;
export type OpenApiAuth = NonNullable<Static<typeof AuthConfigSchema>["openapi"]>;

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
  "node_loader",
  "keep_pkg_tools",
]);
