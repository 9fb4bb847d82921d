import type { FastifyReply, FastifyRequest } from "fastify";

/** Aborts when the client goes away (the response closes before it finished). */
export function disconnectSignal(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  request.raw.on("aborted", () => controller.abort());
  return controller.signal;
}
