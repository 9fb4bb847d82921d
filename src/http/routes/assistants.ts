import type { App, AppDeps } from "../app.js";
import { paginate } from "../pagination.js";
import {
  AssistantCount,
  AssistantCreate,
  AssistantLatest,
  AssistantLatestQuery,
  AssistantPatch,
  AssistantSearch,
  AssistantVersionsQuery,
  DeleteAssistantQuery,
  GraphQuery,
  SubgraphsQuery,
} from "../schemas/assistants.js";
import { AssistantIdParams } from "../schemas/common.js";
import { selectFields } from "../select.js";
import Type from "typebox";
import { Unprocessable } from "../../errors.js";

const tags = ["assistants"];

export function assistantRoutes(app: App, deps: AppDeps): void {
  const { assistants } = deps;

  app.post("/assistants", { schema: { tags, summary: "Create an assistant", body: AssistantCreate } }, async (request) =>
    assistants.create(request.auth, request.body),
  );

  app.post("/assistants/search", { schema: { tags, summary: "Search assistants", body: AssistantSearch } }, async (request, reply) => {
    const limit = request.body.limit ?? 10;
    const offset = request.body.offset ?? 0;
    const { items, total } = await assistants.search(request.auth, { ...request.body, limit, offset });
    paginate(reply, { total, limit, offset });
    return selectFields(items, request.body.select);
  });

  app.post("/assistants/count", { schema: { tags, summary: "Count assistants", body: AssistantCount } }, async (request) =>
    assistants.count(request.auth, request.body),
  );

  app.get("/assistants/:assistant_id", { schema: { tags, summary: "Get an assistant", params: AssistantIdParams } }, async (request) =>
    assistants.get(request.auth, request.params.assistant_id),
  );

  app.patch(
    "/assistants/:assistant_id",
    { schema: { tags, summary: "Update an assistant (metadata merged, a new version)", params: AssistantIdParams, body: AssistantPatch } },
    async (request) => assistants.update(request.auth, request.params.assistant_id, request.body),
  );

  app.delete(
    "/assistants/:assistant_id",
    { schema: { tags, summary: "Delete an assistant", params: AssistantIdParams, querystring: DeleteAssistantQuery } },
    async (request) => [await assistants.delete(request.auth, request.params.assistant_id, request.query.delete_threads ?? false)],
  );

  app.get(
    "/assistants/:assistant_id/graph",
    { schema: { tags, summary: "The assistant's graph, drawable", params: AssistantIdParams, querystring: GraphQuery } },
    async (request) => assistants.drawGraph(request.auth, request.params.assistant_id, request.query.xray ?? false),
  );

  app.get(
    "/assistants/:assistant_id/schemas",
    { schema: { tags, summary: "The assistant's JSON schemas", params: AssistantIdParams } },
    async (request) => assistants.schemas(request.auth, request.params.assistant_id),
  );

  app.get(
    "/assistants/:assistant_id/subgraphs",
    { schema: { tags, summary: "The schemas of the assistant's subgraphs", params: AssistantIdParams, querystring: SubgraphsQuery } },
    async (request) => assistants.subgraphs(request.auth, request.params.assistant_id, undefined, request.query.recurse ?? false),
  );

  app.get(
    "/assistants/:assistant_id/subgraphs/:namespace",
    {
      schema: {
        tags,
        summary: "The schemas of the subgraphs under a namespace",
        params: Type.Object({ assistant_id: Type.String({ minLength: 1 }), namespace: Type.String({ minLength: 1 }) }),
        querystring: SubgraphsQuery,
      },
    },
    async (request) =>
      assistants.subgraphs(request.auth, request.params.assistant_id, request.params.namespace, request.query.recurse ?? false),
  );

  app.post(
    "/assistants/:assistant_id/latest",
    {
      schema: {
        tags,
        summary: "Make a version the current one (version in the body or the query)",
        params: AssistantIdParams,
        querystring: AssistantLatestQuery,
        body: AssistantLatest,
      },
    },
    async (request) => {
      const version = request.body.version ?? request.query.version;
      if (version === undefined) throw new Unprocessable("version is required (in the body or the query)", "validation_error");
      return assistants.setLatest(request.auth, request.params.assistant_id, version);
    },
  );

  app.post(
    "/assistants/:assistant_id/versions",
    { schema: { tags, summary: "List an assistant's versions", params: AssistantIdParams, body: AssistantVersionsQuery } },
    async (request) =>
      assistants.versions(request.auth, request.params.assistant_id, {
        limit: request.body.limit ?? 10,
        offset: request.body.offset ?? 0,
        metadata: request.body.metadata,
      }),
  );
}
