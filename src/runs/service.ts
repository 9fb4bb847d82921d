/**
 * Runs: create (with the multitask strategies), read, join and cancel. Authorization happens
 * here: creating a run checks `assistants:read` on its assistant and `threads:create_run` on its
 * thread; reading a run is authorized against its thread.
 */
import { v7 as uuidv7 } from "uuid";
import type { AuthContext } from "../auth/authenticate.js";
import type { Authorizer } from "../auth/authorize.js";
import { NotFound, ServerStopping, Unprocessable } from "../errors.js";
import type { GraphRegistry } from "../graphs/registry.js";
import type { Metadata, MetadataFilter, MultitaskStrategy, Run, RunKwargs, RunStatus, Storage, Thread } from "../storage/types.js";
import { threadNotFound } from "../threads/service.js";
import type { RunBroker, RunEvent } from "./broker.js";
import { SERVER_CONFIGURABLE_KEYS } from "./executor.js";
import { configurableHeaders, headerFilter } from "./configurable-headers.js";
import type { WebhookSender } from "./webhooks.js";
import type { CancelAction, WorkerPool } from "./worker.js";

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
}

const BUSY_MESSAGE = "Thread is already running a task. Wait for it to finish or choose a different multitask strategy.";

export class RunService {
  constructor(
    private readonly storage: Storage,
    private readonly graphs: GraphRegistry,
    private readonly authorizer: Authorizer,
    private readonly broker: RunBroker,
    private readonly worker: WorkerPool,
    private readonly webhooks: WebhookSender,
    private readonly headerAllowed: (name: string) => boolean = headerFilter(undefined),
  ) {}

  /**
   * Creates a run on `threadId`, or — with `threadId` null — a stateless run on a new thread that
   * is deleted when the run ends (unless `on_completion: "keep"`).
   */
  async create(
    auth: AuthContext | null,
    threadIdOrNull: string | null,
    body: RunCreateBody,
    headers: Record<string, string | string[] | undefined> = {},
  ): Promise<Run> {
    const stateless = threadIdOrNull === null;
    if (body.webhook) this.webhooks.validate(body.webhook);
    const threadId = threadIdOrNull ?? uuidv7();
    const assistantId = this.graphs.resolveAssistantId(body.assistant_id);
    const assistantFilter = await this.authorizer.authorize(auth, "assistants", "read", { assistant_id: assistantId });
    const assistant = await this.storage.assistants.get(assistantId, assistantFilter);
    if (!assistant) {
      throw new NotFound(
        `No assistant found for "${body.assistant_id}". Make sure the assistant ID is for a valid assistant or a valid graph ID.`,
      );
    }

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
    const filter = await this.authorizer.authorize(auth, "threads", "create_run", value);
    // A thread the filter hides is missing to this caller (a thread that does not exist yet may
    // still be created by `if_not_exists: "create"`).
    if (filter && Object.keys(filter).length > 0 && (await this.storage.threads.get(threadId)) && !(await this.storage.threads.get(threadId, filter))) {
      throw threadNotFound(threadId);
    }

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
    const result = await this.storage.runs.create({
      run,
      internal: { attempt: 0, auth },
      createThreadWith:
        value.if_not_exists === "create"
          ? { ...value.metadata, ...(stateless ? { graph_id: assistant.graph_id, assistant_id: assistantId } : {}) }
          : undefined,
      threadMetadata: { graph_id: assistant.graph_id, assistant_id: assistantId },
      threadConfig: config,
    });
    if (result.kind === "thread_missing") throw threadNotFound(threadId);
    if (result.kind === "busy") throw new Unprocessable(BUSY_MESSAGE);
    if (run.multitask_strategy === "interrupt" || run.multitask_strategy === "rollback") {
      await this.cancelRuns(result.inflight, run.multitask_strategy);
    }
    this.worker.wake();
    return result.run;
  }

  /** A run, authorized against its thread; hidden and missing runs are both 404. */
  async get(auth: AuthContext | null, threadId: string, runId: string): Promise<Run> {
    await this.readableThread(auth, threadId);
    const run = await this.storage.runs.get(runId, threadId);
    if (!run) throw new NotFound("Run not found");
    return run;
  }

  /** Runs of a thread, newest first. */
  async list(auth: AuthContext | null, threadId: string, query: { limit: number; offset: number; status?: RunStatus }): Promise<Run[]> {
    await this.readableThread(auth, threadId);
    return this.storage.runs.listByThread(threadId, query);
  }

  /**
   * The run's events from after `afterId` (-1: all), live until it ends. Every reader gets every
   * event; `authorize` has been done by the caller (`get`).
   */
  events(run: Run, options: { afterId?: number; signal?: AbortSignal }): AsyncGenerator<RunEvent> {
    return this.broker.subscribe(run.run_id, { ...options, isTerminal: () => this.isTerminal(run.run_id) });
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
    if (!run) throw new NotFound("Run not found");
    return this.get(auth, run.thread_id, runId);
  }

  /** The thread's pending or running run, for `GET /threads/:id/stream`. */
  async activeRun(auth: AuthContext | null, threadId: string): Promise<Run | null> {
    await this.readableThread(auth, threadId);
    const [running] = await this.storage.runs.listByThread(threadId, { limit: 1, offset: 0, status: "running" });
    if (running) return running;
    const pending = await this.storage.runs.listByThread(threadId, { limit: 1000, offset: 0, status: "pending" });
    return pending.at(-1) ?? null;
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
    await this.writableThread(auth, threadId, { run_ids: [runId], action: options.action });
    const run = await this.storage.runs.get(runId, threadId);
    if (!run) throw new NotFound("Run not found");
    await this.cancelRuns([run], options.action);
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
      await this.writableThread(auth, body.thread_id, { run_ids: body.run_ids, action });
      const inflight = (await this.storage.runs.listByThread(body.thread_id, { limit: 10_000, offset: 0 })).filter(
        (r) => r.status === "pending" || r.status === "running",
      );
      runs = body.run_ids ? inflight.filter((r) => body.run_ids!.includes(r.run_id)) : inflight;
    } else if (body.status) {
      for (const status of body.status === "all" ? (["pending", "running"] as const) : [body.status]) {
        for (const run of await this.storage.runs.listByStatus(status)) {
          try {
            await this.writableThread(auth, run.thread_id, { run_ids: [run.run_id], action });
            runs.push(run);
          } catch {
            // Runs on threads the caller may not touch are left alone.
          }
        }
      }
    } else {
      throw new Unprocessable("Either thread_id (optionally with run_ids) or status is required");
    }
    await this.cancelRuns(runs, action);
  }

  async delete(auth: AuthContext | null, threadId: string, runId: string): Promise<void> {
    const filter = await this.authorizer.authorize(auth, "threads", "delete", { thread_id: threadId, run_id: runId });
    if (!(await this.storage.threads.get(threadId, filter))) throw threadNotFound(threadId);
    const run = await this.storage.runs.get(runId, threadId);
    if (!run) throw new NotFound("Run not found");
    if (run.status === "pending" || run.status === "running") await this.cancelRuns([run], "interrupt");
    await this.storage.runs.delete(runId);
  }

  private async readableThread(auth: AuthContext | null, threadId: string): Promise<Thread> {
    const filter: MetadataFilter | undefined = await this.authorizer.authorize(auth, "threads", "read", { thread_id: threadId });
    const thread = await this.storage.threads.get(threadId, filter);
    if (!thread) throw threadNotFound(threadId);
    return thread;
  }

  /** A thread the caller may change (cancel its runs): hidden is 404, as everywhere. */
  private async writableThread(auth: AuthContext | null, threadId: string, metadata: Record<string, unknown>): Promise<void> {
    await this.readableThread(auth, threadId);
    const filter = await this.authorizer.authorize(auth, "threads", "update", { thread_id: threadId, action: metadata.action, metadata });
    if (filter && !(await this.storage.threads.get(threadId, filter))) throw threadNotFound(threadId);
  }

  /** Interrupts or rolls back in-flight runs (the multitask strategies and the cancel routes). */
  private async cancelRuns(runs: Run[], action: CancelAction): Promise<void> {
    for (const run of runs) {
      if (this.worker.abort(run.run_id, action)) continue;
      // Not executing here: only a pending run can be cancelled in storage (atomically, so a
      // worker that claims it at the same moment wins and is aborted through the check above).
      if (!(await this.storage.runs.cancelPending(run.run_id, action === "rollback" ? "delete" : "interrupted"))) {
        // It started meanwhile (abort it if it runs here) or has already ended (left as it is).
        this.worker.abort(run.run_id, action);
        continue;
      }
      await this.settleThread(run.thread_id);
      this.broker.finish(run.run_id);
    }
  }

  /** After a pending run is cancelled, the thread is busy only if other runs are in flight. */
  private async settleThread(threadId: string): Promise<void> {
    const thread = await this.storage.threads.get(threadId);
    if (!thread || thread.status !== "busy") return;
    if (await this.storage.runs.hasInflight(threadId)) return;
    await this.storage.threads.setState(threadId, { status: "idle", values: thread.values, interrupts: thread.interrupts });
  }
}
