import Type from "typebox";
import { NotFound } from "../../errors.js";
import { uiGlobalName } from "../../ui/bundles.js";
import type { App, AppDeps } from "../app.js";
import { PUBLIC_ROUTE } from "../public-routes.js";

const tags = ["ui"];
const UiParams = Type.Object({ graph_id: Type.String({ description: "A graph id, or an assistant id of that graph" }) });
const UiAssetParams = Type.Object({ graph_id: Type.String(), file: Type.String() });
const UiBody = Type.Object({ name: Type.String({ description: "The component's name in the graph's UI module" }) });

/** JSON inside a single-quoted HTML attribute: nothing in it may end the attribute or the tag. */
function attributeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Generative UI, as `LoadExternalComponent` of `@langchain/langgraph-sdk/react-ui` expects:
 * `POST /ui/:graph_id` answers the HTML that loads one component (authenticated, like the API);
 * the bundle's files themselves are fetched by the browser's `<script>` and `<link>` tags, which
 * carry no credentials, so `GET /ui/:graph_id/:file` is public — it serves the project's
 * component code, never data.
 */
export function uiRoutes(app: App, deps: AppDeps): void {
  app.post(
    "/ui/:graph_id",
    { schema: { tags, summary: "HTML that loads a generative-UI component", params: UiParams, body: UiBody } },
    async (request, reply) => {
      let graphId = request.params.graph_id;
      if (!deps.ui.has(graphId)) {
        const assistant = await deps.assistants.get(request.auth, graphId).catch(() => null);
        if (assistant && deps.ui.has(assistant.graph_id)) graphId = assistant.graph_id;
      }
      const bundle = deps.ui.get(graphId);
      if (!bundle) throw new NotFound(`UI not found for agent "${request.params.graph_id}"`, "ui_not_found");
      const base = `${request.protocol}://${request.headers.host ?? "localhost"}${deps.mountPrefix}/ui/${encodeURIComponent(graphId)}`;
      const tags: string[] = [];
      for (const file of bundle.assets.keys()) if (file.endsWith(".css")) tags.push(`<link rel="stylesheet" href="${base}/${file}" />`);
      if (bundle.assets.has("entrypoint.js")) {
        tags.push(
          `<script src="${base}/entrypoint.js" onload='${uiGlobalName(graphId)}.render(${attributeJson(request.body.name)}, "{{shadowRootId}}")'></script>`,
        );
      }
      return reply.type("text/html; charset=utf-8").send(tags.join("\n"));
    },
  );

  app.get(
    "/ui/:graph_id/:file",
    { ...PUBLIC_ROUTE, schema: { tags, summary: "A file of a graph's generative-UI bundle (public: the browser loads it)", params: UiAssetParams } },
    async (request, reply) => {
      const asset = deps.ui.get(request.params.graph_id)?.assets.get(request.params.file);
      if (!asset) throw new NotFound("File not found", "file_not_found");
      return reply.type(asset.contentType).header("cache-control", "no-cache").send(Buffer.from(asset.contents));
    },
  );
}
