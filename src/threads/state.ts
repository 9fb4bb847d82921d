/**
 * Converts LangGraph state snapshots to the API's ThreadState shape, and derives what a thread
 * shows after a run (status, values, interrupts).
 */
import type { GraphStateSnapshot } from "../graphs/registry.js";
import { toPlain } from "../graphs/serialize.js";
import type { ThreadStatus } from "../storage/types.js";

export interface ThreadState {
  values: unknown;
  next: string[];
  tasks: Array<Record<string, unknown>>;
  metadata: Record<string, unknown> | null;
  created_at: string | null;
  checkpoint: Record<string, unknown> | null;
  parent_checkpoint: Record<string, unknown> | null;
}

export const EMPTY_STATE: ThreadState = Object.freeze({
  values: {},
  next: [],
  tasks: [],
  metadata: null,
  created_at: null,
  checkpoint: null,
  parent_checkpoint: null,
}) as ThreadState;

/** A checkpoint's config as the API names it: `{thread_id, checkpoint_ns, checkpoint_id, checkpoint_map}`. */
export function checkpointOf(config: GraphStateSnapshot["config"] | undefined): Record<string, unknown> | null {
  const c = config?.configurable;
  if (!c?.checkpoint_id) return null;
  return {
    thread_id: c.thread_id,
    checkpoint_ns: c.checkpoint_ns ?? "",
    checkpoint_id: c.checkpoint_id,
    checkpoint_map: c.checkpoint_map ?? null,
  };
}

/**
 * A task's `checkpoint`: where the subgraph it runs keeps its state. LangGraph gives a pending
 * subgraph task that config as its `state` (a snapshot instead when asked for subgraphs); it names
 * no checkpoint id, which means the subgraph's latest. Passing it to the state routes reads the
 * subgraph's state.
 */
export function taskCheckpointOf(state: unknown): Record<string, unknown> | null {
  const c = (state as { configurable?: Record<string, unknown> } | null)?.configurable;
  if (!c?.thread_id) return null;
  return {
    thread_id: c.thread_id,
    checkpoint_ns: c.checkpoint_ns ?? "",
    checkpoint_id: c.checkpoint_id ?? null,
    checkpoint_map: c.checkpoint_map ?? null,
  };
}

export function toThreadState(snapshot: GraphStateSnapshot): ThreadState {
  return toPlain<ThreadState>({
    values: snapshot.values ?? {},
    next: snapshot.next ?? [],
    tasks: (snapshot.tasks ?? []).map((t) => ({
      id: t.id,
      name: t.name,
      error: t.error ?? null,
      interrupts: t.interrupts ?? [],
      path: t.path ?? [],
      checkpoint: taskCheckpointOf(t.state),
      state: t.state && typeof t.state === "object" && "values" in t.state ? toThreadState(t.state as GraphStateSnapshot) : null,
      result: t.result ?? null,
    })),
    metadata: snapshot.metadata ?? null,
    created_at: snapshot.createdAt ?? null,
    checkpoint: checkpointOf(snapshot.config),
    parent_checkpoint: checkpointOf(snapshot.parentConfig),
  });
}

/** Interrupts keyed by task id, as the thread object shows them. */
export function interruptsOf(state: ThreadState): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const task of state.tasks) {
    const interrupts = task.interrupts as unknown[];
    if (interrupts.length) out[task.id as string] = interrupts;
  }
  return out;
}

/**
 * The thread status a finished run leaves: error, interrupted (work pending at its last
 * checkpoint) or idle. (Storage makes it busy instead while other runs are queued on the thread.)
 */
export function statusAfterRun(state: ThreadState | null, failed: boolean): ThreadStatus {
  if (failed) return "error";
  if (state && state.next.length > 0) return "interrupted";
  return "idle";
}
