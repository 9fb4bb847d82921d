/**
 * Runs: create (with the multitask strategies), read, join and cancel. Authorization happens
 * here: creating a run checks `assistants:read` on its assistant and `threads:create_run` on its
 * thread; reading a run is authorized against its thread.
 */
import { v7 as uuidv7 } from "uuid";
import type { AuthContext } from "../auth/authenticate.js";
import type { Authorizer } from "../auth/authorize.js";
import { NotFound, Unprocessable } from "../errors.js";
import type { GraphRegistry } from "../graphs/registry.js";
import type { Metadata, MetadataFilter, MultitaskStrategy, Run, RunKwargs, Storage, Thread } from "../storage/types.js";
import { threadNotFound } from "../threads/service.js";
import type { RunBroker } from "./broker.js";
import { SERVER_CONFIGURABLE_KEYS } from "./executor.js";
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
}

const BUSY_MESSAGE = "Thread is already running a task. Wait for it to finish or choose a different multitask strategy.";

/** Request headers copied into `configurable`, as LangGraph does: `x-*` (minus secrets) and user-agent. */
export function configurableHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined) continue;
    if (lower === "user-agent" || (lower.startsWith("x-") && !["x-api-key", "x-tenant-id", "x-service-key"].includes(lower))) {
      out[lower] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return out;
}

export class RunService {
  constructor(
    private readonly storage: Storage,
    private readonly graphs: GraphRegistry,
    private readonly authorizer: Authorizer,
    private readonly broker: RunBroker,
    private readonly worker: WorkerPool,
  ) {}

  async create(
    auth: AuthContext | null,
    threadId: string,
    body: RunCreateBody,
    headers: Record<string, string | string[] | undefined> = {},
  ): Promise<Run> {
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
    const configurable: Record<string, unknown> = { ...configurableHeaders(headers), ...(callerConfig.configurable ?? {}) };
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
      temporary: false,
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
      if_not_exists: body.if_not_exists ?? "reject",
      after_seconds: body.after_seconds,
      kwargs,
    };
    const filter = await this.authorizer.authorize(auth, "threads", "create_run", value);
    const existing = await this.storage.threads.get(threadId);
    if (existing && filter && !(await this.storage.threads.get(threadId, filter))) throw threadNotFound(threadId);

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
      createThreadWith: value.if_not_exists === "create" ? { ...value.metadata } : undefined,
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

  /** Waits for the run to end and returns the thread's values (as `/join` does). */
  async join(auth: AuthContext | null, threadId: string, runId: string, signal?: AbortSignal): Promise<unknown> {
    const run = await this.get(auth, threadId, runId);
    await this.broker.waitForEnd(run.run_id, { signal, isTerminal: () => this.isTerminal(run.run_id) });
    const thread = await this.storage.threads.get(threadId);
    return thread?.values ?? null;
  }

  async isTerminal(runId: string): Promise<boolean> {
    const run = await this.storage.runs.get(runId);
    return !run || (run.status !== "pending" && run.status !== "running");
  }

  private async readableThread(auth: AuthContext | null, threadId: string): Promise<Thread> {
    const filter: MetadataFilter | undefined = await this.authorizer.authorize(auth, "threads", "read", { thread_id: threadId });
    const thread = await this.storage.threads.get(threadId, filter);
    if (!thread) throw threadNotFound(threadId);
    return thread;
  }

  /** Interrupts or rolls back in-flight runs (the multitask strategies and the cancel route). */
  private async cancelRuns(runs: Run[], action: CancelAction): Promise<void> {
    for (const run of runs) {
      if (this.worker.abort(run.run_id, action)) continue;
      if (run.status !== "pending") continue;
      if (action === "rollback") await this.storage.runs.delete(run.run_id);
      else await this.storage.runs.setStatus(run.run_id, "interrupted");
      this.broker.finish(run.run_id);
    }
  }
}
