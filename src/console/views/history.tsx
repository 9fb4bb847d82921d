/**
 * The checkpoint history as a timeline (newest first), with time travel: re-run from a
 * checkpoint, or fork it (write edited values as a new checkpoint branching from it) and run on.
 */
import type { ThreadState } from "@langchain/langgraph-sdk";
import { useState } from "preact/hooks";
import { JsonEditor, parseJson, pretty, Section, short, when } from "../components";

export function History(props: {
  history: ThreadState[];
  /** The thread's current checkpoint: the head of the branch the next run continues. */
  currentId?: string;
  running: boolean;
  onRerun: (checkpointId: string) => void;
  onFork: (checkpointId: string, values: unknown) => void;
}) {
  const [forking, setForking] = useState<string>();
  const [text, setText] = useState("");
  return (
    <Section title="Checkpoint history">
      <ol class="timeline" aria-label="Checkpoint history">
        {props.history.map((state) => {
          const id = state.checkpoint?.checkpoint_id ?? "";
          const meta = (state.metadata ?? {}) as { step?: number; source?: string };
          return (
            <li key={id} class={state.next.length ? "pending" : ""}>
              <div class="tick">
                <strong>step {meta.step ?? "?"}</strong> <span class="muted">{meta.source}</span> <code title={id}>{short(id)}</code>{" "}
                <span class="muted">{when(state.created_at)}</span>
                {id === props.currentId && <strong class="current"> current</strong>}
              </div>
              <div class="muted">{state.next.length ? `next: ${state.next.join(", ")}` : "end"}</div>
              <div class="buttons">
                <button type="button" disabled={props.running || !state.next.length} onClick={() => props.onRerun(id)} aria-label={`Re-run from step ${meta.step ?? "?"}`}>
                  Re-run from here
                </button>
                <button
                  type="button"
                  disabled={props.running}
                  aria-expanded={forking === id}
                  onClick={() => {
                    setForking(forking === id ? undefined : id);
                    setText(pretty(state.values));
                  }}
                  aria-label={`Fork from step ${meta.step ?? "?"}`}
                >
                  Fork…
                </button>
              </div>
              {forking === id && (
                <form
                  aria-label="Fork"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const parsed = parseJson(text);
                    if (!parsed.ok) return;
                    setForking(undefined);
                    props.onFork(id, parsed.value ?? {});
                  }}
                >
                  <JsonEditor label="Forked values (JSON)" value={text} onInput={setText} rows={8} />
                  <button type="submit">Fork and run</button>
                </form>
              )}
            </li>
          );
        })}
      </ol>
    </Section>
  );
}
