import type { FastifyReply } from "fastify";

/** `X-Pagination-Total` always; `X-Pagination-Next` when another page exists. */
export function paginate(reply: FastifyReply, page: { total: number; limit: number; offset: number }): void {
  void reply.header("x-pagination-total", String(page.total));
  if (page.offset + page.limit < page.total) void reply.header("x-pagination-next", String(page.offset + page.limit));
}
