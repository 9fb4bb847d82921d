/**
 * The thread-centric protocol (v2) that the SDK's `client.threads.stream()` and `useStream` speak:
 * HTTP commands plus filtered SSE streams, or one WebSocket. The logic is in src/protocol/.
 */
import type { WebSocket } from "ws";
import { UpgradeRequired } from "../../errors.js";
import type { App, AppDeps } from "../app.js";
import { disconnectSignal } from "../disconnect.js";
import { ThreadIdParams } from "../schemas/common.js";
import { EventStreamBody, ProtocolCommandBody } from "../schemas/protocol.js";
import { sendSse } from "../sse.js";

const tags = ["protocol"];

/** The close code for a refusal after the socket was accepted: 4000 + the HTTP status (SDK convention). */
function refusalCode(err: unknown): number {
  const status = (err as { status?: number }).status;
  return typeof status === "number" && status >= 400 && status < 500 ? 4000 + status : 1011;
}

export function protocolRoutes(app: App, deps: AppDeps): void {
  const { protocol } = deps;

  app.post(
    "/threads/:thread_id/commands",
    {
      schema: {
        tags,
        summary: "Run one protocol command ({id, method, params}) on the thread; answers {type: success|error, id, result|error, meta}",
        params: ThreadIdParams,
        body: ProtocolCommandBody,
      },
    },
    async (request) => protocol.command(request.auth, request.params.thread_id, request.body, request.headers),
  );

  app.post(
    "/threads/:thread_id/stream/events",
    {
      schema: {
        tags,
        summary: "The thread's protocol events that match the filter (SSE): held ones after `since` (or Last-Event-ID), then live, across runs, until the client closes",
        params: ThreadIdParams,
        body: EventStreamBody,
      },
    },
    async (request, reply) => {
      const events = await protocol.events(request.auth, request.params.thread_id, request.body, {
        lastEventId: request.headers["last-event-id"] as string | undefined,
        signal: disconnectSignal(request, reply),
      });
      await sendSse(reply, events, { withIds: true, heartbeatMs: deps.heartbeatMs });
    },
  );

  app.route({
    method: "GET",
    url: "/threads/:thread_id/stream/events",
    schema: {
      tags,
      summary: "WebSocket: protocol commands, subscriptions and events on one connection (a plain GET is answered 426)",
      params: ThreadIdParams,
    },
    handler: async () => {
      throw new UpgradeRequired("Open this route as a WebSocket (or use POST for an SSE stream)");
    },
    wsHandler: async (socket: WebSocket, request) => {
      const { thread_id } = request.params as { thread_id: string };
      // Messages can arrive before the thread is authorized: they wait for the session.
      const early: string[] = [];
      let session: Awaited<ReturnType<typeof protocol.openSocket>> | undefined;
      const receive = (text: string) =>
        session!.receive(text).catch((err) => request.log.error({ err, threadId: thread_id }, "protocol command failed"));
      socket.on("message", (data) => {
        const text = data.toString();
        if (session) void receive(text);
        else early.push(text);
      });
      // Pings keep proxies from cutting an idle socket (clients answer them by themselves).
      const ping = setInterval(() => socket.ping(), deps.heartbeatMs);
      socket.on("close", () => {
        clearInterval(ping);
        session?.close();
      });
      try {
        session = await protocol.openSocket(request.auth, thread_id, request.headers, {
          send: (text) => new Promise((resolve) => socket.send(text, () => resolve())),
          close: (code, reason) => socket.close(code, reason),
        });
      } catch (err) {
        socket.close(refusalCode(err), (err as Error).message.slice(0, 120));
        return;
      }
      if (socket.readyState !== socket.OPEN) session.close();
      for (const text of early.splice(0)) void receive(text);
    },
  });
}
