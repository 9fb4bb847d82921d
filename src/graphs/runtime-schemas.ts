/**
 * JSON Schemas a graph carries at run time: a state declared with Zod (LangGraph's schema
 * registry metadata included: reducer input schemas, `jsonSchemaExtra`) or with `StateSchema`,
 * and a Zod context schema. Cheap, so it runs on the request; what it cannot answer (an
 * `Annotation.Root` state, an Annotation context) is left to the type analysis.
 *
 * The graph is read by shape, never by `instanceof`, and the registry used is the graph's own
 * (`builder._metaRegistry`), so a project with its own copy of LangGraph is read correctly.
 */
import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { getInteropZodDefaultGetter, getInteropZodObjectShape, isInteropZodObject, isZodSchemaV4 } from "@langchain/core/utils/types";
import { addMessageDefinitions, messagesFieldSchema } from "./message-schema.mjs";
import type { TypedSchemas } from "./type-schemas.js";

/** A JSON Schema document or fragment, as plain data. */
export type JsonSchema = Record<string, unknown>;

/** The input schema is the state's, all optional, when the graph declares no input of its own. */
const PARTIAL_STATE = Symbol.for("langgraph.state.partial");
const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

interface Builder {
  _schemaRuntimeDefinition?: unknown;
  _inputRuntimeDefinition?: unknown;
  _outputRuntimeDefinition?: unknown;
  _configRuntimeSchema?: unknown;
  _metaRegistry?: MetaRegistry;
}

interface MetaRegistry {
  get(schema: unknown): { reducer?: { schema?: unknown }; jsonSchemaExtra?: Record<string, unknown> } | undefined;
}

interface StateSchemaLike {
  getJsonSchema(): JsonSchema;
  getInputJsonSchema(): JsonSchema;
}

/** What the graph's runtime schemas say; a part is missing when the graph has no runtime schema for it. */
export function runtimeSchemas(graph: unknown): Partial<TypedSchemas> {
  const builder = (graph as { builder?: Builder } | null)?.builder;
  if (!builder || typeof builder !== "object") return {};
  const registry = typeof builder._metaRegistry?.get === "function" ? builder._metaRegistry : undefined;
  const stateDef = builder._schemaRuntimeDefinition;
  const inputDef = builder._inputRuntimeDefinition === PARTIAL_STATE ? stateDef : builder._inputRuntimeDefinition;
  return withoutMissing({
    state: attempt(() => updateSchema(stateDef, registry)),
    input: attempt(() => updateSchema(inputDef, registry)),
    output: attempt(() => valueSchema(builder._outputRuntimeDefinition, registry)),
    config: attempt(() => (isInteropZodObject(builder._configRuntimeSchema) ? zodObjectSchema(builder._configRuntimeSchema, registry, "update") : undefined)),
  });
}

/** What may be written: reducer input schemas, every field optional. */
function updateSchema(definition: unknown, registry: MetaRegistry | undefined): JsonSchema | undefined {
  if (isStateSchema(definition)) return finish(definition.getInputJsonSchema());
  if (isInteropZodObject(definition)) return zodObjectSchema(definition, registry, "update");
  return undefined;
}

/** What is read: value schemas, fields without a default required. */
function valueSchema(definition: unknown, registry: MetaRegistry | undefined): JsonSchema | undefined {
  if (isStateSchema(definition)) return finish(definition.getJsonSchema());
  if (isInteropZodObject(definition)) return zodObjectSchema(definition, registry, "value");
  return undefined;
}

function zodObjectSchema(object: unknown, registry: MetaRegistry | undefined, mode: "update" | "value"): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const definitions: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(getInteropZodObjectShape(object as never) as Record<string, unknown>)) {
    const meta = registry?.get(field);
    const source = mode === "update" ? (meta?.reducer?.schema ?? field) : field;
    const { definitions: fieldDefinitions, $defs, $schema: _, ...schema } = fieldSchema(source);
    Object.assign(definitions, fieldDefinitions, $defs);
    properties[key] = { ...schema, ...(meta?.jsonSchemaExtra ?? {}) };
    if (mode === "value" && !isOptional(field) && getInteropZodDefaultGetter(field as never) === undefined) required.push(key);
  }
  const schema: JsonSchema = { type: "object", properties };
  if (required.length > 0) schema.required = required;
  if (Object.keys(definitions).length > 0) schema.definitions = definitions;
  return finish(schema);
}

/**
 * One field. Zod 4 cannot represent `z.custom()` (LangGraph's documented messages field is
 * `z.custom<BaseMessage[]>()`): such parts are left unconstrained instead of failing the schema.
 */
function fieldSchema(schema: unknown): JsonSchema {
  try {
    const params = isZodSchemaV4(schema) ? { unrepresentable: "any", target: "draft-7", io: "input" } : undefined;
    return ((toJsonSchema as (s: unknown, p?: unknown) => unknown)(schema, params) ?? {}) as JsonSchema;
  } catch {
    return {};
  }
}

function isOptional(field: unknown): boolean {
  const v4 = (field as { _zod?: { optout?: string } })._zod;
  if (v4) return v4.optout === "optional";
  const v3 = field as { isOptional?: () => boolean };
  return typeof v3.isOptional === "function" ? v3.isOptional() : false;
}

/**
 * A `messages` field marked `langgraph_type: "messages"` but without a shape (Zod's `z.custom`,
 * StateSchema's MessagesValue) gets the message list schema, so forms and clients see messages.
 */
function finish(schema: JsonSchema): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  let usesMessages = false;
  for (const [key, original] of Object.entries(properties)) {
    // LangGraph's StateSchema gives each field its own "$schema"; one at the root is enough.
    const { $schema: _, ...property } = original;
    properties[key] = property;
    const shapeless = !["type", "items", "$ref", "anyOf", "oneOf", "allOf"].some((k) => k in property);
    if (property.langgraph_type === "messages" && shapeless) {
      properties[key] = { ...messagesFieldSchema(), ...property };
      usesMessages = true;
    }
  }
  const out: JsonSchema = { ...schema, $schema: DRAFT_07 };
  if (usesMessages) {
    const definitions = { ...((schema.definitions ?? {}) as Record<string, unknown>) };
    addMessageDefinitions(definitions);
    out.definitions = definitions;
  }
  return out;
}

function isStateSchema(value: unknown): value is StateSchemaLike {
  const v = value as Partial<StateSchemaLike> | null;
  return typeof v === "object" && v !== null && typeof v.getJsonSchema === "function" && typeof v.getInputJsonSchema === "function";
}

function attempt(fn: () => JsonSchema | undefined): JsonSchema | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function withoutMissing(parts: Partial<Record<keyof TypedSchemas, JsonSchema | undefined>>): Partial<TypedSchemas> {
  return Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)) as Partial<TypedSchemas>;
}
