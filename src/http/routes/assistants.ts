import type { App, AppDeps } from "../app.js";
import { AssistantSearch } from "../schemas/assistants.js";
import { AssistantIdParams } from "../schemas/common.js";
import { paginate } from "../pagination.js";

export function assistantRoutes(app: App, deps: AppDeps): void {
  app.post(
    "/assistants/search",
    { schema: { tags: ["assistants"], summary: "Search assistants", body: AssistantSearch } },
    async (request, reply) => {
      const limit = request.body.limit ?? 10;
      const offset = request.body.offset ?? 0;
      const { items, total } = await deps.assistants.search(request.auth, { ...request.body, limit, offset });
      paginate(reply, { total, limit, offset });
      return items;
    },
  );

  app.get(
    "/assistants/:assistant_id",
    { schema: { tags: ["assistants"], summary: "Get an assistant", params: AssistantIdParams } },
    async (request) => deps.assistants.get(request.auth, request.params.assistant_id),
  );
}
