/** The live log of a run's stream events: name and a one-line preview, expandable to the data. */
import { Section } from "../components";
import type { LoggedEvent } from "../run-stream";

export function EventLog({ events, running }: { events: LoggedEvent[]; running: boolean }) {
  return (
    <Section title="Event log" actions={running ? <span role="status">streaming…</span> : undefined}>
      <ol class="events" aria-label="Event log">
        {events.map((e) => (
          <li key={e.n}>
            <details>
              <summary>
                <code>{e.event}</code> <span class="muted clip">{preview(e.data)}</span>
              </summary>
              <pre class="json">{JSON.stringify(e.data, null, 2)}</pre>
            </details>
          </li>
        ))}
        {events.length === 0 && <li class="muted">Events of the next run appear here.</li>}
      </ol>
    </Section>
  );
}

function preview(data: unknown): string {
  const json = JSON.stringify(data) ?? "";
  return json.length > 120 ? `${json.slice(0, 120)}…` : json;
}
