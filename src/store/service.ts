/**
 * The store routes' logic: namespace validation and authorization. Store handlers may rewrite
 * `namespace` (and `key`/`value` on put, get, delete) for every action, search and list
 * included; a returned filter is matched against `{...item.value, namespace, key}`. An item
 * hidden by the filter behaves exactly like a missing one; writing a new item the filter would
 * hide is a 403.
 */
import type { AuthContext } from "../auth/authenticate.js";
import type { AccessGuard } from "../auth/access.js";
import { Forbidden, ItemNotFound, Unprocessable } from "../errors.js";
import { matchesFilter } from "../storage/metadata-filter.js";
import type { ItemStore, MetadataFilter, StoreItem } from "../storage/types.js";

export function validateNamespace(namespace: unknown, field: string, allowEmpty: boolean): string[] {
  if (!Array.isArray(namespace) || namespace.some((l) => typeof l !== "string")) {
    throw new Unprocessable(`${field} must be an array of strings`);
  }
  if (!allowEmpty && namespace.length === 0) throw new Unprocessable(`${field}: Namespace is required`);
  const bad = namespace.find((label: string) => label === "" || label.includes("."));
  if (bad !== undefined) {
    throw new Unprocessable(`Namespace labels cannot be empty or contain periods. Received: ${namespace.join(".")}`);
  }
  return namespace as string[];
}

/** A handler's filter must be one the store can apply (equality, $eq, $contains): else 403, never ignored. */
function applicable(filter: MetadataFilter | undefined): MetadataFilter | undefined {
  for (const condition of Object.values(filter ?? {})) {
    if (typeof condition !== "object" || condition === null || Array.isArray(condition)) continue;
    const ops = Object.keys(condition).filter((k) => k.startsWith("$"));
    if (ops.some((op) => op !== "$eq" && op !== "$contains")) {
      throw new Forbidden(`Not authorized: the store cannot apply the filter operator(s) ${ops.join(", ")}`);
    }
  }
  return filter;
}

const visible = (item: StoreItem, filter: MetadataFilter | undefined) =>
  matchesFilter({ ...item.value, namespace: item.namespace, key: item.key }, filter);

export class StoreService {
  constructor(
    private readonly store: ItemStore,
    private readonly access: AccessGuard,
  ) {}

  async put(auth: AuthContext | null, body: { namespace: string[]; key: string; value: Record<string, unknown>; ttl?: number | null }): Promise<void> {
    const value = { namespace: validateNamespace(body.namespace, "namespace", false), key: body.key, value: body.value };
    const filter = applicable(await this.access.filter(auth, "store", "put", value));
    const namespace = validateNamespace(value.namespace, "namespace", false);
    const existing = await this.store.get(namespace, value.key, { refreshTtl: false });
    // Someone else's item is not overwritten: the same 404 a read of it would give.
    if (existing && !visible(existing, filter)) throw new ItemNotFound();
    const next = { namespace, key: value.key, value: value.value, created_at: "", updated_at: "" };
    if (!visible(next, filter)) throw new Forbidden("Not authorized");
    await this.store.put(namespace, value.key, value.value, { ttlMinutes: body.ttl });
  }

  async get(auth: AuthContext | null, query: { namespace: string[]; key: string; refreshTtl?: boolean }): Promise<StoreItem | null> {
    const value = { namespace: validateNamespace(query.namespace, "namespace", true), key: query.key };
    const filter = applicable(await this.access.filter(auth, "store", "get", value));
    const item = await this.store.get(validateNamespace(value.namespace, "namespace", true), value.key, { refreshTtl: query.refreshTtl });
    return item && visible(item, filter) ? item : null;
  }

  async delete(auth: AuthContext | null, body: { namespace: string[]; key: string }): Promise<void> {
    const value = { namespace: validateNamespace(body.namespace, "namespace", true), key: body.key };
    const filter = applicable(await this.access.filter(auth, "store", "delete", value));
    const namespace = validateNamespace(value.namespace, "namespace", true);
    const item = await this.store.get(namespace, value.key, { refreshTtl: false });
    if (item && visible(item, filter)) await this.store.delete(namespace, value.key);
  }

  async search(
    auth: AuthContext | null,
    body: { namespace_prefix: string[]; filter?: Record<string, unknown>; limit: number; offset: number; query?: string; refresh_ttl?: boolean },
  ): Promise<StoreItem[]> {
    const value = {
      namespace: validateNamespace(body.namespace_prefix, "namespace_prefix", true),
      filter: body.filter,
      limit: body.limit,
      offset: body.offset,
      query: body.query,
    };
    const authFilter = applicable(await this.access.filter(auth, "store", "search", value));
    return this.store.search(validateNamespace(value.namespace, "namespace_prefix", true), {
      filter: body.filter,
      authFilter,
      limit: body.limit,
      offset: body.offset,
      refreshTtl: body.refresh_ttl,
    });
  }

  async listNamespaces(
    auth: AuthContext | null,
    body: { prefix?: string[]; suffix?: string[]; max_depth?: number; limit: number; offset: number },
  ): Promise<string[][]> {
    const value = {
      namespace: body.prefix ? validateNamespace(body.prefix, "prefix", true) : undefined,
      suffix: body.suffix ? validateNamespace(body.suffix, "suffix", true) : undefined,
      max_depth: body.max_depth,
      limit: body.limit,
      offset: body.offset,
    };
    const authFilter = applicable(await this.access.filter(auth, "store", "list_namespaces", value));
    return this.store.listNamespaces({
      prefix: value.namespace,
      suffix: value.suffix,
      maxDepth: value.max_depth,
      limit: value.limit,
      offset: value.offset,
      authFilter,
    });
  }
}
