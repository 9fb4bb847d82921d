import Type from "typebox";
import { Limit, Metadata, Offset } from "./common.js";

export const AssistantSearch = Type.Object({
  graph_id: Type.Optional(Type.String()),
  metadata: Type.Optional(Metadata),
  limit: Type.Optional(Limit),
  offset: Type.Optional(Offset),
});
