import Type from "typebox";
import { IfExists, JsonObject, Limit, Metadata, Offset, StringEnum, Uuid, SearchFilter } from "./common.js";

export const ThreadStatus = StringEnum(["idle", "busy", "interrupted", "error"] as const);

const Superstep = Type.Object({
  updates: Type.Array(
    Type.Object({
      values: Type.Optional(Type.Unknown()),
      command: Type.Optional(Type.Unknown()),
      as_node: Type.String(),
    }),
  ),
});

const TtlStrategy = StringEnum(["delete", "keep_latest"] as const, {
  description: "delete: the thread goes, with its runs and checkpoints; keep_latest: only its latest checkpoints stay",
});

/** Minutes from now until the sweeper applies the strategy (a bare number: strategy `delete`). */
const Ttl = Type.Union([
  Type.Number({ exclusiveMinimum: 0 }),
  Type.Object({ ttl: Type.Number({ exclusiveMinimum: 0 }), strategy: Type.Optional(TtlStrategy) }),
]);

export const ThreadCreate = Type.Object({
  thread_id: Type.Optional(Uuid),
  metadata: Type.Optional(Metadata),
  if_exists: Type.Optional(IfExists),
  supersteps: Type.Optional(Type.Array(Superstep)),
  ttl: Type.Optional(Ttl),
});

export const ThreadPatch = Type.Object({ metadata: Type.Optional(Metadata), ttl: Type.Optional(Ttl) });

export const ThreadGetQuery = Type.Object({
  include: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], { description: "Extra fields, comma-separated or repeated: ttl" }),
  ),
});

export const ThreadPrune = Type.Object({
  thread_ids: Type.Array(Uuid, { maxItems: 1000 }),
  strategy: Type.Optional(TtlStrategy),
});

export const ThreadSearch = Type.Object({
  metadata: Type.Optional(SearchFilter),
  ids: Type.Optional(Type.Array(Uuid, { maxItems: 1000 })),
  status: Type.Optional(ThreadStatus),
  values: Type.Optional(SearchFilter),
  limit: Type.Optional(Limit),
  offset: Type.Optional(Offset),
  sort_by: Type.Optional(StringEnum(["thread_id", "status", "created_at", "updated_at", "state_updated_at"] as const)),
  sort_order: Type.Optional(StringEnum(["asc", "desc"] as const)),
  select: Type.Optional(Type.Array(Type.String())),
  extract: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      maxProperties: 10,
      description: 'Values to return as `extracted`, by alias: paths such as "values.messages[-1]" (from values, metadata, config or interrupts)',
    }),
  ),
});

export const ThreadCount = Type.Object({
  metadata: Type.Optional(SearchFilter),
  status: Type.Optional(ThreadStatus),
  values: Type.Optional(SearchFilter),
});

/** A checkpoint as the API returns it (the SDK's `Checkpoint`: id and map may be null), to read or fork at. */
export const CheckpointRef = Type.Object({
  checkpoint_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  checkpoint_ns: Type.Optional(Type.String()),
  checkpoint_map: Type.Optional(Type.Union([JsonObject, Type.Null()])),
});

export const StateQuery = Type.Object({ subgraphs: Type.Optional(Type.Boolean()) });

export const StateAtCheckpoint = Type.Object({
  checkpoint: CheckpointRef,
  subgraphs: Type.Optional(Type.Boolean()),
});

export const StateUpdate = Type.Object({
  values: Type.Optional(Type.Unknown()),
  as_node: Type.Optional(Type.String()),
  checkpoint_id: Type.Optional(Type.String()),
  checkpoint: Type.Optional(CheckpointRef),
});

export const StatePatch = Type.Object({
  metadata: Metadata,
  checkpoint_id: Type.Optional(Type.String()),
  checkpoint: Type.Optional(CheckpointRef),
});

export const HistoryQuery = Type.Object({
  limit: Type.Optional(Limit),
  before: Type.Optional(Type.String()),
});

export const HistoryBody = Type.Object({
  limit: Type.Optional(Limit),
  before: Type.Optional(Type.Union([Type.String(), CheckpointRef, Type.Object({ configurable: CheckpointRef })])),
  metadata: Type.Optional(Metadata),
  checkpoint: Type.Optional(CheckpointRef),
});

export const ThreadCheckpointParams = Type.Object({ thread_id: Uuid, checkpoint_id: Type.String({ minLength: 1 }) });

export const Truncate = Type.Object({
  runs: Type.Optional(Type.Boolean()),
  threads: Type.Optional(Type.Boolean()),
  assistants: Type.Optional(Type.Boolean()),
  checkpointer: Type.Optional(Type.Boolean()),
  store: Type.Optional(Type.Boolean()),
});
