/**
 * The new-run form: fields generated from the assistant's input schema (a message box for
 * `messages`), a raw JSON editor as the fallback, the stream modes to ask for, run and cancel.
 */
import type { Assistant, StreamMode } from "@langchain/langgraph-sdk";
import { useEffect, useId, useState } from "preact/hooks";
import { JsonEditor, parseJson, pretty, SelectField, Section } from "../components";
import { useClient, useLoad } from "../hooks";
import type { RunRequest } from "../run-stream";

interface PropertySchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
}

const MODES: StreamMode[] = ["values", "messages-tuple", "updates", "events", "custom", "debug", "tasks", "checkpoints"];

type Kind = "message" | "text" | "number" | "boolean" | "json";

function kindOf(name: string, schema: PropertySchema): Kind {
  if (name === "messages") return "message";
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "number" || type === "integer") return "number";
  if (type === "boolean") return "boolean";
  if (type === "array" || type === "object") return "json";
  return "text";
}

/** The input the generated fields describe; empty fields are left out. */
function inputFrom(fields: Array<[string, Kind]>, values: Record<string, string | boolean>): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const input: Record<string, unknown> = {};
  for (const [name, kind] of fields) {
    const v = values[name];
    if (v === undefined || v === "") continue;
    if (kind === "message") input[name] = [{ role: "user", content: String(v) }];
    else if (kind === "number") input[name] = Number(v);
    else if (kind === "boolean") input[name] = v === true;
    else if (kind === "json") {
      const parsed = parseJson(String(v));
      if (!parsed.ok) return { ok: false, error: `${name}: ${parsed.error}` };
      input[name] = parsed.value;
    } else input[name] = v;
  }
  return { ok: true, value: input };
}

export function RunForm(props: {
  assistants: Assistant[];
  defaultAssistant?: string;
  running: boolean;
  canCancel: boolean;
  onRun: (request: RunRequest) => void;
  onCancel: () => void;
}) {
  const client = useClient();
  const [assistantId, setAssistantId] = useState("");
  const chosen = assistantId || props.defaultAssistant || props.assistants[0]?.assistant_id || "";
  const schemas = useLoad(() => (chosen ? client.assistants.getSchemas(chosen) : Promise.resolve(undefined)), [chosen]);
  const properties = ((schemas.data?.input_schema as { properties?: Record<string, PropertySchema> } | undefined)?.properties ?? {}) as Record<string, PropertySchema>;
  const fields = Object.entries(properties).map(([name, schema]): [string, Kind] => [name, kindOf(name, schema)]);
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [raw, setRaw] = useState(false);
  const [rawText, setRawText] = useState("{}");
  const [modes, setModes] = useState<StreamMode[]>(["values", "messages-tuple", "updates"]);
  const [formError, setFormError] = useState<string>();
  const useRaw = raw || (schemas.data !== undefined && fields.length === 0);
  useEffect(() => setValues({}), [chosen]);

  const submit = (event: Event) => {
    event.preventDefault();
    const input = useRaw ? parseJson(rawText) : inputFrom(fields, values);
    if (!input.ok) return setFormError(input.error);
    setFormError(undefined);
    props.onRun({ assistantId: chosen, input: input.value ?? null, streamMode: modes });
    if (!useRaw) setValues({});
  };
  const toggleRaw = (on: boolean) => {
    if (on) {
      const generated = inputFrom(fields, values);
      if (generated.ok) setRawText(pretty(generated.value));
    }
    setRaw(on);
  };

  return (
    <Section title="New run">
      <form onSubmit={submit} aria-label="New run">
        <SelectField
          label="Assistant"
          value={chosen}
          onChange={setAssistantId}
          options={props.assistants.map((a) => [a.assistant_id, a.name && a.name !== a.graph_id ? `${a.name} (${a.graph_id})` : a.graph_id])}
        />
        {!useRaw && fields.map(([name, kind]) => <Field key={name} name={name} kind={kind} schema={properties[name]!} value={values[name]} onChange={(v) => setValues((s) => ({ ...s, [name]: v }))} />)}
        {useRaw && <JsonEditor label="Input (JSON)" value={rawText} onInput={setRawText} rows={5} />}
        <label class="inline">
          <input type="checkbox" checked={useRaw} disabled={fields.length === 0} onChange={(e) => toggleRaw((e.target as HTMLInputElement).checked)} /> Edit input as raw JSON
        </label>
        <fieldset class="modes">
          <legend>Stream modes</legend>
          {MODES.map((mode) => (
            <label class="inline" key={mode}>
              <input
                type="checkbox"
                checked={modes.includes(mode)}
                onChange={(e) => setModes((m) => ((e.target as HTMLInputElement).checked ? [...m, mode] : m.filter((x) => x !== mode)))}
              />{" "}
              {mode}
            </label>
          ))}
        </fieldset>
        {formError && (
          <p class="error" role="alert">
            {formError}
          </p>
        )}
        <div class="buttons">
          <button type="submit" disabled={props.running || !chosen}>
            {props.running ? "Running…" : "Run"}
          </button>
          <button type="button" onClick={props.onCancel} disabled={!props.canCancel}>
            Cancel run
          </button>
        </div>
      </form>
    </Section>
  );
}

function Field(props: { name: string; kind: Kind; schema: PropertySchema; value: string | boolean | undefined; onChange: (v: string | boolean) => void }) {
  const id = useId();
  const label = props.kind === "message" ? "Message" : props.schema.title && props.schema.title !== props.name ? props.schema.title : props.name;
  const onInput = (e: Event) => props.onChange((e.target as HTMLInputElement).value);
  // In the message box, Enter sends (as in a chat) and Shift+Enter starts a new line.
  const onKeyDown = (e: KeyboardEvent) => {
    if (props.kind === "message" && e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      (e.target as HTMLTextAreaElement).form?.requestSubmit();
    }
  };
  return (
    <div class="field">
      {props.kind === "boolean" ? (
        <label class="inline">
          <input id={id} type="checkbox" checked={props.value === true} onChange={(e) => props.onChange((e.target as HTMLInputElement).checked)} /> {label}
        </label>
      ) : (
        <>
          <label for={id}>{label}</label>
          {props.kind === "message" || props.kind === "json" ? (
            <textarea id={id} rows={props.kind === "json" ? 4 : 2} class={props.kind === "json" ? "code" : ""} value={String(props.value ?? "")} onInput={onInput} onKeyDown={onKeyDown} />
          ) : (
            <input id={id} type={props.kind === "number" ? "number" : "text"} value={String(props.value ?? "")} onInput={onInput} />
          )}
        </>
      )}
      {props.schema.description && <span class="hint">{props.schema.description}</span>}
    </div>
  );
}
