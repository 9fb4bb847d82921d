import { BaseStore, type Item, type Operation, type OperationResults } from "@langchain/langgraph-checkpoint";
import type { ItemStore, StoreItem } from "./types.js";

/**
 * The store as LangGraph graphs use it (`config.store`, `getStore()`): LangGraph's operations on
 * top of any backend's ItemStore, so what a graph writes an HTTP client reads and vice versa.
 */
export class LangGraphStore extends BaseStore {
  constructor(private readonly items: Omit<ItemStore, "langgraph">) {
    super();
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results: unknown[] = [];
    for (const op of operations) {
      if ("namespacePrefix" in op) {
        const found = await this.items.search(op.namespacePrefix, { filter: op.filter, limit: op.limit ?? 10, offset: op.offset ?? 0 });
        results.push(found.map(toLangGraphItem));
      } else if ("value" in op) {
        if (op.value === null) await this.items.delete(op.namespace, op.key);
        else await this.items.put(op.namespace, op.key, op.value);
        results.push(undefined);
      } else if ("key" in op) {
        const item = await this.items.get(op.namespace, op.key);
        results.push(item ? toLangGraphItem(item) : null);
      } else {
        const prefix = op.matchConditions?.find((c) => c.matchType === "prefix")?.path;
        const suffix = op.matchConditions?.find((c) => c.matchType === "suffix")?.path;
        results.push(await this.items.listNamespaces({ prefix, suffix, maxDepth: op.maxDepth, limit: op.limit, offset: op.offset }));
      }
    }
    return results as OperationResults<Op>;
  }
}

function toLangGraphItem(item: StoreItem): Item {
  return { namespace: item.namespace, key: item.key, value: item.value, createdAt: new Date(item.created_at), updatedAt: new Date(item.updated_at) };
}

