import type { CronPatchBody } from "../../crons/service.js";
import type { App, AppDeps } from "../app.js";
import { paginate } from "../pagination.js";
import { ThreadIdParams } from "../schemas/common.js";
import { CronCount, CronCreate, CronIdParams, CronPatch, CronSearch } from "../schemas/crons.js";
import { selectFields } from "../select.js";

const tags = ["crons"];

export function cronRoutes(app: App, deps: AppDeps): void {
  const { crons } = deps;

  app.post("/runs/crons", { schema: { tags, summary: "Schedule stateless runs", body: CronCreate } }, async (request) =>
    crons.create(request.auth, null, request.body),
  );

  app.post(
    "/threads/:thread_id/runs/crons",
    { schema: { tags, summary: "Schedule runs on a thread", params: ThreadIdParams, body: CronCreate } },
    async (request) => crons.create(request.auth, request.params.thread_id, request.body),
  );

  app.post("/runs/crons/search", { schema: { tags, summary: "Search crons", body: CronSearch } }, async (request, reply) => {
    const limit = request.body.limit ?? 10;
    const offset = request.body.offset ?? 0;
    const { items, total } = await crons.search(request.auth, { ...request.body, limit, offset });
    paginate(reply, { total, limit, offset });
    return selectFields(items, request.body.select);
  });

  app.post("/runs/crons/count", { schema: { tags, summary: "Count crons", body: CronCount } }, async (request) =>
    crons.count(request.auth, request.body),
  );

  app.get("/runs/crons/:cron_id", { schema: { tags, summary: "Get a cron", params: CronIdParams } }, async (request) =>
    crons.get(request.auth, request.params.cron_id),
  );

  app.patch("/runs/crons/:cron_id", { schema: { tags, summary: "Update a cron", params: CronIdParams, body: CronPatch } }, async (request) =>
    crons.update(request.auth, request.params.cron_id, request.body as CronPatchBody),
  );

  app.delete("/runs/crons/:cron_id", { schema: { tags, summary: "Delete a cron", params: CronIdParams } }, async (request, reply) => {
    await crons.delete(request.auth, request.params.cron_id);
    return reply.code(204).send();
  });
}
