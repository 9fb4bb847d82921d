import Type from "typebox";
import { Limit, Metadata, Nullable, Offset, StringEnum, Uuid, SearchFilter } from "./common.js";
import { RunCreate } from "./runs.js";

const CronFields = {
  schedule: Type.String({ minLength: 1 }),
  timezone: Type.Optional(Type.String()),
  end_time: Type.Optional(Nullable(Type.String({ format: "date-time", description: "When the cron stops; null (on an update) clears it" }))),
  on_run_completed: Type.Optional(StringEnum(["delete", "keep"] as const)),
  enabled: Type.Optional(Type.Boolean()),
};

export const CronCreate = Type.Object({ ...RunCreate.properties, ...CronFields });

export const CronPatch = Type.Object({
  ...Object.fromEntries(Object.entries(RunCreate.properties).filter(([k]) => k !== "assistant_id")),
  schedule: Type.Optional(CronFields.schedule),
  timezone: CronFields.timezone,
  end_time: CronFields.end_time,
  on_run_completed: CronFields.on_run_completed,
  enabled: CronFields.enabled,
});

export const CronSearch = Type.Object({
  assistant_id: Type.Optional(Type.String()),
  thread_id: Type.Optional(Uuid),
  enabled: Type.Optional(Type.Boolean()),
  metadata: Type.Optional(SearchFilter),
  limit: Type.Optional(Limit),
  offset: Type.Optional(Offset),
  sort_by: Type.Optional(StringEnum(["cron_id", "assistant_id", "thread_id", "next_run_date", "end_time", "created_at", "updated_at"] as const)),
  sort_order: Type.Optional(StringEnum(["asc", "desc"] as const)),
  select: Type.Optional(Type.Array(Type.String())),
});

export const CronCount = Type.Object({
  assistant_id: Type.Optional(Type.String()),
  thread_id: Type.Optional(Uuid),
  metadata: Type.Optional(SearchFilter),
});

export const CronIdParams = Type.Object({ cron_id: Uuid });
