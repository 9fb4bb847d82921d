/**
 * The thread-centric protocol's commands (`{id, method, params}`), carried out through the run and
 * thread services, which authorize each one as the REST routes do:
 *
 * - `run.start` `{assistant_id, input, config?, metadata?, multitask_strategy?}`: a run on the
 *   thread (created if missing); when the thread waits at an interrupt, the input resumes it.
 *   Runs stream the protocol's events, with subgraphs, resumable, queued behind a run in
 *   progress unless another multitask strategy is asked for.
 * - `input.respond` `{interrupt_id, response}` or `{responses: [...]}`, with `update`, `goto`,
 *   `config`, `metadata`: resumes the pending interrupts named.
 * - `input.inject` `{message}`: the message as the input of a run queued behind the current one
 *   (LangGraph cannot add input to a running step).
 * - `state.get` `{namespace?, keys?}`, `state.listCheckpoints` `{namespace?, limit?, before?}`,
 *   `state.fork` `{checkpoint_id, input?, config?}`.
 * - `agent.getTree`: the namespaces seen in the thread's current run.
 *
 * Subscriptions belong to the WebSocket transport (socket-session.ts). Protocol-level failures are
 * thrown as CommandFailure (answered as `{type: "error", error: <code>}`); a service's AppError
 * (a thread hidden by authorization, a missing assistant) is left to the transport.
 */
import type { AuthContext } from "../auth/authenticate.js";
import { ThreadNotFound } from "../errors.js";
import type { RunCreateBody, RunService } from "../runs/service.js";
import type { MultitaskStrategy, Thread } from "../storage/types.js";
import type { ThreadService } from "../threads/service.js";
import type { ThreadState } from "../threads/state.js";
import type { ProtocolThreadLog } from "./thread-log.js";

/** A command as a client sends it. */
export interface ProtocolCommand {
  id: number;
  method: string;
  params?: Record<string, unknown>;
}

export type ErrorCode =
  | "invalid_argument"
  | "unknown_command"
  | "unknown_error"
  | "no_such_run"
  | "no_such_subscription"
  | "no_such_namespace"
  | "no_such_interrupt"
  | "no_such_checkpoint"
  | "permission_denied"
  | "not_supported";

/** A command the protocol refuses, with the protocol's error code. */
export class CommandFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Who sends the command, on which thread, and the log whose position its answer reports. */
export interface CommandContext {
  auth: AuthContext | null;
  threadId: string;
  headers: Record<string, string | string[] | undefined>;
  log: ProtocolThreadLog;
}

/** The stream modes of protocol runs (what LangGraph's streamEvents v3 reads). */
const PROTOCOL_STREAM_MODES = ["values", "updates", "messages", "tools", "custom", "tasks"];
const STRATEGIES: readonly MultitaskStrategy[] = ["reject", "rollback", "interrupt", "enqueue"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

function namespaceOf(params: Record<string, unknown>): string[] {
  const ns = params.namespace;
  return Array.isArray(ns) && ns.every((s) => typeof s === "string") ? ns : [];
}

/** Interrupt ids a thread waits on. */
function pendingInterrupts(thread: Thread): Set<string> {
  const ids = new Set<string>();
  for (const list of Object.values(thread.interrupts ?? {})) {
    for (const interrupt of list as Array<{ id?: unknown }>) if (typeof interrupt?.id === "string") ids.add(interrupt.id);
  }
  return ids;
}

/** The state of a subgraph, found by its namespace among the tasks' states. */
function stateAt(state: ThreadState, namespace: string[]): ThreadState | undefined {
  if (namespace.length === 0) return state;
  const [head, ...rest] = namespace;
  for (const task of state.tasks) {
    const name = String(task.name);
    if (head !== `${name}:${String(task.id)}` && head !== name) continue;
    const sub = task.state as ThreadState | null;
    if (sub) return stateAt(sub, rest);
  }
  return undefined;
}

export class CommandHandler {
  constructor(
    private readonly threads: ThreadService,
    private readonly runs: RunService,
  ) {}

  /** Carries out a command and returns its result (the `result` of a success response). */
  async run(ctx: CommandContext, command: ProtocolCommand): Promise<unknown> {
    const params = command.params ?? {};
    switch (command.method) {
      case "run.start":
        return this.start(ctx, params);
      case "input.respond":
        return this.respond(ctx, params);
      case "input.inject":
        return this.inject(ctx, params);
      case "state.get":
        return this.stateGet(ctx, params);
      case "state.listCheckpoints":
        return this.listCheckpoints(ctx, params);
      case "state.fork":
        return this.fork(ctx, params);
      case "agent.getTree":
        return { tree: ctx.log.tree() };
      case "subscription.reconnect":
        throw new CommandFailure("not_supported", "subscription.reconnect is not supported: reopen the event stream (SSE `since`, or subscribe again on a WebSocket)");
      case "subscription.subscribe":
      case "subscription.unsubscribe":
        throw new CommandFailure("not_supported", `${command.method} is for WebSocket connections; over HTTP, each POST /threads/{thread_id}/stream/events is one subscription`);
      default:
        throw new CommandFailure("unknown_command", `Unknown protocol command: ${command.method}`);
    }
  }

  /** A protocol run on the thread (created when missing). */
  private async createRun(ctx: CommandContext, body: Partial<RunCreateBody> & { assistant_id: string }, strategy?: unknown) {
    return this.runs.create(
      ctx.auth,
      ctx.threadId,
      {
        ...body,
        stream_mode: PROTOCOL_STREAM_MODES,
        stream_subgraphs: true,
        stream_resumable: true,
        if_not_exists: "create",
        multitask_strategy: STRATEGIES.includes(strategy as MultitaskStrategy) ? (strategy as MultitaskStrategy) : "enqueue",
      },
      ctx.headers,
      { protocol: true },
    );
  }

  /** The thread, or null when it does not exist yet (or is hidden: creating the run then says 404). */
  private async threadOrNull(ctx: CommandContext): Promise<Thread | null> {
    try {
      return await this.threads.get(ctx.auth, ctx.threadId);
    } catch (err) {
      if (err instanceof ThreadNotFound) return null;
      throw err;
    }
  }

  private async start(ctx: CommandContext, params: Record<string, unknown>) {
    if (typeof params.assistant_id !== "string" || !params.assistant_id) throw new CommandFailure("invalid_argument", "run.start requires an assistant_id.");
    const thread = params.input != null ? await this.threadOrNull(ctx) : null;
    const resume = thread !== null && pendingInterrupts(thread).size > 0;
    const run = await this.createRun(
      ctx,
      {
        assistant_id: params.assistant_id,
        ...(resume ? { command: { resume: params.input } } : { input: params.input }),
        config: record(params.config),
        metadata: record(params.metadata),
      },
      params.multitask_strategy ?? params.multitaskStrategy,
    );
    return { run_id: run.run_id };
  }

  private async respond(ctx: CommandContext, params: Record<string, unknown>) {
    const answers: Record<string, unknown> = {};
    if (Array.isArray(params.responses)) {
      for (const entry of params.responses) {
        if (!isRecord(entry) || typeof entry.interrupt_id !== "string") throw new CommandFailure("invalid_argument", "input.respond responses entries require an interrupt_id.");
        answers[entry.interrupt_id] = entry.response;
      }
    } else if (typeof params.interrupt_id === "string") {
      answers[params.interrupt_id] = params.response;
    }
    if (!Object.keys(answers).length) throw new CommandFailure("invalid_argument", "input.respond requires an interrupt_id (or responses).");
    const thread = await this.threads.get(ctx.auth, ctx.threadId);
    const pending = pendingInterrupts(thread);
    if (!pending.size) throw new CommandFailure("invalid_argument", "input.respond can only be used while the thread waits at an interrupt.");
    const unknown = Object.keys(answers).filter((id) => !pending.has(id));
    if (unknown.length) throw new CommandFailure("no_such_interrupt", `No pending interrupt ${unknown.join(", ")} on thread ${ctx.threadId}`);
    const assistantId = thread.metadata.assistant_id;
    if (typeof assistantId !== "string") throw new CommandFailure("no_such_run", "The thread has no run to resume.");
    await this.createRun(ctx, {
      assistant_id: assistantId,
      command: {
        resume: answers,
        ...(params.update !== undefined ? { update: params.update } : {}),
        ...(params.goto !== undefined ? { goto: params.goto } : {}),
      },
      config: record(params.config),
      metadata: record(params.metadata),
    });
    return {};
  }

  private async inject(ctx: CommandContext, params: Record<string, unknown>) {
    const message = record(params.message);
    if (!message || typeof message.content !== "string") throw new CommandFailure("invalid_argument", "input.inject requires a message with content.");
    const thread = await this.threads.get(ctx.auth, ctx.threadId);
    const assistantId = thread.metadata.assistant_id;
    if (typeof assistantId !== "string") throw new CommandFailure("no_such_run", "The thread has no assistant yet: start a run first.");
    await this.createRun(ctx, { assistant_id: assistantId, input: { messages: [message] } }, "enqueue");
    return {};
  }

  private async stateGet(ctx: CommandContext, params: Record<string, unknown>) {
    const namespace = namespaceOf(params);
    const state = stateAt(await this.threads.getState(ctx.auth, ctx.threadId, { subgraphs: namespace.length > 0 }), namespace);
    if (!state) throw new CommandFailure("no_such_namespace", `No state at namespace ${JSON.stringify(namespace)}`);
    const keys = Array.isArray(params.keys) ? params.keys.filter((k): k is string => typeof k === "string") : undefined;
    const values = (state.values ?? {}) as Record<string, unknown>;
    const checkpoint = state.checkpoint as { checkpoint_id?: string; checkpoint_ns?: string } | null;
    return {
      values: keys ? Object.fromEntries(Object.entries(values).filter(([k]) => keys.includes(k))) : values,
      ...(checkpoint?.checkpoint_id ? { checkpoint: { id: checkpoint.checkpoint_id, ns: checkpoint.checkpoint_ns ?? "" } } : {}),
    };
  }

  private async listCheckpoints(ctx: CommandContext, params: Record<string, unknown>) {
    const namespace = namespaceOf(params);
    const states = await this.threads.history(ctx.auth, ctx.threadId, {
      limit: typeof params.limit === "number" && params.limit > 0 ? Math.min(params.limit, 1000) : 10,
      before: typeof params.before === "string" ? params.before : undefined,
      checkpoint: namespace.length ? { checkpoint_ns: namespace.join("|") } : undefined,
    });
    return {
      checkpoints: states.map((s) => {
        const metadata = (s.metadata ?? {}) as { step?: number; writes?: Record<string, unknown> | null };
        const node = metadata.writes ? Object.keys(metadata.writes)[0] : undefined;
        return {
          id: (s.checkpoint as { checkpoint_id: string }).checkpoint_id,
          timestamp: s.created_at,
          step: metadata.step ?? -1,
          ...(node ? { node_name: node } : {}),
          metadata: s.metadata ?? {},
        };
      }),
    };
  }

  private async fork(ctx: CommandContext, params: Record<string, unknown>) {
    if (typeof params.checkpoint_id !== "string") throw new CommandFailure("invalid_argument", "state.fork requires a checkpoint_id.");
    const thread = await this.threads.get(ctx.auth, ctx.threadId);
    const assistantId = thread.metadata.assistant_id;
    if (typeof assistantId !== "string") throw new CommandFailure("no_such_checkpoint", "The thread has no checkpoints to fork from.");
    const run = await this.createRun(ctx, {
      assistant_id: assistantId,
      input: params.input ?? null,
      checkpoint_id: params.checkpoint_id,
      config: record(params.config),
    });
    return { run_id: run.run_id, thread_id: ctx.threadId };
  }
}
