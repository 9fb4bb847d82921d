import Type from "typebox";
import { JsonObject, Nullable, SearchFilter } from "./common.js";

const Namespace = Type.Array(Type.String());

export const StorePut = Type.Object({
  namespace: Namespace,
  key: Type.String({ minLength: 1 }),
  value: JsonObject,
  index: Type.Optional(Type.Unknown()),
  /** Minutes until the item expires; null for never. */
  ttl: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()])),
});

export const StoreGetQuery = Type.Object({
  namespace: Type.Optional(Type.String()),
  key: Type.String({ minLength: 1 }),
  refresh_ttl: Type.Optional(Type.Boolean()),
});

export const StoreDelete = Type.Object({
  namespace: Type.Optional(Namespace),
  key: Type.String({ minLength: 1 }),
});

// null is "not given" here, as the Platform's API and the SDKs' types allow.
export const StoreSearch = Type.Object({
  namespace_prefix: Type.Optional(Nullable(Namespace)),
  filter: Type.Optional(Nullable(SearchFilter)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  query: Type.Optional(Nullable(Type.String())),
  refresh_ttl: Type.Optional(Nullable(Type.Boolean())),
});

export const StoreNamespaces = Type.Object({
  prefix: Type.Optional(Namespace),
  suffix: Type.Optional(Namespace),
  max_depth: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});
