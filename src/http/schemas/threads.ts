import Type from "typebox";
import { IfExists, Metadata, Uuid } from "./common.js";

export const ThreadCreate = Type.Object({
  thread_id: Type.Optional(Uuid),
  metadata: Type.Optional(Metadata),
  if_exists: Type.Optional(IfExists),
});

export const StateQuery = Type.Object({
  subgraphs: Type.Optional(Type.Boolean()),
});
