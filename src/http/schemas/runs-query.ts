import Type from "typebox";
import { THREAD_STREAM_MODES } from "../../runs/thread-stream.js";
import { Limit, Offset, StringEnum, Uuid } from "./common.js";

export const RunStatus = StringEnum(["pending", "running", "success", "error", "timeout", "interrupted"] as const);

export const RunListQuery = Type.Object({
  limit: Type.Optional(Limit),
  offset: Type.Optional(Offset),
  status: Type.Optional(RunStatus),
  select: Type.Optional(Type.Array(Type.String(), { description: "Fields to return (repeat the parameter); all when not given" })),
});

export const CancelQuery = Type.Object({
  wait: Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
  action: Type.Optional(StringEnum(["interrupt", "rollback"] as const)),
});

export const CancelMany = Type.Object({
  thread_id: Type.Optional(Uuid),
  run_ids: Type.Optional(Type.Array(Uuid)),
  status: Type.Optional(StringEnum(["pending", "running", "all"] as const)),
});

export const JoinStreamQuery = Type.Object({
  cancel_on_disconnect: Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
  stream_mode: Type.Optional(Type.Unknown()),
});

export const ThreadStreamQuery = Type.Object({
  stream_mode: Type.Optional(
    Type.Array(StringEnum(THREAD_STREAM_MODES), {
      description: "run_modes (default): every event of every run; lifecycle: each run's start and end; state_update: the state after each step",
    }),
  ),
});
