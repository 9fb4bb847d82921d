import type { FastifyReply, FastifyRequest } from "fastify";
import Type from "typebox";
import type { Run } from "../../storage/types.js";
import type { App, AppDeps } from "../app.js";
import { disconnectSignal } from "../disconnect.js";
import { ThreadIdParams, ThreadRunParams, Uuid } from "../schemas/common.js";
import { RunCreate } from "../schemas/runs.js";
import { CancelMany, CancelQuery, JoinStreamQuery, RunListQuery, ThreadStreamQuery } from "../schemas/runs-query.js";
import { selectFields } from "../select.js";
import { sendJsonWhenReady, sendSse } from "../sse.js";

const tags = ["runs"];
const RunIdParams = Type.Object({ run_id: Uuid });

function runPath(run: Run, stateless: boolean): string {
  return stateless ? `/runs/${run.run_id}` : `/threads/${run.thread_id}/runs/${run.run_id}`;
}

function truthy(value: unknown): boolean {
  return value === true || (typeof value === "string" && ["1", "true", "yes"].includes(value.toLowerCase()));
}

export function runRoutes(app: App, deps: AppDeps): void {
  const { runs } = deps;

  /** Streams a run just created (or joined), cancelling it on disconnect when asked. */
  async function streamRun(
    request: FastifyRequest,
    reply: FastifyReply,
    run: Run,
    options: { stateless: boolean; afterId?: number; cancelOnDisconnect: boolean },
  ): Promise<void> {
    const signal = disconnectSignal(request, reply);
    signal.addEventListener("abort", () => {
      if (!options.cancelOnDisconnect) return;
      void runs
        .cancel(request.auth, run.thread_id, run.run_id, { action: "interrupt", wait: false })
        .catch((err) => request.log.warn({ err, runId: run.run_id }, "cancel on disconnect failed"));
    });
    const headers: Record<string, string> = { "content-location": runPath(run, options.stateless) };
    // Resumable runs tell the SDKs where to reconnect (they resend Last-Event-ID there).
    if (run.kwargs.resumable) headers.location = `${runPath(run, options.stateless)}/stream`;
    await sendSse(reply, runs.eventBatches(run, { afterId: options.afterId, signal }), { withIds: true, heartbeatMs: deps.heartbeatMs, headers });
  }

  // --- stateful: a thread in the path -----------------------------------------------------

  app.post(
    "/threads/:thread_id/runs",
    { schema: { tags, summary: "Create a background run", params: ThreadIdParams, body: RunCreate } },
    async (request, reply) => {
      const run = await runs.create(request.auth, request.params.thread_id, request.body, request.headers);
      void reply.header("content-location", runPath(run, false));
      return run;
    },
  );

  app.post(
    "/threads/:thread_id/runs/stream",
    { schema: { tags, summary: "Create a run and stream its events (SSE)", params: ThreadIdParams, body: RunCreate } },
    async (request, reply) => {
      const run = await runs.create(request.auth, request.params.thread_id, request.body, request.headers);
      await streamRun(request, reply, run, { stateless: false, cancelOnDisconnect: request.body.on_disconnect === "cancel" });
    },
  );

  app.post(
    "/threads/:thread_id/runs/wait",
    { schema: { tags, summary: "Create a run and wait for its final values", params: ThreadIdParams, body: RunCreate } },
    async (request, reply) => {
      const run = await runs.create(request.auth, request.params.thread_id, request.body, request.headers);
      await sendJsonWhenReady(reply, runs.waitForResult(run, disconnectSignal(request, reply)), {
        "content-location": runPath(run, false),
      });
    },
  );

  app.get(
    "/threads/:thread_id/runs",
    { schema: { tags, summary: "List a thread's runs, newest first", params: ThreadIdParams, querystring: RunListQuery } },
    async (request) =>
      selectFields(
        await runs.list(request.auth, request.params.thread_id, {
          limit: request.query.limit ?? 10,
          offset: request.query.offset ?? 0,
          status: request.query.status,
        }),
        request.query.select,
      ),
  );

  app.get("/threads/:thread_id/runs/:run_id", { schema: { tags, summary: "Get a run", params: ThreadRunParams } }, async (request) =>
    runs.get(request.auth, request.params.thread_id, request.params.run_id),
  );

  app.delete(
    "/threads/:thread_id/runs/:run_id",
    { schema: { tags, summary: "Delete a run (cancelling it first)", params: ThreadRunParams } },
    async (request, reply) => {
      await runs.delete(request.auth, request.params.thread_id, request.params.run_id);
      return reply.code(204).send();
    },
  );

  app.get(
    "/threads/:thread_id/runs/:run_id/join",
    { schema: { tags, summary: "Wait for a run and return the thread's values", params: ThreadRunParams } },
    async (request, reply) => {
      const values = await runs.join(request.auth, request.params.thread_id, request.params.run_id, disconnectSignal(request, reply));
      return reply.send(values);
    },
  );

  app.get(
    "/threads/:thread_id/runs/:run_id/stream",
    { schema: { tags, summary: "Join a run's event stream (Last-Event-ID resumes)", params: ThreadRunParams, querystring: JoinStreamQuery } },
    async (request, reply) => {
      const run = await runs.get(request.auth, request.params.thread_id, request.params.run_id);
      const lastEventId = Number.parseInt(String(request.headers["last-event-id"] ?? ""), 10);
      await streamRun(request, reply, run, {
        stateless: false,
        afterId: Number.isFinite(lastEventId) ? lastEventId : -1,
        cancelOnDisconnect: truthy(request.query.cancel_on_disconnect),
      });
    },
  );

  app.post(
    "/threads/:thread_id/runs/:run_id/cancel",
    { schema: { tags, summary: "Cancel a run (interrupt keeps checkpoints, rollback deletes them)", params: ThreadRunParams, querystring: CancelQuery } },
    async (request, reply) => {
      const wait = truthy(request.query.wait);
      await runs.cancel(request.auth, request.params.thread_id, request.params.run_id, {
        action: request.query.action ?? "interrupt",
        wait,
        signal: disconnectSignal(request, reply),
      });
      return reply.code(wait ? 204 : 202).send();
    },
  );

  app.get(
    "/threads/:thread_id/stream",
    {
      schema: {
        tags,
        summary: "Stream every run of the thread in turn (SSE); stays open, Last-Event-ID resumes",
        params: ThreadIdParams,
        querystring: ThreadStreamQuery,
      },
    },
    async (request, reply) => {
      const events = await runs.threadStream(request.auth, request.params.thread_id, {
        lastEventId: request.headers["last-event-id"] as string | undefined,
        modes: request.query.stream_mode?.length ? request.query.stream_mode : ["run_modes"],
        signal: disconnectSignal(request, reply),
      });
      // The SDKs reconnect to a Location with the last event id they saw.
      await sendSse(reply, events, { withIds: true, heartbeatMs: deps.heartbeatMs, headers: { location: `/threads/${request.params.thread_id}/stream` } });
    },
  );

  app.post(
    "/runs/cancel",
    { schema: { tags, summary: "Cancel many runs", body: CancelMany, querystring: Type.Object({ action: Type.Optional(CancelQuery.properties.action) }) } },
    async (request, reply) => {
      await runs.cancelMany(request.auth, request.body, request.query.action ?? "interrupt");
      return reply.code(204).send();
    },
  );

  // --- stateless: a new thread per run ----------------------------------------------------

  app.post("/runs", { schema: { tags, summary: "Create a stateless background run", body: RunCreate } }, async (request, reply) => {
    const run = await runs.create(request.auth, null, request.body, request.headers);
    void reply.header("content-location", runPath(run, true));
    return run;
  });

  app.post("/runs/stream", { schema: { tags, summary: "Create a stateless run and stream it (SSE)", body: RunCreate } }, async (request, reply) => {
    const run = await runs.create(request.auth, null, request.body, request.headers);
    await streamRun(request, reply, run, { stateless: true, cancelOnDisconnect: request.body.on_disconnect === "cancel" });
  });

  app.post("/runs/wait", { schema: { tags, summary: "Create a stateless run and wait for its values", body: RunCreate } }, async (request, reply) => {
    const run = await runs.create(request.auth, null, request.body, request.headers);
    await sendJsonWhenReady(reply, runs.waitForResult(run, disconnectSignal(request, reply)), { "content-location": runPath(run, true) });
  });

  app.post(
    "/runs/batch",
    { schema: { tags, summary: "Create many stateless background runs", body: Type.Array(RunCreate, { minItems: 1, maxItems: 1000 }) } },
    async (request) => Promise.all(request.body.map((body) => runs.create(request.auth, null, body, request.headers))),
  );

  app.get(
    "/runs/:run_id/stream",
    { schema: { tags, summary: "Join a stateless run's event stream", params: RunIdParams, querystring: JoinStreamQuery } },
    async (request, reply) => {
      const run = await runs.getStateless(request.auth, request.params.run_id);
      const lastEventId = Number.parseInt(String(request.headers["last-event-id"] ?? ""), 10);
      await streamRun(request, reply, run, {
        stateless: true,
        afterId: Number.isFinite(lastEventId) ? lastEventId : -1,
        cancelOnDisconnect: truthy(request.query.cancel_on_disconnect),
      });
    },
  );
}
