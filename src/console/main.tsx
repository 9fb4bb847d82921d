/**
 * The console's entry: checks whether the API lets this browser in (with the remembered
 * credentials, or none), shows the sign-in form when it answers 401/403, else the console itself.
 */
import type { Client } from "@langchain/langgraph-sdk/client";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { describeError, loadCredentials, makeClient, saveCredentials, type Credentials } from "./api";
import { ClientContext, href, useRoute } from "./hooks";
import { SignIn } from "./sign-in";
import { AssistantView, AssistantsView } from "./views/assistants";
import { CronsView } from "./views/crons";
import { StoreView } from "./views/store";
import { ThreadView } from "./views/thread";
import { ThreadsView } from "./views/threads";

type Session = { state: "checking" } | { state: "signed-out"; message: string } | { state: "in"; client: Client; credentials: Credentials | null };

function App() {
  const [session, setSession] = useState<Session>({ state: "checking" });

  // One cheap authenticated call tells whether these credentials (or none) are accepted.
  const check = async (credentials: Credentials | null): Promise<string | undefined> => {
    const client = makeClient(credentials);
    try {
      await client.assistants.search({ limit: 1 });
      saveCredentials(credentials);
      setSession({ state: "in", client, credentials });
      return undefined;
    } catch (err) {
      const { status, message } = describeError(err);
      if (status === 401 || status === 403) {
        setSession({ state: "signed-out", message });
        return message;
      }
      setSession({ state: "signed-out", message: `The server could not be reached: ${message}` });
      return message;
    }
  };
  useEffect(() => {
    void check(loadCredentials());
  }, []);

  if (session.state === "checking") return <p class="loading">Connecting…</p>;
  if (session.state === "signed-out") return <SignIn message={session.message} onSubmit={check} />;
  const signOut = () => {
    saveCredentials(null);
    setSession({ state: "signed-out", message: "Signed out." });
  };
  return (
    <ClientContext.Provider value={session.client}>
      <Shell credentials={session.credentials} onSignOut={signOut} />
    </ClientContext.Provider>
  );
}

const SECTIONS: Array<[path: string, label: string]> = [
  ["assistants", "Assistants"],
  ["threads", "Threads"],
  ["store", "Store"],
  ["crons", "Crons"],
];

function Shell({ credentials, onSignOut }: { credentials: Credentials | null; onSignOut: () => void }) {
  const [section = "threads", id] = useRoute();
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">agent-server console</span>
        <nav aria-label="Sections">
          {SECTIONS.map(([path, label]) => (
            <a key={path} href={href(path)} aria-current={section === path ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {credentials ? "Signed in" : "No sign-in needed"}
          {credentials && (
            <button type="button" class="link" onClick={onSignOut}>
              Sign out
            </button>
          )}
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {section === "assistants" && !id && <AssistantsView />}
        {section === "assistants" && id && <AssistantView key={id} assistantId={id} />}
        {section === "threads" && !id && <ThreadsView />}
        {section === "threads" && id && <ThreadView key={id} threadId={id} />}
        {section === "store" && <StoreView />}
        {section === "crons" && <CronsView />}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
