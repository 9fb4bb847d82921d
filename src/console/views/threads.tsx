/** Threads: search by status and metadata, create one. */
import type { Thread, ThreadStatus } from "@langchain/langgraph-sdk";
import { useState } from "preact/hooks";
import { ErrorMessage, JsonEditor, parseJson, Section, SelectField, short, when } from "../components";
import { href, navigate, useAction, useClient, useLoad } from "../hooks";

export function ThreadsView() {
  const client = useClient();
  const [status, setStatus] = useState("");
  const [metadata, setMetadata] = useState("");
  const [query, setQuery] = useState<{ status?: ThreadStatus; metadata?: Record<string, unknown> }>({});
  const threads = useLoad(() => client.threads.search({ ...query, limit: 50, sortBy: "updated_at", sortOrder: "desc" }), [query]);
  const create = useAction();
  const search = (event: Event) => {
    event.preventDefault();
    const m = parseJson(metadata);
    if (!m.ok) return;
    setQuery({ status: (status || undefined) as ThreadStatus | undefined, metadata: m.value as Record<string, unknown> | undefined });
  };
  const newThread = async () => {
    let thread: Thread | undefined;
    if (await create.run(async () => (thread = await client.threads.create()))) navigate("threads", thread!.thread_id);
  };
  return (
    <div class="page">
      <h1>Threads</h1>
      <Section
        title="Search"
        actions={
          <button type="button" onClick={newThread} disabled={create.busy}>
            New thread
          </button>
        }
      >
        <form onSubmit={search} aria-label="Search threads" class="row">
          <SelectField
            label="Status"
            value={status}
            onChange={setStatus}
            options={[
              ["", "any"],
              ["idle", "idle"],
              ["busy", "busy"],
              ["interrupted", "interrupted"],
              ["error", "error"],
            ]}
          />
          <JsonEditor label="Metadata filter (JSON)" value={metadata} onInput={setMetadata} rows={1} placeholder='{"owner": "user1"}' />
          <button type="submit">Search</button>
        </form>
        <ErrorMessage error={create.error ?? threads.error} />
        <table aria-label="Threads">
          <thead>
            <tr>
              <th scope="col">Thread</th>
              <th scope="col">Status</th>
              <th scope="col">Updated</th>
              <th scope="col">Metadata</th>
            </tr>
          </thead>
          <tbody>
            {(threads.data ?? []).map((t) => (
              <tr key={t.thread_id}>
                <td>
                  <a href={href("threads", t.thread_id)} title={t.thread_id}>
                    {short(t.thread_id)}
                  </a>
                </td>
                <td>
                  <span class={`status ${t.status}`}>{t.status}</span>
                </td>
                <td>{when(t.updated_at)}</td>
                <td>
                  <code class="clip">{JSON.stringify(t.metadata ?? {})}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {threads.data?.length === 0 && <p>No threads.</p>}
      </Section>
    </div>
  );
}
