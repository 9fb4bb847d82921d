import Type from "typebox";
import { JsonObject, Metadata, StringEnum, Uuid } from "./common.js";

export const StreamMode = StringEnum([
  "values",
  "messages",
  "messages-tuple",
  "updates",
  "events",
  "tasks",
  "checkpoints",
  "debug",
  "custom",
  "tools",
] as const);

const Breakpoints = Type.Union([Type.Literal("*"), Type.Array(Type.String())]);

/** RunCreate: the body every run-creating route takes. Unknown fields are accepted and ignored. */
export const RunCreate = Type.Object({
  assistant_id: Type.String({ minLength: 1 }),
  input: Type.Optional(Type.Unknown()),
  command: Type.Optional(
    Type.Union([
      Type.Object({
        resume: Type.Optional(Type.Unknown()),
        update: Type.Optional(Type.Unknown()),
        goto: Type.Optional(Type.Unknown()),
      }),
      Type.Null(),
    ]),
  ),
  checkpoint_id: Type.Optional(Type.String()),
  checkpoint: Type.Optional(JsonObject),
  config: Type.Optional(JsonObject),
  context: Type.Optional(Type.Unknown()),
  metadata: Type.Optional(Metadata),
  stream_mode: Type.Optional(Type.Union([StreamMode, Type.Array(StreamMode)])),
  stream_subgraphs: Type.Optional(Type.Boolean()),
  stream_resumable: Type.Optional(Type.Boolean()),
  interrupt_before: Type.Optional(Breakpoints),
  interrupt_after: Type.Optional(Breakpoints),
  multitask_strategy: Type.Optional(StringEnum(["reject", "interrupt", "rollback", "enqueue"] as const)),
  if_not_exists: Type.Optional(StringEnum(["reject", "create"] as const)),
  on_disconnect: Type.Optional(StringEnum(["continue", "cancel"] as const)),
  // "complete"/"continue" are what the JS SDK's types spell; they mean delete/keep.
  on_completion: Type.Optional(StringEnum(["delete", "keep", "complete", "continue"] as const)),
  after_seconds: Type.Optional(Type.Number({ minimum: 0 })),
  webhook: Type.Optional(Type.String()),
  feedback_keys: Type.Optional(Type.Array(Type.String())),
  durability: Type.Optional(
    StringEnum(["sync", "async", "exit"] as const, {
      description: "When checkpoints are written: before each next step (sync), alongside it (async, the default), or only when the run ends (exit)",
    }),
  ),
  checkpoint_during: Type.Optional(Type.Boolean({ deprecated: true, description: "Older spelling of durability: false is exit, true is async" })),
});

export const RunIdOnly = Type.Object({ run_id: Uuid });
