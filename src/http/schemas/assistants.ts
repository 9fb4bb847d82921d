import Type from "typebox";
import { IfExists, JsonObject, Limit, Metadata, Offset, StringEnum, Uuid, SearchFilter } from "./common.js";

export const SortOrder = StringEnum(["asc", "desc"] as const);

export const AssistantCreate = Type.Object({
  graph_id: Type.String({ minLength: 1 }),
  assistant_id: Type.Optional(Uuid),
  config: Type.Optional(JsonObject),
  context: Type.Optional(JsonObject),
  metadata: Type.Optional(Metadata),
  if_exists: Type.Optional(IfExists),
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export const AssistantPatch = Type.Object({
  graph_id: Type.Optional(Type.String({ minLength: 1 })),
  config: Type.Optional(JsonObject),
  context: Type.Optional(JsonObject),
  metadata: Type.Optional(Metadata),
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export const AssistantSearch = Type.Object({
  graph_id: Type.Optional(Type.String()),
  metadata: Type.Optional(SearchFilter),
  name: Type.Optional(Type.String()),
  limit: Type.Optional(Limit),
  offset: Type.Optional(Offset),
  sort_by: Type.Optional(StringEnum(["assistant_id", "graph_id", "name", "created_at", "updated_at"] as const)),
  sort_order: Type.Optional(SortOrder),
  select: Type.Optional(Type.Array(Type.String())),
});

export const AssistantCount = Type.Object({
  graph_id: Type.Optional(Type.String()),
  metadata: Type.Optional(SearchFilter),
  name: Type.Optional(Type.String()),
});

export const AssistantVersionsQuery = Type.Object({
  limit: Type.Optional(Limit),
  offset: Type.Optional(Offset),
  metadata: Type.Optional(SearchFilter),
});

/** The version to make current: in the body (what the SDKs send) or in the query (as the Platform's API spells it). */
export const AssistantLatest = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) });
export const AssistantLatestQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) });

export const DeleteAssistantQuery = Type.Object({ delete_threads: Type.Optional(Type.Boolean()) });

/** `xray` is a boolean or a depth. */
export const GraphQuery = Type.Object({
  xray: Type.Optional(Type.Union([Type.Boolean(), Type.Integer({ minimum: 0 })])),
});

export const SubgraphsQuery = Type.Object({ recurse: Type.Optional(Type.Boolean()) });
