/** Schema pieces shared by several route files. */
import Type, { type Static, type TSchema } from "typebox";

export const Uuid = Type.String({ format: "uuid" });
export const Metadata = Type.Record(Type.String(), Type.Unknown());
export const JsonObject = Type.Record(Type.String(), Type.Unknown());
/** Search conditions (`metadata`, `values`): each key is one condition; the count is capped. */
export const MAX_FILTER_KEYS = 100;
export const SearchFilter = Type.Record(Type.String(), Type.Unknown(), { maxProperties: MAX_FILTER_KEYS });

/**
 * A field the SDKs may send as `null` where they mean "not given". Spelled `type: [<type>, "null"]`
 * rather than anyOf: with the validator's type coercion, an anyOf would turn `null` into `[""]`
 * for an array, or `false` into `null` for a boolean, depending on the order of its branches.
 */
export function Nullable<T extends TSchema & { type: string }>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, "null"] });
}

export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

export const IfExists = StringEnum(["raise", "do_nothing"] as const);

export const ThreadIdParams = Type.Object({ thread_id: Uuid });
export const ThreadRunParams = Type.Object({ thread_id: Uuid, run_id: Uuid });
export const AssistantIdParams = Type.Object({ assistant_id: Type.String({ minLength: 1 }) });

/** Responses are documented loosely: records carry user data of any shape. */
export const AnyObject = Type.Object({}, { additionalProperties: true });

export const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 10 });
export const Offset = Type.Integer({ minimum: 0, default: 0 });
