/**
 * Threads: create, read and state. Authorization happens here, before storage is touched; a
 * thread hidden by a handler's filter is reported exactly like a missing one.
 */
import { v7 as uuidv7 } from "uuid";
import type { AuthContext } from "../auth/authenticate.js";
import type { Authorizer } from "../auth/authorize.js";
import { NotFound } from "../errors.js";
import type { GraphRegistry } from "../graphs/registry.js";
import type { IfExists, Metadata, Storage, Thread } from "../storage/types.js";
import { EMPTY_STATE, toThreadState, type ThreadState } from "./state.js";

export function threadNotFound(threadId: string): NotFound {
  return new NotFound(`Thread with ID ${threadId} not found`);
}

export class ThreadService {
  constructor(
    private readonly storage: Storage,
    private readonly graphs: GraphRegistry,
    private readonly authorizer: Authorizer,
  ) {}

  async create(
    auth: AuthContext | null,
    body: { thread_id?: string; metadata?: Metadata; if_exists?: IfExists },
  ): Promise<Thread> {
    const value = {
      thread_id: body.thread_id ?? uuidv7(),
      metadata: { ...(body.metadata ?? {}) },
      if_exists: body.if_exists ?? "raise",
    };
    const filter = await this.authorizer.authorize(auth, "threads", "create", value);
    const { thread } = await this.storage.threads.create(
      { thread_id: value.thread_id, metadata: value.metadata ?? {} },
      value.if_exists,
      filter,
    );
    return thread;
  }

  async get(auth: AuthContext | null, threadId: string): Promise<Thread> {
    const filter = await this.authorizer.authorize(auth, "threads", "read", { thread_id: threadId });
    const thread = await this.storage.threads.get(threadId, filter);
    if (!thread) throw threadNotFound(threadId);
    return thread;
  }

  async getState(
    auth: AuthContext | null,
    threadId: string,
    options: { checkpointId?: string; subgraphs?: boolean } = {},
  ): Promise<ThreadState> {
    const thread = await this.get(auth, threadId);
    const graphId = thread.metadata.graph_id;
    if (typeof graphId !== "string" || !this.graphs.has(graphId)) return EMPTY_STATE;
    const graph = await this.graphs.get(graphId, thread.config, { checkpointer: this.storage.checkpointer });
    const snapshot = await graph.getState(
      { configurable: { thread_id: threadId, checkpoint_ns: "", ...(options.checkpointId ? { checkpoint_id: options.checkpointId } : {}) } },
      { subgraphs: options.subgraphs ?? false },
    );
    return toThreadState(snapshot);
  }
}
