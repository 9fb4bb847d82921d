import Type from "typebox";
import { JsonObject } from "./common.js";

export const ProtocolCommandBody = Type.Object({
  id: Type.Integer({ minimum: 0, description: "Chosen by the client; the response carries it back" }),
  method: Type.String({
    minLength: 1,
    description: "run.start, input.respond, input.inject, state.get, state.listCheckpoints, state.fork, agent.getTree",
  }),
  params: Type.Optional(JsonObject),
});

export const EventStreamBody = Type.Object({
  channels: Type.Array(Type.String(), {
    minItems: 1,
    description: "values, updates, messages, tools, custom (or custom:<name>), lifecycle, input, checkpoints, tasks",
  }),
  namespaces: Type.Optional(Type.Array(Type.Array(Type.String()), { description: "Namespace prefixes; none: every namespace" })),
  depth: Type.Optional(Type.Integer({ minimum: 0, description: "How far below a prefix" })),
  since: Type.Optional(Type.Integer({ minimum: 0, description: "Only events with a greater seq" })),
});
