import type { App, AppDeps } from "../app.js";
import { paginate } from "../pagination.js";
import { ThreadIdParams } from "../schemas/common.js";
import {
  HistoryBody,
  HistoryQuery,
  StateAtCheckpoint,
  StatePatch,
  StateQuery,
  StateUpdate,
  ThreadCheckpointParams,
  ThreadCount,
  ThreadCreate,
  ThreadGetQuery,
  ThreadPatch,
  ThreadPrune,
  ThreadSearch,
} from "../schemas/threads.js";
import { selectFields } from "../select.js";

const tags = ["threads"];

export function threadRoutes(app: App, deps: AppDeps): void {
  const { threads } = deps;

  app.post("/threads", { schema: { tags, summary: "Create a thread", body: ThreadCreate } }, async (request) =>
    threads.create(request.auth, request.body),
  );

  app.post("/threads/search", { schema: { tags, summary: "Search threads", body: ThreadSearch } }, async (request, reply) => {
    const limit = request.body.limit ?? 10;
    const offset = request.body.offset ?? 0;
    const { items, total } = await threads.search(request.auth, { ...request.body, limit, offset });
    paginate(reply, { total, limit, offset });
    const { select, extract } = request.body;
    return selectFields(items, select?.length && extract ? [...select, "extracted"] : select);
  });

  app.post(
    "/threads/prune",
    { schema: { tags, summary: "Prune threads: delete them, or keep only their latest state (keep_latest)", body: ThreadPrune } },
    async (request) => threads.prune(request.auth, request.body),
  );

  app.post("/threads/count", { schema: { tags, summary: "Count threads", body: ThreadCount } }, async (request) =>
    threads.count(request.auth, request.body),
  );

  app.get(
    "/threads/:thread_id",
    { schema: { tags, summary: "Get a thread (include=ttl adds its time-to-live)", params: ThreadIdParams, querystring: ThreadGetQuery } },
    async (request) => {
      const include = [request.query.include ?? []].flat().flatMap((v) => v.split(",")).map((v) => v.trim());
      return threads.get(request.auth, request.params.thread_id, { include });
    },
  );

  app.patch(
    "/threads/:thread_id",
    { schema: { tags, summary: "Update a thread: merge metadata, set its time-to-live", params: ThreadIdParams, body: ThreadPatch } },
    async (request, reply) => {
      const thread = await threads.update(request.auth, request.params.thread_id, request.body);
      // `Prefer: return=minimal` (the SDKs' returnMinimal) asks for no body.
      if (/\breturn=minimal\b/.test(String(request.headers.prefer ?? ""))) return reply.code(204).send();
      return thread;
    },
  );

  app.delete("/threads/:thread_id", { schema: { tags, summary: "Delete a thread", params: ThreadIdParams } }, async (request, reply) => {
    await threads.delete(request.auth, request.params.thread_id);
    return reply.code(204).send();
  });

  app.post("/threads/:thread_id/copy", { schema: { tags, summary: "Copy a thread", params: ThreadIdParams } }, async (request) =>
    threads.copy(request.auth, request.params.thread_id),
  );

  app.get(
    "/threads/:thread_id/state",
    { schema: { tags, summary: "Get a thread's state", params: ThreadIdParams, querystring: StateQuery } },
    async (request) => threads.getState(request.auth, request.params.thread_id, { subgraphs: request.query.subgraphs }),
  );

  app.post(
    "/threads/:thread_id/state",
    { schema: { tags, summary: "Update a thread's state", params: ThreadIdParams, body: StateUpdate } },
    async (request) => threads.updateState(request.auth, request.params.thread_id, request.body),
  );

  app.patch(
    "/threads/:thread_id/state",
    { schema: { tags, summary: "Merge metadata into a checkpoint (the latest by default)", params: ThreadIdParams, body: StatePatch } },
    async (request, reply) => {
      await threads.patchState(request.auth, request.params.thread_id, request.body);
      return reply.code(204).send();
    },
  );

  app.get(
    "/threads/:thread_id/state/:checkpoint_id",
    { schema: { tags, summary: "Get a thread's state at a checkpoint", params: ThreadCheckpointParams, querystring: StateQuery } },
    async (request) =>
      threads.getState(request.auth, request.params.thread_id, {
        checkpoint: { checkpoint_id: request.params.checkpoint_id },
        subgraphs: request.query.subgraphs,
      }),
  );

  app.post(
    "/threads/:thread_id/state/checkpoint",
    { schema: { tags, summary: "Get a thread's state at a checkpoint", params: ThreadIdParams, body: StateAtCheckpoint } },
    async (request) =>
      threads.getState(request.auth, request.params.thread_id, { checkpoint: request.body.checkpoint, subgraphs: request.body.subgraphs }),
  );

  app.get(
    "/threads/:thread_id/history",
    { schema: { tags, summary: "A thread's past states, newest first", params: ThreadIdParams, querystring: HistoryQuery } },
    async (request) =>
      threads.history(request.auth, request.params.thread_id, { limit: request.query.limit ?? 10, before: request.query.before }),
  );

  app.post(
    "/threads/:thread_id/history",
    { schema: { tags, summary: "A thread's past states, newest first", params: ThreadIdParams, body: HistoryBody } },
    async (request) => {
      const { before } = request.body;
      return threads.history(request.auth, request.params.thread_id, {
        limit: request.body.limit ?? 10,
        before: before && typeof before === "object" && "configurable" in before ? before.configurable : before,
        metadata: request.body.metadata,
        checkpoint: request.body.checkpoint,
      });
    },
  );
}
