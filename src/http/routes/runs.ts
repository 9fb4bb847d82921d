import type { App, AppDeps } from "../app.js";
import { ThreadIdParams, ThreadRunParams } from "../schemas/common.js";
import { RunCreate } from "../schemas/runs.js";

export function runRoutes(app: App, deps: AppDeps): void {
  app.post(
    "/threads/:thread_id/runs",
    { schema: { tags: ["runs"], summary: "Create a background run", params: ThreadIdParams, body: RunCreate } },
    async (request, reply) => {
      const run = await deps.runs.create(request.auth, request.params.thread_id, request.body, request.headers);
      void reply.header("content-location", `/threads/${run.thread_id}/runs/${run.run_id}`);
      return run;
    },
  );

  app.get(
    "/threads/:thread_id/runs/:run_id",
    { schema: { tags: ["runs"], summary: "Get a run", params: ThreadRunParams } },
    async (request) => deps.runs.get(request.auth, request.params.thread_id, request.params.run_id),
  );

  app.get(
    "/threads/:thread_id/runs/:run_id/join",
    { schema: { tags: ["runs"], summary: "Wait for a run and return the thread's values", params: ThreadRunParams } },
    async (request, reply) => {
      const abort = new AbortController();
      request.raw.on("close", () => abort.abort());
      const values = await deps.runs.join(request.auth, request.params.thread_id, request.params.run_id, abort.signal);
      return reply.send(values);
    },
  );
}
