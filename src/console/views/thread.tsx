/**
 * One thread: the conversation (chat bubbles when the state has `messages`, else its raw JSON),
 * interrupts with a resume form, the new-run form, the live event log, state editing and the
 * checkpoint history with time travel.
 */
import type { Interrupt, StreamMode } from "@langchain/langgraph-sdk";
import { useEffect, useState } from "preact/hooks";
import { ErrorMessage, Json, JsonEditor, parseJson, pretty, Section, TextField, when } from "../components";
import { href, useAction, useClient, useLoad } from "../hooks";
import { useRunStream } from "../run-stream";
import { useAssistants } from "./assistants";
import { Chat, hasMessages } from "./chat";
import { EventLog } from "./event-log";
import { History } from "./history";
import { RunForm } from "./run-form";

const TIME_TRAVEL_MODES: StreamMode[] = ["values", "messages-tuple", "updates"];

export function ThreadView({ threadId }: { threadId: string }) {
  const client = useClient();
  const thread = useLoad(() => client.threads.get(threadId), [threadId]);
  const state = useLoad(() => client.threads.getState(threadId), [threadId]);
  const history = useLoad(() => client.threads.getHistory(threadId, { limit: 50 }), [threadId]);
  const assistants = useAssistants();
  const reloadAll = () => Promise.all([thread.reload(), state.reload(), history.reload()]).then(() => undefined);
  const run = useRunStream(threadId, reloadAll);
  const action = useAction();

  const meta = (thread.data?.metadata ?? {}) as { assistant_id?: string; graph_id?: string };
  const defaultAssistant =
    assistants.data?.find((a) => a.assistant_id === meta.assistant_id)?.assistant_id ?? assistants.data?.find((a) => a.graph_id === meta.graph_id)?.assistant_id;
  const assistantForReplay = defaultAssistant ?? assistants.data?.[0]?.assistant_id ?? "";

  // While a run streams, its latest values are the freshest view of the state.
  const values = run.running && run.values ? run.values : state.data?.values;
  const interrupts: Interrupt[] = run.running ? [] : (state.data?.tasks ?? []).flatMap((t) => t.interrupts ?? []);

  const resume = (value: unknown) => run.start({ assistantId: assistantForReplay, command: { resume: value }, streamMode: TIME_TRAVEL_MODES });
  const rerun = (checkpointId: string) => run.start({ assistantId: assistantForReplay, checkpointId, streamMode: TIME_TRAVEL_MODES });
  const fork = (checkpointId: string, forked: unknown) =>
    action.run(async () => {
      const written = await client.threads.updateState(threadId, { values: forked, checkpointId });
      // The API answers `{checkpoint: {...}}` (the SDK's type says `configurable`): accept both.
      const head = ((written as { checkpoint?: { checkpoint_id?: string } }).checkpoint ?? written.configurable)?.checkpoint_id as string | undefined;
      await run.start({ assistantId: assistantForReplay, checkpointId: head, streamMode: TIME_TRAVEL_MODES });
    });

  return (
    <div class="page">
      <p>
        <a href={href("threads")}>← Threads</a>
      </p>
      <h1>
        Thread <code>{threadId}</code>
      </h1>
      <p class="facts-line">
        Status: <span class={`status ${thread.data?.status ?? ""}`}>{run.running ? "busy" : thread.data?.status}</span>
        {thread.data && <span class="muted"> · updated {when(thread.data.updated_at)}</span>}
      </p>
      <ErrorMessage error={thread.error ?? state.error ?? action.error} />
      <div class="columns">
        <div>
          <Section title={hasMessages(values) ? "Conversation" : "Values"}>
            {hasMessages(values) ? <Chat messages={values.messages} streaming={run.streaming} /> : <Json value={values ?? {}} label="State values" />}
            <ErrorMessage error={run.error} />
          </Section>
          {interrupts.length > 0 && <Interrupts interrupts={interrupts} onResume={resume} />}
          <RunForm
            assistants={assistants.data ?? []}
            defaultAssistant={defaultAssistant}
            running={run.running}
            canCancel={run.running && !!run.runId}
            onRun={(request) => void run.start(request)}
            onCancel={() => void run.cancel()}
          />
        </div>
        <div>
          <EventLog events={run.events} running={run.running} />
          <StateEditor threadId={threadId} values={state.data?.values} onSaved={reloadAll} disabled={run.running} />
          <History history={history.data ?? []} currentId={state.data?.checkpoint?.checkpoint_id ?? undefined} running={run.running} onRerun={(id) => void rerun(id)} onFork={(id, v) => void fork(id, v)} />
        </div>
      </div>
    </div>
  );
}

function Interrupts({ interrupts, onResume }: { interrupts: Interrupt[]; onResume: (value: unknown) => void }) {
  const [text, setText] = useState("");
  return (
    <Section title="Interrupted" class="attention">
      <p>The graph is waiting for input. What it asked:</p>
      {interrupts.map((i, n) => (
        <Json key={i.id ?? n} value={i.value} label="Interrupt value" />
      ))}
      <form
        aria-label="Resume"
        onSubmit={(e) => {
          e.preventDefault();
          // JSON when it parses (numbers, objects), else the text as a string.
          const parsed = parseJson(text);
          onResume(parsed.ok && parsed.value !== undefined ? parsed.value : text);
          setText("");
        }}
      >
        <TextField label="Resume value" value={text} onInput={setText} placeholder='text, or JSON like {"approved": true}' />
        <button type="submit">Resume</button>
      </form>
    </Section>
  );
}

function StateEditor(props: { threadId: string; values: unknown; onSaved: () => Promise<void>; disabled: boolean }) {
  const client = useClient();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [asNode, setAsNode] = useState("");
  const action = useAction();
  useEffect(() => {
    if (!open) setText(pretty(props.values ?? {}));
  }, [props.values, open]);
  const save = async (event: Event) => {
    event.preventDefault();
    const parsed = parseJson(text);
    if (!parsed.ok) return;
    if (await action.run(() => client.threads.updateState(props.threadId, { values: parsed.value ?? {}, asNode: asNode || undefined }))) {
      setOpen(false);
      await props.onSaved();
    }
  };
  return (
    <Section
      title="State"
      actions={
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)} disabled={props.disabled}>
          {open ? "Close editor" : "Edit state"}
        </button>
      }
    >
      {open ? (
        <form onSubmit={save} aria-label="Edit state">
          <JsonEditor label="State values (JSON)" value={text} onInput={setText} rows={10} />
          <TextField label="As node (optional)" value={asNode} onInput={setAsNode} />
          <ErrorMessage error={action.error} />
          <button type="submit" disabled={action.busy}>
            Update state
          </button>
        </form>
      ) : (
        <Json value={props.values ?? {}} label="Current state" />
      )}
    </Section>
  );
}
