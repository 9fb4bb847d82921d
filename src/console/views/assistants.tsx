/** Assistants: the list, creating one from a graph, and one assistant's config, context and graph. */
import type { Assistant } from "@langchain/langgraph-sdk";
import { useEffect, useState } from "preact/hooks";
import { ErrorMessage, JsonEditor, parseJson, pretty, Section, SelectField, short, TextField, when } from "../components";
import { href, navigate, useAction, useClient, useLoad } from "../hooks";
import { GraphPicture } from "./graph";

/** Every assistant the user may see (the system ones first: they name the graphs). */
export function useAssistants() {
  const client = useClient();
  return useLoad(() => client.assistants.search({ limit: 100, sortBy: "created_at", sortOrder: "asc" }), []);
}

export function AssistantsView() {
  const assistants = useAssistants();
  return (
    <div class="page">
      <h1>Assistants</h1>
      <Section title="All assistants">
        <ErrorMessage error={assistants.error} />
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Graph</th>
              <th scope="col">Version</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {(assistants.data ?? []).map((a) => (
              <tr key={a.assistant_id}>
                <td>
                  <a href={href("assistants", a.assistant_id)}>{a.name || short(a.assistant_id)}</a>
                </td>
                <td>{a.graph_id}</td>
                <td>{a.version}</td>
                <td>{when(a.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <CreateAssistant assistants={assistants.data ?? []} />
    </div>
  );
}

function CreateAssistant({ assistants }: { assistants: Assistant[] }) {
  const client = useClient();
  const graphs = [...new Set(assistants.map((a) => a.graph_id))];
  const [graph, setGraph] = useState("");
  const [name, setName] = useState("");
  const [config, setConfig] = useState("{}");
  const [context, setContext] = useState("{}");
  const action = useAction();
  const chosen = graph || graphs[0] || "";
  const submit = async (event: Event) => {
    event.preventDefault();
    const c = parseJson(config);
    const x = parseJson(context);
    if (!c.ok || !x.ok) return;
    let created: Assistant | undefined;
    const ok = await action.run(async () => {
      created = await client.assistants.create({
        graphId: chosen,
        name: name || undefined,
        config: (c.value as Record<string, unknown>) ?? {},
        context: (x.value as Record<string, unknown>) ?? undefined,
      });
    });
    if (ok && created) navigate("assistants", created.assistant_id);
  };
  return (
    <Section title="New assistant">
      <form onSubmit={submit} aria-label="New assistant">
        <SelectField label="Graph" value={chosen} onChange={setGraph} options={graphs.map((g) => [g, g])} />
        <TextField label="Name" value={name} onInput={setName} />
        <JsonEditor label="Config (JSON)" value={config} onInput={setConfig} rows={3} />
        <JsonEditor label="Context (JSON)" value={context} onInput={setContext} rows={3} />
        <ErrorMessage error={action.error} />
        <button type="submit" disabled={action.busy || !chosen}>
          Create assistant
        </button>
      </form>
    </Section>
  );
}

export function AssistantView({ assistantId }: { assistantId: string }) {
  const client = useClient();
  const assistant = useLoad(() => client.assistants.get(assistantId), [assistantId]);
  const [config, setConfig] = useState("");
  const [context, setContext] = useState("");
  const [name, setName] = useState("");
  const action = useAction();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!assistant.data) return;
    setConfig(pretty(assistant.data.config));
    setContext(pretty(assistant.data.context ?? {}));
    setName(assistant.data.name ?? "");
  }, [assistant.data]);
  const save = async (event: Event) => {
    event.preventDefault();
    const c = parseJson(config);
    const x = parseJson(context);
    if (!c.ok || !x.ok) return;
    setSaved(false);
    const ok = await action.run(() =>
      client.assistants.update(assistantId, { name, config: (c.value ?? {}) as Record<string, unknown>, context: (x.value ?? {}) as Record<string, unknown> }),
    );
    if (ok) {
      setSaved(true);
      await assistant.reload();
    }
  };
  const a = assistant.data;
  return (
    <div class="page">
      <p>
        <a href={href("assistants")}>← Assistants</a>
      </p>
      <h1>{a ? a.name || a.assistant_id : "Assistant"}</h1>
      <ErrorMessage error={assistant.error} />
      {a && (
        <div class="columns">
          <Section title="Settings">
            <dl class="facts">
              <dt>Id</dt>
              <dd>
                <code>{a.assistant_id}</code>
              </dd>
              <dt>Graph</dt>
              <dd>{a.graph_id}</dd>
              <dt>Version</dt>
              <dd>{a.version}</dd>
            </dl>
            <form onSubmit={save} aria-label="Assistant settings">
              <TextField label="Name" value={name} onInput={setName} />
              <JsonEditor label="Config (JSON)" value={config} onInput={setConfig} />
              <JsonEditor label="Context (JSON)" value={context} onInput={setContext} />
              <ErrorMessage error={action.error} />
              {saved && <p role="status">Saved as version {a.version}.</p>}
              <button type="submit" disabled={action.busy}>
                Save
              </button>
            </form>
          </Section>
          <GraphPicture assistantId={assistantId} />
        </div>
      )}
    </div>
  );
}
