/** How a backend's repositories become one Storage: the parts every backend shares. */
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { Storage } from "./types.js";

/** A backend's checkpointer: LangGraph's saver plus the two edits the API needs. */
export interface BackendCheckpointer extends BaseCheckpointSaver {
  patchMetadata(threadId: string, checkpointNs: string, checkpointId: string, patch: Record<string, unknown>): Promise<boolean>;
  deleteAfter(threadId: string, checkpointId: string | null): Promise<void>;
}

/** Everything a backend provides itself; truncate and the checkpoint edits are derived from it. */
export interface StorageParts extends Omit<Storage, "checkpointer" | "patchCheckpointMetadata" | "deleteCheckpointsAfter" | "truncate"> {
  checkpointer: BackendCheckpointer;
}

export function assembleStorage(parts: StorageParts): Storage {
  const { threads, assistants, store, checkpointer } = parts;
  return {
    ...parts,
    patchCheckpointMetadata: (threadId, checkpoint, patch) =>
      checkpointer.patchMetadata(threadId, checkpoint.checkpoint_ns ?? "", checkpoint.checkpoint_id, patch),
    deleteCheckpointsAfter: (threadId, checkpointId) => checkpointer.deleteAfter(threadId, checkpointId),
    async truncate(options) {
      await threads.truncate({ threads: options.threads, runs: options.runs, checkpoints: options.checkpointer });
      if (options.assistants) await assistants.truncate();
      if (options.store) await store.truncate();
    },
  };
}
