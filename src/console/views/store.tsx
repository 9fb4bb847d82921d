/** The store: namespaces as a tree, the items under the chosen one, put and delete. */
import { useState } from "preact/hooks";
import { ErrorMessage, Json, JsonEditor, parseJson, Section, TextField, when } from "../components";
import { useAction, useClient, useLoad } from "../hooks";

interface TreeNode {
  label: string;
  path: string[];
  children: Map<string, TreeNode>;
}

function buildTree(namespaces: string[][]): TreeNode {
  const root: TreeNode = { label: "", path: [], children: new Map() };
  for (const ns of namespaces) {
    let node = root;
    for (const label of ns) {
      let child = node.children.get(label);
      if (!child) node.children.set(label, (child = { label, path: [...node.path, label], children: new Map() }));
      node = child;
    }
  }
  return root;
}

// Namespace labels may not contain dots, so a dotted path names a namespace unambiguously.
const joinNs = (ns: string[]) => ns.join(".");
const splitNs = (text: string) => text.split(".").map((s) => s.trim()).filter(Boolean);

export function StoreView() {
  const client = useClient();
  const namespaces = useLoad(() => client.store.listNamespaces({ limit: 1000 }), []);
  const [selected, setSelected] = useState<string[]>([]);
  const items = useLoad(() => client.store.searchItems(selected, { limit: 100 }), [joinNs(selected)]);
  const action = useAction();
  const [ns, setNs] = useState("");
  const [key, setKey] = useState("");
  const [value, setValue] = useState("{}");
  const reload = () => Promise.all([namespaces.reload(), items.reload()]);

  const put = async (event: Event) => {
    event.preventDefault();
    const parsed = parseJson(value);
    if (!parsed.ok) return;
    if (await action.run(() => client.store.putItem(splitNs(ns), key, (parsed.value ?? {}) as Record<string, unknown>))) {
      setKey("");
      await reload();
    }
  };
  const remove = async (namespace: string[], itemKey: string) => {
    if (await action.run(() => client.store.deleteItem(namespace, itemKey))) await reload();
  };
  const tree = buildTree(namespaces.data?.namespaces ?? []);

  return (
    <div class="page">
      <h1>Store</h1>
      <div class="columns narrow-first">
        <Section title="Namespaces">
          <ErrorMessage error={namespaces.error} />
          <nav aria-label="Namespaces">
            <ul class="tree">
              <li>
                <button type="button" class="link" aria-current={selected.length === 0 ? "true" : undefined} onClick={() => setSelected([])}>
                  (all)
                </button>
                <Branch node={tree} selected={selected} onSelect={setSelected} />
              </li>
            </ul>
          </nav>
        </Section>
        <div>
          <Section title={selected.length ? `Items under ${joinNs(selected)}` : "All items"}>
            <ErrorMessage error={items.error ?? action.error} />
            <ul class="items" aria-label="Items">
              {(items.data?.items ?? []).map((item) => (
                <li key={`${joinNs(item.namespace)}/${item.key}`}>
                  <div class="item-head">
                    <span>
                      <code>{joinNs(item.namespace)}</code> / <strong>{item.key}</strong> <span class="muted">{when(item.updatedAt as unknown as string)}</span>
                    </span>
                    <button type="button" onClick={() => void remove(item.namespace, item.key)} aria-label={`Delete item ${item.key}`}>
                      Delete
                    </button>
                  </div>
                  <Json value={item.value} label={`Value of ${item.key}`} />
                </li>
              ))}
              {items.data?.items.length === 0 && <li class="muted">No items.</li>}
            </ul>
          </Section>
          <Section title="Put an item">
            <form onSubmit={put} aria-label="Put an item">
              <TextField label="Namespace (labels separated by dots)" value={ns} onInput={setNs} placeholder="memories.user1" required />
              <TextField label="Key" value={key} onInput={setKey} required />
              <JsonEditor label="Value (JSON object)" value={value} onInput={setValue} rows={4} />
              <button type="submit" disabled={action.busy}>
                Put item
              </button>
            </form>
          </Section>
        </div>
      </div>
    </div>
  );
}

function Branch({ node, selected, onSelect }: { node: TreeNode; selected: string[]; onSelect: (path: string[]) => void }) {
  if (node.children.size === 0) return null;
  return (
    <ul>
      {[...node.children.values()].map((child) => (
        <li key={child.label}>
          <button type="button" class="link" aria-current={joinNs(child.path) === joinNs(selected) ? "true" : undefined} onClick={() => onSelect(child.path)}>
            {child.label}
          </button>
          <Branch node={child} selected={selected} onSelect={onSelect} />
        </li>
      ))}
    </ul>
  );
}
