import type { App, AppDeps } from "../app.js";
import { StoreDelete, StoreGetQuery, StoreNamespaces, StorePut, StoreSearch } from "../schemas/store.js";

const tags = ["store"];

export function storeRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;

  app.put("/store/items", { schema: { tags, summary: "Put an item", body: StorePut } }, async (request, reply) => {
    await store.put(request.auth, request.body);
    return reply.code(204).send();
  });

  app.get("/store/items", { schema: { tags, summary: "Get an item (null when missing)", querystring: StoreGetQuery } }, async (request, reply) => {
    const namespace = request.query.namespace ? request.query.namespace.split(".") : [];
    const item = await store.get(request.auth, { namespace, key: request.query.key, refreshTtl: request.query.refresh_ttl });
    return reply.send(item);
  });

  app.delete("/store/items", { schema: { tags, summary: "Delete an item", body: StoreDelete } }, async (request, reply) => {
    await store.delete(request.auth, { namespace: request.body.namespace ?? [], key: request.body.key });
    return reply.code(204).send();
  });

  app.post("/store/items/search", { schema: { tags, summary: "Search items under a namespace prefix", body: StoreSearch } }, async (request) => {
    const { namespace_prefix, filter, query, refresh_ttl, limit, offset } = request.body;
    return {
      items: await store.search(request.auth, {
        namespace_prefix: namespace_prefix ?? [],
        filter: filter ?? undefined,
        query: query ?? undefined,
        refresh_ttl: refresh_ttl ?? undefined,
        limit: limit ?? 10,
        offset: offset ?? 0,
      }),
    };
  });

  app.post("/store/namespaces", { schema: { tags, summary: "List namespaces", body: StoreNamespaces } }, async (request) => ({
    namespaces: await store.listNamespaces(request.auth, { ...request.body, limit: request.body.limit ?? 100, offset: request.body.offset ?? 0 }),
  }));
}
