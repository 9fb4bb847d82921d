/** Crons: the list, creating one (for an assistant, optionally on a thread), deleting. */
import { useState } from "preact/hooks";
import { ErrorMessage, JsonEditor, parseJson, Section, SelectField, short, TextField, when } from "../components";
import { useAction, useClient, useLoad } from "../hooks";
import { useAssistants } from "./assistants";

export function CronsView() {
  const client = useClient();
  const crons = useLoad(() => client.crons.search({ limit: 100 }), []);
  const assistants = useAssistants();
  const action = useAction();
  const [assistantId, setAssistantId] = useState("");
  const [schedule, setSchedule] = useState("*/5 * * * *");
  const [threadId, setThreadId] = useState("");
  const [input, setInput] = useState("{}");
  const chosen = assistantId || assistants.data?.[0]?.assistant_id || "";

  const create = async (event: Event) => {
    event.preventDefault();
    const parsed = parseJson(input);
    if (!parsed.ok) return;
    const payload = { schedule, input: (parsed.value ?? {}) as Record<string, unknown> };
    const ok = await action.run(() => (threadId.trim() ? client.crons.createForThread(threadId.trim(), chosen, payload) : client.crons.create(chosen, payload)));
    if (ok) await crons.reload();
  };
  const remove = async (cronId: string) => {
    if (await action.run(() => client.crons.delete(cronId))) await crons.reload();
  };

  return (
    <div class="page">
      <h1>Crons</h1>
      <Section title="Scheduled runs">
        <ErrorMessage error={crons.error ?? action.error} />
        <table aria-label="Crons">
          <thead>
            <tr>
              <th scope="col">Cron</th>
              <th scope="col">Schedule</th>
              <th scope="col">Assistant</th>
              <th scope="col">Thread</th>
              <th scope="col">Next run</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(crons.data ?? []).map((c) => (
              <tr key={c.cron_id}>
                <td>
                  <code title={c.cron_id}>{short(c.cron_id)}</code>
                </td>
                <td>
                  <code>{c.schedule}</code>
                </td>
                <td>{assistants.data?.find((a) => a.assistant_id === c.assistant_id)?.name ?? short(c.assistant_id ?? "")}</td>
                <td>{c.thread_id ? short(c.thread_id) : "new each time"}</td>
                <td>{when(c.next_run_date)}</td>
                <td>
                  <button type="button" onClick={() => void remove(c.cron_id)} aria-label={`Delete cron ${c.schedule}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {crons.data?.length === 0 && <p>No crons.</p>}
      </Section>
      <Section title="New cron">
        <form onSubmit={create} aria-label="New cron">
          <SelectField label="Assistant" value={chosen} onChange={setAssistantId} options={(assistants.data ?? []).map((a) => [a.assistant_id, a.name || a.graph_id])} />
          <TextField label="Schedule (cron)" value={schedule} onInput={setSchedule} required />
          <TextField label="Thread id (optional)" value={threadId} onInput={setThreadId} />
          <JsonEditor label="Input (JSON)" value={input} onInput={setInput} rows={3} />
          <button type="submit" disabled={action.busy || !chosen}>
            Create cron
          </button>
        </form>
      </Section>
    </div>
  );
}
