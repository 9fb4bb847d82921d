import type { App, AppDeps } from "../app.js";
import { ThreadIdParams } from "../schemas/common.js";
import { StateQuery, ThreadCreate } from "../schemas/threads.js";

export function threadRoutes(app: App, deps: AppDeps): void {
  app.post(
    "/threads",
    { schema: { tags: ["threads"], summary: "Create a thread", body: ThreadCreate } },
    async (request) => deps.threads.create(request.auth, request.body),
  );

  app.get(
    "/threads/:thread_id",
    { schema: { tags: ["threads"], summary: "Get a thread", params: ThreadIdParams } },
    async (request) => deps.threads.get(request.auth, request.params.thread_id),
  );

  app.get(
    "/threads/:thread_id/state",
    { schema: { tags: ["threads"], summary: "Get a thread's state", params: ThreadIdParams, querystring: StateQuery } },
    async (request) =>
      deps.threads.getState(request.auth, request.params.thread_id, { subgraphs: request.query.subgraphs }),
  );
}
