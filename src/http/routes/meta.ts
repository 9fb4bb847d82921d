import type { App, AppDeps } from "../app.js";

export function metaRoutes(app: App, deps: AppDeps): void {
  app.get("/ok", { schema: { tags: ["meta"], summary: "Health check" } }, async () => ({ ok: true }));
  app.get("/info", { schema: { tags: ["meta"], summary: "Server information" } }, async () => ({
    version: deps.info.version,
    langgraph_js_version: deps.info.langgraphVersion,
    context: "js",
    flags: { assistants: true, crons: true, langsmith: false, langsmith_tracing_replicas: true },
  }));
}
