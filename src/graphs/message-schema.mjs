// @ts-check
/**
 * JSON Schema of a LangChain message as it travels over the API: the plain dict form
 * (`{type: "ai", content, ...}`) that state values, inputs and Studio's chat use. Written by hand
 * because the message classes' TypeScript types describe the class (methods, `lc_*` plumbing),
 * not what clients send and receive. Each kind is its own definition under its class name, and
 * `BaseMessage` is their union, which is what message-detecting consumers look for.
 *
 * Plain JavaScript: shared by the main thread (runtime Zod / StateSchema schemas) and the type
 * analysis worker, which runs without any TypeScript support.
 */

/** @typedef {Record<string, unknown>} JsonSchema */

const content = {
  description: "Text, or a list of content blocks (text, images, tool use, ...)",
  anyOf: [{ type: "string" }, { type: "array", items: { type: "object", additionalProperties: true } }],
};

const common = {
  content,
  id: { type: "string" },
  name: { type: "string" },
  additional_kwargs: { type: "object", additionalProperties: true },
  response_metadata: { type: "object", additionalProperties: true },
};

const toolCall = {
  type: "object",
  properties: {
    name: { type: "string" },
    args: { type: "object", additionalProperties: true },
    id: { type: "string" },
    type: { type: "string", const: "tool_call" },
  },
  required: ["name", "args"],
};

/**
 * @param {string} title
 * @param {string} type
 * @param {string} description
 * @param {Record<string, unknown>} [extra]
 * @param {string[]} [required]
 * @returns {JsonSchema}
 */
function kind(title, type, description, extra = {}, required = []) {
  return {
    title,
    description,
    type: "object",
    properties: { type: { type: "string", const: type }, ...common, ...extra },
    required: ["type", "content", ...required],
  };
}

/** @type {Record<string, JsonSchema>} */
const MESSAGE_DEFINITIONS = {
  BaseMessage: {
    description: "A chat message (LangChain's BaseMessage, in its serialized dict form)",
    anyOf: ["HumanMessage", "AIMessage", "SystemMessage", "ToolMessage", "ChatMessage", "RemoveMessage"].map((name) => ({
      $ref: `#/definitions/${name}`,
    })),
  },
  HumanMessage: kind("HumanMessage", "human", "A message from the user"),
  AIMessage: kind("AIMessage", "ai", "A message from the model", {
    tool_calls: { type: "array", items: toolCall },
    invalid_tool_calls: { type: "array", items: { type: "object", additionalProperties: true } },
    usage_metadata: { type: "object", additionalProperties: true },
  }),
  SystemMessage: kind("SystemMessage", "system", "Instructions for the model"),
  ToolMessage: kind(
    "ToolMessage",
    "tool",
    "The result of a tool call",
    { tool_call_id: { type: "string" }, status: { type: "string", enum: ["success", "error"] }, artifact: {} },
    ["tool_call_id"],
  ),
  ChatMessage: kind("ChatMessage", "generic", "A message with an arbitrary role", { role: { type: "string" } }, ["role"]),
  RemoveMessage: kind("RemoveMessage", "remove", "Removes the message with this id from the state", {}, ["id"]),
};

/** A `messages` field: a list of messages, marked the way LangGraph marks it for Studio. */
export function messagesFieldSchema() {
  return { type: "array", items: { $ref: "#/definitions/BaseMessage" }, langgraph_type: "messages" };
}

/** One message (a field typed as a single message). */
export function messageSchema() {
  return { $ref: "#/definitions/BaseMessage" };
}

/**
 * Adds the message definitions to `definitions` (a schema's root `definitions`), without
 * replacing a definition of the same name the schema already has.
 * @param {Record<string, unknown>} definitions
 */
export function addMessageDefinitions(definitions) {
  for (const [name, schema] of Object.entries(MESSAGE_DEFINITIONS)) {
    if (!(name in definitions)) definitions[name] = structuredClone(schema);
  }
}
