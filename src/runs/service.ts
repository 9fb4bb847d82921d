/**
 * Runs: create (with the multitask strategies), read, join and cancel, all through the access
 * guard: creating a run needs a runnable assistant (see access.ts) and `threads:create_run` on its
 * thread; reading a run is authorized as a read of its thread, cancelling as an update, deleting
 * as a delete.
 */
import { v7 as uuidv7 } from "uuid";
import type { AccessGuard } from "../auth/access.js";
import type { AuthContext } from "../auth/authenticate.js";
import { RunNotFound, ServerStopping, ThreadBusy, ThreadNotFound, Unprocessable } from "../errors.js";
import type { Assistant, CancelAction, ClaimedRun, CreateRunResult, Metadata, MultitaskStrategy, Run, RunKwargs, RunStatus, Storage } from "../storage/types.js";
import type { RunBroker, RunEvent } from "./broker.js";
import { SERVER_CONFIGURABLE_KEYS } from "../graphs/configurable.js";
import { configurableHeaders, headerFilter } from "./configurable-headers.js";
import type { ThreadFeed } from "./thread-feed.js";
import { parseThreadPosition, threadStreamEvents, type ThreadStreamEvent, type ThreadStreamMode } from "./thread-stream.js";
import type { WebhookSender } from "./webhooks.js";
import type { WorkerPool } from "./worker.js";

/** The fields of a run-create request body (`RunCreate` in the API). */
export interface RunCreateBody {
  assistant_id: string;
  input?: unknown;
  command?: unknown;
  checkpoint_id?: string;
  checkpoint?: Record<string, unknown>;
  config?: Record<string, unknown>;
  context?: unknown;
  metadata?: Metadata;
  stream_mode?: string | string[];
  stream_subgraphs?: boolean;
  stream_resumable?: boolean;
  interrupt_before?: string[] | "*";
  interrupt_after?: string[] | "*";
  multitask_strategy?: MultitaskStrategy;
  if_not_exists?: "reject" | "create";
  after_seconds?: number;
  webhook?: string;
  feedback_keys?: string[];
  on_completion?: "delete" | "keep" | "complete" | "continue";
  durability?: RunKwargs["durability"];
  /** Deprecated spelling of `durability`: false means `exit`, true `async`. */
  checkpoint_during?: boolean;
}

/** The run's durability: `durability` when given, else what `checkpoint_during` means, else LangGraph's default. */
function durabilityOf(body: RunCreateBody): RunKwargs["durability"] {
  if (body.durability) return body.durability;
  if (body.checkpoint_during === undefined) return undefined;
  return body.checkpoint_during ? "async" : "exit";
}

export class RunService {
  constructor(
    private readonly storage: Storage,
    private readonly access: AccessGuard,
    private readonly broker: RunBroker,
    private readonly worker: WorkerPool,
    private readonly webhooks: WebhookSender,
    private readonly feed: ThreadFeed,
    private readonly headerAllowed: (name: string) => boolean = headerFilter(undefined),
  ) {}

  /**
   * Creates a run on `threadId`, or — with `threadId` null — a stateless run on a new thread that
   * is deleted when the run ends (unless `on_completion: "keep"`). `protocol`: the run streams the
   * thread-centric protocol's events (see executor.ts), for the protocol's own commands.
   */
  async create(
    auth: AuthContext | null,
    threadIdOrNull: string | null,
    body: RunCreateBody,
    headers: Record<string, string | string[] | undefined> = {},
    options: { protocol?: boolean } = {},
  ): Promise<Run> {
    const stateless = threadIdOrNull === null;
    if (body.webhook) await this.webhooks.validate(body.webhook);
    const threadId = threadIdOrNull ?? uuidv7();
    const assistant = await this.access.runnableAssistant(auth, body.assistant_id);
    const assistantId = assistant.assistant_id;

    const runId = uuidv7();
    const callerConfig = (body.config ?? {}) as { configurable?: Record<string, unknown> };
    const configurable: Record<string, unknown> = { ...configurableHeaders(headers, this.headerAllowed), ...(callerConfig.configurable ?? {}) };
    // Identity fields are the server's: a caller cannot pose as someone else to the graph.
    for (const key of [...SERVER_CONFIGURABLE_KEYS, ...(auth ? ["user_id"] : [])]) delete configurable[key];
    const config = { ...callerConfig, configurable };
    const streamMode = body.stream_mode === undefined ? ["values"] : Array.isArray(body.stream_mode) ? body.stream_mode : [body.stream_mode];
    const kwargs: RunKwargs = {
      input: body.input,
      command: body.command,
      config,
      context: body.context,
      stream_mode: streamMode,
      interrupt_before: body.interrupt_before,
      interrupt_after: body.interrupt_after,
      webhook: body.webhook,
      feedback_keys: body.feedback_keys,
      temporary: stateless && body.on_completion !== "keep" && body.on_completion !== "continue",
      subgraphs: body.stream_subgraphs ?? false,
      resumable: body.stream_resumable ?? false,
      checkpoint_id: body.checkpoint_id,
      checkpoint: body.checkpoint,
      durability: durabilityOf(body),
      ...(options.protocol ? { protocol: true } : {}),
    };
    const value = {
      thread_id: threadId,
      assistant_id: assistantId,
      run_id: runId,
      status: "pending",
      metadata: { ...(body.metadata ?? {}) },
      multitask_strategy: body.multitask_strategy ?? "reject",
      if_not_exists: stateless ? "create" : (body.if_not_exists ?? "reject"),
      after_seconds: body.after_seconds,
      kwargs,
    };
    // A thread the filter hides is missing to this caller; storage checks it in the same
    // transaction that creates the run (a thread that does not exist yet may still be created by
    // `if_not_exists: "create"`).
    const threadFilter = await this.access.filter(auth, "threads", "create_run", value);

    const now = new Date();
    const createdAt = new Date(now.getTime() + Math.max(0, body.after_seconds ?? 0) * 1000).toISOString();
    const run: Run = {
      run_id: runId,
      thread_id: threadId,
      assistant_id: assistantId,
      status: "pending",
      metadata: value.metadata ?? {},
      kwargs,
      multitask_strategy: value.multitask_strategy as MultitaskStrategy,
      created_at: createdAt,
      updated_at: createdAt,
    };
    // With a free slot here, the run is claimed as it is created (when it can start at once).
    // Not a protocol run: its client subscribes once the command has answered, and the SDK skips
    // a run that ended before that; started at once, a short run could end first.
    const claimFor = options.protocol ? undefined : this.worker.reserveForCreation();
    let claimed: ClaimedRun | undefined;
    let result: CreateRunResult;
    try {
      result = await this.storage.runs.create({
        run,
        internal: { attempt: 0, auth },
        createThreadWith:
          value.if_not_exists === "create"
            ? { ...value.metadata, ...(stateless ? { graph_id: assistant.graph_id, assistant_id: assistantId } : {}) }
            : undefined,
        threadMetadata: { graph_id: assistant.graph_id, assistant_id: assistantId },
        threadConfig: { ...config, configurable: threadConfigurable(assistant, configurable) },
        threadFilter,
        claimFor,
      });
      if (result.kind === "created" && result.claimed) claimed = { ...result.claimed, assistant };
    } finally {
      if (claimFor) this.worker.created(claimed);
    }
    if (result.kind === "thread_missing") throw new ThreadNotFound(threadId);
    if (result.kind === "busy") throw new ThreadBusy();
    if (run.multitask_strategy === "interrupt" || run.multitask_strategy === "rollback") {
      await this.worker.lifecycle.cancel(result.inflight, run.multitask_strategy);
    }
    if (!claimed) this.worker.runCreated(new Date(run.created_at));
    this.feed.notify(threadId);
    return result.run;
  }

  /** A run, authorized against its thread; hidden and missing runs are both 404. */
  async get(auth: AuthContext | null, threadId: string, runId: string): Promise<Run> {
    await this.access.thread(auth, threadId, "read");
    const run = await this.storage.runs.get(runId, threadId);
    if (!run) throw new RunNotFound();
    return run;
  }

  /** Runs of a thread, newest first. */
  async list(auth: AuthContext | null, threadId: string, query: { limit: number; offset: number; status?: RunStatus }): Promise<Run[]> {
    await this.access.thread(auth, threadId, "read");
    return this.storage.runs.listByThread(threadId, query);
  }

  /**
   * The run's events from after `afterId` (-1: all), live until it ends. Every reader gets every
   * event; `authorize` has been done by the caller (`get`).
   */
  events(run: Run, options: { afterId?: number; signal?: AbortSignal }): AsyncGenerator<RunEvent> {
    return this.broker.subscribe(run.run_id, this.subscription(run, options));
  }

  /** As `events`, in the batches they arrive in (what a stream writes at once). */
  eventBatches(run: Run, options: { afterId?: number; signal?: AbortSignal }): AsyncGenerator<RunEvent[]> {
    return this.broker.subscribeBatches(run.run_id, this.subscription(run, options));
  }

  private subscription(run: Run, options: { afterId?: number; signal?: AbortSignal }) {
    return { ...options, pending: run.status === "pending", isTerminal: () => this.isTerminal(run.run_id) };
  }

  /**
   * Waits for the run and returns, as JSON text, what `/wait` answers: the last `values` event,
   * or the thread's values when the run emitted none, or `{"__error__": {error, message}}` when
   * it failed. Events are JSON already, so they are passed on as they are, never re-parsed.
   */
  async waitForResult(run: Run, signal?: AbortSignal): Promise<string> {
    let lastValues: string | undefined;
    let error: string | undefined;
    try {
      for await (const event of this.events(run, { signal })) {
        if (event.event === "values") lastValues = event.data;
        else if (event.event === "error") error = event.data;
      }
    } catch (err) {
      // The answer's status line is long gone: the error goes in the body, as a failed run's does.
      if (err instanceof ServerStopping) return JSON.stringify({ __error__: { error: err.name, message: err.message } });
      throw err;
    }
    if (error !== undefined) return `{"__error__":${error}}`;
    if (lastValues !== undefined) return lastValues;
    const thread = await this.storage.threads.get(run.thread_id);
    return JSON.stringify(thread?.values ?? null);
  }

  /** Waits for the run to end and returns the thread's values (as `/join` does). */
  async join(auth: AuthContext | null, threadId: string, runId: string, signal?: AbortSignal): Promise<unknown> {
    const run = await this.get(auth, threadId, runId);
    await this.broker.waitForEnd(run.run_id, { signal, isTerminal: () => this.isTerminal(run.run_id) });
    const thread = await this.storage.threads.get(threadId);
    if (!thread) return null;
    const final = await this.storage.runs.get(runId);
    if (final?.status === "error") {
      const error = await this.lastError(run);
      if (error) return { __error__: error };
    }
    return thread.values ?? null;
  }

  private async lastError(run: Run): Promise<unknown> {
    for await (const event of this.events(run, {})) if (event.event === "error") return JSON.parse(event.data);
    return undefined;
  }

  /** A stateless run (no thread in the path), authorized against the thread it runs on. */
  async getStateless(auth: AuthContext | null, runId: string): Promise<Run> {
    const run = await this.storage.runs.get(runId);
    if (!run) throw new RunNotFound();
    return this.get(auth, run.thread_id, runId);
  }

  /**
   * `GET /threads/:id/stream`: every run of the thread in turn, live, from `lastEventId` (see
   * thread-stream.ts), until `signal` aborts.
   */
  async threadStream(
    auth: AuthContext | null,
    threadId: string,
    options: { lastEventId?: string; modes: readonly ThreadStreamMode[]; signal: AbortSignal },
  ): Promise<AsyncGenerator<ThreadStreamEvent>> {
    await this.access.thread(auth, threadId, "read");
    const items = this.feed.follow(threadId, { from: parseThreadPosition(options.lastEventId), signal: options.signal });
    return threadStreamEvents(items, new Set(options.modes));
  }

  async isTerminal(runId: string): Promise<boolean> {
    const run = await this.storage.runs.get(runId);
    return !run || (run.status !== "pending" && run.status !== "running");
  }

  /**
   * Cancels a run: `interrupt` keeps its checkpoints, `rollback` deletes the run and the
   * checkpoints it wrote. A run that already ended is left as it is (a no-op success).
   */
  async cancel(
    auth: AuthContext | null,
    threadId: string,
    runId: string,
    options: { action: CancelAction; wait: boolean; signal?: AbortSignal },
  ): Promise<void> {
    await this.cancellableThread(auth, threadId, [runId], options.action);
    const run = await this.storage.runs.get(runId, threadId);
    if (!run) throw new RunNotFound();
    await this.worker.lifecycle.cancel([run], options.action);
    if (options.wait) await this.broker.waitForEnd(runId, { signal: options.signal, isTerminal: () => this.isTerminal(runId) });
  }

  /** `POST /runs/cancel`: the given runs of a thread, or every run of a status. */
  async cancelMany(
    auth: AuthContext | null,
    body: { thread_id?: string; run_ids?: string[]; status?: "pending" | "running" | "all" },
    action: CancelAction,
  ): Promise<void> {
    let runs: Run[] = [];
    if (body.thread_id) {
      await this.cancellableThread(auth, body.thread_id, body.run_ids, action);
      const inflight = (await this.storage.runs.listByThread(body.thread_id, { limit: 10_000, offset: 0 })).filter(
        (r) => r.status === "pending" || r.status === "running",
      );
      runs = body.run_ids ? inflight.filter((r) => body.run_ids!.includes(r.run_id)) : inflight;
    } else if (body.status) {
      for (const status of body.status === "all" ? (["pending", "running"] as const) : [body.status]) {
        for (const run of await this.storage.runs.listByStatus(status)) {
          try {
            await this.cancellableThread(auth, run.thread_id, [run.run_id], action);
            runs.push(run);
          } catch {
            // Runs on threads the caller may not touch are left alone.
          }
        }
      }
    } else {
      throw new Unprocessable("Either thread_id (optionally with run_ids) or status is required");
    }
    await this.worker.lifecycle.cancel(runs, action);
  }

  async delete(auth: AuthContext | null, threadId: string, runId: string): Promise<void> {
    await this.access.thread(auth, threadId, "delete", { run_id: runId });
    const run = await this.storage.runs.get(runId, threadId);
    if (!run) throw new RunNotFound();
    if (run.status === "pending" || run.status === "running") await this.worker.lifecycle.cancel([run], "interrupt");
    await this.storage.runs.delete(runId);
  }

  /** Cancelling runs is an update of their thread (`threads:update`); hidden is 404, as everywhere. */
  private async cancellableThread(auth: AuthContext | null, threadId: string, runIds: string[] | undefined, action: CancelAction): Promise<void> {
    await this.access.thread(auth, threadId, "update", { run_ids: runIds, action, metadata: { run_ids: runIds, action } });
  }
}

/**
 * As on the Platform, a thread keeps the configurable its graph is built with (the assistant's
 * under the run's, without the server's keys): its state routes build a graph factory with it.
 */
function threadConfigurable(assistant: Assistant, run: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(assistant.config as { configurable?: Record<string, unknown> }).configurable, ...run };
  for (const key of SERVER_CONFIGURABLE_KEYS) delete merged[key];
  return merged;
}
