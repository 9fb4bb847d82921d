/** The sign-in form: whatever the project's `authenticate` expects, as a token or a raw header. */
import { useState } from "preact/hooks";
import type { Credentials } from "./api";
import { SelectField, TextField } from "./components";

export function SignIn({ message, onSubmit }: { message: string; onSubmit: (credentials: Credentials | null) => Promise<string | undefined> }) {
  const [token, setToken] = useState("");
  const [mode, setMode] = useState<"bearer" | "raw">("bearer");
  const [header, setHeader] = useState("Authorization");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const value = mode === "bearer" ? `Bearer ${token.trim()}` : token;
    await onSubmit(token ? { header: header.trim() || "Authorization", value } : null);
    setBusy(false);
  };
  return (
    <main class="sign-in" id="main">
      <h1>agent-server console</h1>
      <p class="error" role="alert">
        {message}
      </p>
      <p>This server asks for credentials. They are sent with every API call and remembered in this browser.</p>
      <form onSubmit={submit} aria-label="Sign in">
        <TextField label="Token" type="password" value={token} onInput={setToken} autoComplete="current-password" required />
        <SelectField
          label="Send as"
          value={mode}
          onChange={(v) => setMode(v as "bearer" | "raw")}
          options={[
            ["bearer", "Bearer token (Authorization: Bearer …)"],
            ["raw", "Raw header value"],
          ]}
        />
        {mode === "raw" && <TextField label="Header" value={header} onInput={setHeader} />}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
