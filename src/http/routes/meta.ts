import type { App, AppDeps } from "../app.js";
import { PUBLIC_ROUTE } from "../public-routes.js";

export function metaRoutes(app: App, deps: AppDeps): void {
  app.get("/ok", { ...PUBLIC_ROUTE, schema: { tags: ["meta"], summary: "Health check" } }, async () => ({ ok: true }));
  app.get("/info", { ...PUBLIC_ROUTE, schema: { tags: ["meta"], summary: "Server information" } }, async () => ({
    version: deps.info.version,
    langgraph_js_version: deps.info.langgraphVersion,
    context: "js",
    flags: { assistants: true, crons: true, langsmith: false, langsmith_tracing_replicas: true },
    // Deployment metadata, as the Platform's API requires the key: a self-hosted server has none.
    metadata: {},
  }));
}
