/**
 * Requests the project's own code makes to this server without a network (the SDK's `Client`
 * made without `apiUrl`, see graphs/platform-globals.ts). They go through the whole Fastify
 * pipeline with `inject`: authentication, validation, the services' authorization, the error
 * mapper; responses stream (SSE included) as they are written.
 *
 * Such a request may carry an identity: the user of the run or the request its client was made
 * in. It is handed to the authentication hook beside the request, in an async context only this
 * dispatcher enters (see graphs/execution-context.ts), never in a header: nothing a client sends
 * over the network can claim it. A request without one is authenticated from its own headers, and
 * its peer address is not loopback, so it cannot be taken for Studio either.
 */
import { AsyncResource } from "node:async_hooks";
import { Readable } from "node:stream";
import type { LightMyRequestResponse as InjectResponse } from "fastify";
import type { AuthContext } from "../auth/authenticate.js";
import { executionContext, type PlatformTarget } from "../graphs/execution-context.js";
import type { App } from "./app.js";

/** The peer address in-process requests show (logs, the Studio rule): not an address at all. */
export const IN_PROCESS_ADDRESS = "in-process";

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

export class InProcessRequests {
  private app?: App;
  /**
   * The async context the server was started in. Requests are served from it, as a request
   * from a socket would be, not from the caller's: a request made inside a graph node must not
   * inherit the node's LangGraph config (a graph the route runs would take it for its parent's).
   */
  private readonly root = new AsyncResource("agent-server.in-process");

  /** `target` is the server these requests are served by, as the project's code sees it. */
  constructor(private readonly target: PlatformTarget) {}

  /** The app to serve requests with, once it is ready. */
  attach(app: App): void {
    this.app = app;
  }

  /** The identity the request being authenticated was made with in-process, if it was. */
  inboundAuth(): AuthContext | undefined {
    const context = executionContext.getStore();
    return context?.inProcess && context.target === this.target ? (context.auth ?? undefined) : undefined;
  }

  /** Serves `path` (the full path, mount prefix included) as `auth`; see the file comment. */
  async fetch(path: string, init: RequestInit | undefined, auth: AuthContext | null): Promise<Response> {
    const app = this.app;
    if (!app) throw new Error("agent-server: the server is not serving requests yet");
    // A Request normalises what fetch accepts (header shapes, body types and their content-type).
    const request = new Request(`http://in-process${path}`, { ...init, signal: undefined });
    const payload = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[name] = value));
    // What `http.configurable_headers` copies into a run's config names the caller, not the tool.
    headers["user-agent"] ??= "agent-server (in-process)";
    const options = {
      method: request.method as "GET",
      url: path,
      headers,
      payload,
      payloadAsStream: true,
      remoteAddress: IN_PROCESS_ADDRESS,
      ...(init?.signal ? { signal: init.signal } : {}),
    };
    const response = await new Promise<InjectResponse>((resolve, reject) => {
      // The callback form: inject's promise form starts the request from a later job, outside
      // the async context entered here.
      const send = () =>
        app.inject(options, (err, res) => (err || !res ? reject(err ?? new Error("in-process request failed")) : resolve(res)));
      this.root.runInAsyncScope(() => executionContext.run({ target: this.target, auth, inProcess: true }, send));
    });
    return toFetchResponse(response);
  }
}

function toFetchResponse(response: InjectResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
  }
  const stream = response.stream();
  // A reader that stops early (the SDK leaving a stream) must end the response on the server
  // side too, as a closed socket would: the route stops writing and lets go of the run.
  const serverSide = response.raw.res;
  stream.once("close", () => {
    if (!stream.readableEnded) serverSide.destroy();
  });
  if (NULL_BODY_STATUS.has(response.statusCode)) {
    stream.resume();
    return new Response(null, { status: response.statusCode, headers });
  }
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status: response.statusCode, headers });
}
