/** Small building blocks shared by the views: labelled fields, JSON editing and display, errors. */
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";

export function ErrorMessage({ error }: { error?: string }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** Parses an editor's text: `undefined` text is "nothing", a syntax error is reported. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (!text.trim()) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

export function pretty(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

export function JsonEditor(props: { label: string; value: string; onInput: (text: string) => void; rows?: number; placeholder?: string }) {
  const id = useId();
  const parsed = parseJson(props.value);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        class="code"
        rows={props.rows ?? 6}
        spellcheck={false}
        value={props.value}
        placeholder={props.placeholder}
        aria-invalid={!parsed.ok}
        onInput={(e) => props.onInput((e.target as HTMLTextAreaElement).value)}
      />
      {!parsed.ok && <span class="hint error">Not valid JSON: {parsed.error}</span>}
    </div>
  );
}

export function TextField(props: { label: string; value: string; onInput: (text: string) => void; type?: string; placeholder?: string; required?: boolean; autoComplete?: string }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type={props.type ?? "text"}
        value={props.value}
        placeholder={props.placeholder}
        required={props.required}
        autoComplete={props.autoComplete}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
    </div>
  );
}

export function SelectField(props: { label: string; value: string; options: Array<[value: string, label: string]>; onChange: (value: string) => void }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.options.map(([value, label]) => (
          <option value={value} key={value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Json({ value, label }: { value: unknown; label?: string }) {
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {pretty(value) || "(empty)"}
    </pre>
  );
}

export function Section(props: { title: string; children: ComponentChildren; actions?: ComponentChildren; class?: string }) {
  const id = useId();
  return (
    <section class={`panel ${props.class ?? ""}`} aria-labelledby={id}>
      <header class="panel-head">
        <h2 id={id}>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}

export function when(iso: string | undefined | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function short(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}
