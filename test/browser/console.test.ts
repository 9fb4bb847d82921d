/**
 * The built-in console in real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against real servers: the demo project (the tutorial's tokens), the part-2 project (private
 * threads) and a fixture without auth that has an interrupting graph. Elements are found by role
 * and label, as a person using a screen reader would; each main view is kept as a screenshot in
 * test/browser/artifacts/.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { fixture, REPO_ROOT, sdkClient, startTestServer, waitFor } from "../helpers/server.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = path.join(REPO_ROOT, "test/browser/artifacts");
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let browser: Browser;
let demo: RunningServer; // the repository's langgraph.json: echo agent, tutorial part 1 tokens
let privateProject: RunningServer; // tutorial part 2: each user sees only their own threads
let open: RunningServer; // no auth: interrupts, time travel, store, crons

beforeAll(async () => {
  // Fail loudly: a missing browser or an unbuilt console must not look like a pass.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); .ci/run does`);
  if (!existsSync(path.join(REPO_ROOT, "dist/console/console.js"))) throw new Error("dist/console is missing: run npm run build first");
  mkdirSync(ARTIFACTS, { recursive: true });
  [browser, demo, privateProject, open] = await Promise.all([
    chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    }),
    startTestServer(),
    startTestServer({ config: fixture("private") }),
    startTestServer({ config: fixture("console") }),
  ]);
});
// What a page did that it must not: fetch from another origin (the console works offline), throw.
const faults: string[] = [];
afterEach(() => {
  expect(faults.splice(0)).toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([demo?.close(), privateProject?.close(), open?.close()]);
});

/** A fresh browser profile (nothing remembered) on the console of `server`. */
async function openConsole(server: RunningServer, viewport = DESKTOP, hash = ""): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  // The console must work offline: a request to another origin is refused and fails the test.
  const origin = new URL(server.url).origin;
  await context.route(
    (url) => url.origin !== origin && url.protocol !== "data:",
    (route) => {
      faults.push(`requested ${route.request().url()}`);
      return route.abort();
    },
  );
  page.on("pageerror", (err) => faults.push(`page error: ${err.message}`));
  await page.goto(`${server.url}/console${hash ? `/${hash}` : ""}`);
  return page;
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel("Token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Sections" }).waitFor();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Creates a thread from the Threads page and sends one chat message with the chosen assistant. */
async function chat(page: Page, text: string, assistant = "agent"): Promise<string> {
  await nav(page, "Threads").click();
  await page.getByRole("button", { name: "New thread" }).click();
  await page.getByRole("heading", { name: /^Thread / }).waitFor();
  await page.getByLabel("Assistant", { exact: true }).selectOption({ label: assistant });
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  return decodeURIComponent(new URL(page.url()).hash.split("/").at(-1)!);
}

function nav(page: Page, section: string) {
  return page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: section });
}

function conversation(page: Page) {
  return page.getByRole("list", { name: "Conversation" });
}

describe("the tutorial in the browser (demo project)", () => {
  it("shows the 401 message without a token; as user1 sends Hello! to agent and sees echo: Hello! stream into the chat", async () => {
    const page = await openConsole(demo);
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("401: Missing or malformed Authorization header");
    await shot(page, "sign-in");

    await page.getByLabel("Token").fill("wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("401: Invalid token");

    await signIn(page, "user1-token");
    const threadId = await chat(page, "Hello!");
    await conversation(page).getByText("echo: Hello!").waitFor();
    await expect.poll(() => conversation(page).getByRole("listitem").allTextContents()).toEqual(["userHello!", "assistantecho: Hello!"]);
    // The answer arrived as a streamed message event, shown in the live event log.
    await page.getByRole("list", { name: "Event log" }).getByText("messages", { exact: true }).first().waitFor();
    await expect.poll(async () => (await page.getByRole("button", { name: "Run", exact: true }).isEnabled())).toBe(true);
    await shot(page, "thread");

    // What the console did is the user's, through the API: user1 sees the thread with the SDK.
    const state = await sdkClient(demo.url, "user1-token").threads.getState<{ messages: Array<{ content: string }> }>(threadId);
    expect(state.values.messages.map((m) => m.content)).toEqual(["Hello!", "echo: Hello!"]);

    // The token is remembered: a reload goes straight in.
    await page.reload();
    await conversation(page).getByText("echo: Hello!").waitFor();
    await nav(page, "Threads").click();
    const threads = page.getByRole("table", { name: "Threads" });
    await threads.getByRole("link").first().waitFor();
    await shot(page, "threads");
    // Search by status and by metadata.
    await page.getByLabel("Status").selectOption("busy");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("No threads.").waitFor();
    await page.getByLabel("Status").selectOption("idle");
    await page.getByLabel("Metadata filter (JSON)").fill(`{"graph_id": "agent"}`);
    await page.getByRole("button", { name: "Search" }).click();
    await threads.getByRole("link", { name: threadId.slice(0, 8) + "…" }).waitFor();
    await page.context().close();
  });

  it("as user2 does not see user1's thread (part-2 project)", async () => {
    const alice = await openConsole(privateProject);
    await signIn(alice, "user1-token");
    const threadId = await chat(alice, "Hello!");
    await conversation(alice).getByText("echo: Hello!").waitFor();
    await alice.context().close();

    // Bob signs in with a raw header value (what a project's own scheme may need).
    const bob = await openConsole(privateProject);
    await bob.getByLabel("Send as").selectOption({ label: "Raw header value" });
    await bob.getByLabel("Header").fill("Authorization");
    await signIn(bob, "Bearer user2-token");
    await nav(bob, "Threads").click();
    await expect.poll(() => bob.getByRole("table", { name: "Threads" }).textContent()).toContain("Thread");
    await bob.getByRole("button", { name: "Search" }).click();
    expect(await bob.getByRole("table", { name: "Threads" }).getByRole("link").count()).toBe(0);
    expect(await bob.getByText("No threads.").count()).toBe(1);
    // Opening it by its URL gets the API's 404, exactly as for a thread that does not exist.
    await bob.goto(`${privateProject.url}/console/#/threads/${threadId}`);
    await expect.poll(() => bob.getByRole("alert").first().textContent()).toMatch(/^404: /);
    expect(await conversation(bob).count()).toBe(0);
    await bob.context().close();
  });
});

describe("driving runs (project without auth)", () => {
  it("skips sign-in, and resumes an interrupt from the console", async () => {
    const page = await openConsole(open);
    await page.getByText("No sign-in needed").waitFor();
    await nav(page, "Threads").click();
    await page.getByRole("button", { name: "New thread" }).click();
    await page.getByLabel("Assistant", { exact: true }).selectOption({ label: "interrupting" });
    // The form is generated from the graph's input schema: its state has `question` and `answer`.
    await page.getByLabel("question", { exact: true }).fill("Proceed?");
    await page.getByRole("button", { name: "Run", exact: true }).click();

    const interrupted = page.getByRole("region", { name: "Interrupted" });
    await interrupted.getByText('"question": "Proceed?"').waitFor();
    await expect.poll(() => page.getByText("interrupted", { exact: true }).count()).toBeGreaterThan(0);
    await shot(page, "interrupt");
    await interrupted.getByLabel("Resume value").fill("yes");
    await interrupted.getByRole("button", { name: "Resume" }).click();
    await page.getByLabel("State values", { exact: true }).getByText('"answer": "final: yes"').waitFor();
    expect(await page.getByRole("region", { name: "Interrupted" }).count()).toBe(0);
    await page.context().close();
  });

  it("re-runs from a checkpoint and forks one with edited state (time travel)", async () => {
    const page = await openConsole(open);
    const threadId = await chat(page, "Hello!");
    await conversation(page).getByText("echo: Hello!").waitFor();
    const client = sdkClient(open.url);
    const before = (await client.threads.getHistory(threadId)).length;

    // Re-run from the checkpoint before the chatbot answered: it answers again on a new branch.
    const timeline = page.getByRole("list", { name: "Checkpoint history" });
    await timeline.getByRole("button", { name: "Re-run from step 0" }).first().click();
    await waitFor(async () => (await client.threads.getHistory(threadId)).length > before && (await client.threads.get(threadId)).status === "idle");
    await expect.poll(() => conversation(page).getByRole("listitem").allTextContents()).toEqual(["userHello!", "assistantecho: Hello!"]);
    await expect.poll(() => page.getByRole("button", { name: "Run", exact: true }).isEnabled()).toBe(true);

    // Fork the same checkpoint with the question edited, and run on from the fork.
    await timeline.getByRole("button", { name: "Fork from step 0" }).first().click();
    const editor = page.getByLabel("Forked values (JSON)");
    await editor.fill((await editor.inputValue()).replace('"Hello!"', '"Hola!"'));
    await page.getByRole("button", { name: "Fork and run" }).click();
    await conversation(page).getByText("echo: Hola!").waitFor();
    await expect.poll(() => conversation(page).getByRole("listitem").allTextContents()).toEqual(["userHola!", "assistantecho: Hola!"]);
    const state = await client.threads.getState<{ messages: Array<{ content: string }> }>(threadId);
    expect(state.values.messages.map((m) => m.content)).toEqual(["Hola!", "echo: Hola!"]);
    await shot(page, "time-travel");
    await page.context().close();
  });

  it("shows a model's tokens in the chat as they stream", async () => {
    const page = await openConsole(open);
    // Every text the answer bubble shows, as the page draws it.
    await page.evaluate(() => {
      const seen: string[] = ((window as unknown as { seen: string[] }).seen = []);
      new MutationObserver(() => {
        const text = document.querySelector(".bubble.assistant .content")?.textContent;
        if (text && seen.at(-1) !== text) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await chat(page, "Hello!", "streaming_chat");
    await conversation(page).getByText("Tokens arrive one by one").waitFor();
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    const partial = seen.filter((t) => t.length < "Tokens arrive one by one".length && "Tokens arrive one by one".startsWith(t));
    expect(partial.length, seen.join(" | ")).toBeGreaterThan(2);
    await page.context().close();
  });

  it("runs with input from the raw JSON editor, logs its events live, and cancels it", async () => {
    const page = await openConsole(open);
    await nav(page, "Threads").click();
    await page.getByRole("button", { name: "New thread" }).click();
    await page.getByLabel("Assistant", { exact: true }).selectOption({ label: "slow" });
    await page.getByLabel("delay_ms", { exact: true }).waitFor();
    await page.getByLabel("Edit input as raw JSON").check();
    await page.getByLabel("Input (JSON)").fill('{"delay_ms": 30000}');
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const log = page.getByRole("list", { name: "Event log" });
    await log.getByText("metadata", { exact: true }).waitFor();
    await log.getByText('{"delay_ms":30000}').waitFor();
    const cancel = page.getByRole("button", { name: "Cancel run" });
    await expect.poll(() => cancel.isEnabled()).toBe(true);
    await cancel.click();
    await expect.poll(() => page.getByRole("button", { name: "Run", exact: true }).isEnabled()).toBe(true);
    const threadId = decodeURIComponent(new URL(page.url()).hash.split("/").at(-1)!);
    const [run] = await sdkClient(open.url).runs.list(threadId);
    expect(run?.status).toBe("interrupted");
    await page.context().close();
  });

  it("edits a thread's state", async () => {
    const page = await openConsole(open);
    await chat(page, "Hi");
    await conversation(page).getByText("echo: Hi").waitFor();
    await page.getByRole("button", { name: "Edit state" }).click();
    const editor = page.getByLabel("State values (JSON)");
    const values = JSON.parse(await editor.inputValue()) as { messages: Array<{ content: string }> };
    values.messages[1]!.content = "edited answer";
    await editor.fill(JSON.stringify(values));
    await page.getByRole("button", { name: "Update state" }).click();
    await conversation(page).getByText("edited answer").waitFor();
    await page.context().close();
  });
});

describe("assistants, store and crons", () => {
  it("draws an assistant's graph, edits its config and creates an assistant from a graph", async () => {
    const page = await openConsole(open, DESKTOP, "#/assistants");
    await page.getByRole("link", { name: "agent", exact: true }).click();
    await expect.poll(() => page.getByRole("img", { name: /^Graph with nodes/ }).getAttribute("aria-label")).toBe("Graph with nodes start, chatbot, end");
    await page.getByLabel("Config (JSON)").fill('{"configurable": {"temperature": 0}}');
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").getByText("Saved").waitFor();
    await shot(page, "assistant");

    await page.getByRole("link", { name: "← Assistants" }).click();
    await page.getByLabel("Graph", { exact: true }).selectOption("nested");
    await page.getByLabel("Name", { exact: true }).fill("my nested");
    await page.getByRole("button", { name: "Create assistant" }).click();
    await page.getByRole("heading", { name: "my nested" }).waitFor();
    // xray asks the API for the graph with its subgraphs (how far LangGraph expands them is its own affair).
    const xray = page.waitForResponse((r) => r.url().includes("/graph?xray=true") && r.status() === 200);
    await page.getByLabel("Show subgraphs (xray)").check();
    await xray;
    await expect.poll(() => page.getByRole("img", { name: /^Graph with nodes/ }).getAttribute("aria-label")).toContain("child");
    await page.context().close();
  });

  it("creates a store item and deletes it", async () => {
    const page = await openConsole(open, DESKTOP, "#/store");
    const put = page.getByRole("form", { name: "Put an item" });
    await put.getByLabel("Namespace (labels separated by dots)").fill("notes.alice");
    await put.getByLabel("Key").fill("first");
    await put.getByLabel("Value (JSON object)").fill('{"text": "remember me"}');
    await put.getByRole("button", { name: "Put item" }).click();
    const namespaces = page.getByRole("navigation", { name: "Namespaces" });
    await namespaces.getByRole("button", { name: "alice" }).click();
    await page.getByRole("list", { name: "Items" }).getByText('"text": "remember me"').waitFor();
    expect((await sdkClient(open.url).store.getItem(["notes", "alice"], "first"))?.value).toEqual({ text: "remember me" });
    await shot(page, "store");

    await page.getByRole("button", { name: "Delete item first" }).click();
    await page.getByRole("list", { name: "Items" }).getByText("No items.").waitFor();
    expect(await sdkClient(open.url).store.getItem(["notes", "alice"], "first")).toBeNull();
    await page.context().close();
  });

  it("creates a cron and deletes it", async () => {
    const page = await openConsole(open, DESKTOP, "#/crons");
    const form = page.getByRole("form", { name: "New cron" });
    await form.getByLabel("Assistant").selectOption({ label: "agent" });
    await form.getByLabel("Schedule (cron)").fill("0 3 * * *");
    await form.getByRole("button", { name: "Create cron" }).click();
    await page.getByRole("table", { name: "Crons" }).getByText("0 3 * * *").waitFor();
    expect((await sdkClient(open.url).crons.search()).map((c) => c.schedule)).toContain("0 3 * * *");
    await shot(page, "crons");
    await page.getByRole("button", { name: "Delete cron 0 3 * * *" }).click();
    await page.getByText("No crons.").waitFor();
    expect(await sdkClient(open.url).crons.search()).toEqual([]);
    await page.context().close();
  });
});

describe("http.mount_prefix", () => {
  it("serves the console under the prefix and calls the API there", async () => {
    const mounted = await startTestServer({ config: path.join(fixture("ui"), "langgraph.mounted.json") });
    try {
      expect(mounted.consoleUrl).toBe(`${mounted.url}/console/`);
      const page = await openConsole(mounted);
      expect(new URL(page.url()).pathname).toBe("/api/v1/console/");
      await signIn(page, "user1-token");
      const threadId = await chat(page, "Hello!");
      await conversation(page).getByText("echo: Hello!").waitFor();
      expect((await sdkClient(mounted.url, "user1-token").threads.get(threadId)).thread_id).toBe(threadId);
      await page.context().close();
    } finally {
      await mounted.close();
    }
  });
});

describe("usability", () => {
  it("signs in and chats with the keyboard alone", async () => {
    const page = await openConsole(demo);
    await page.getByLabel("Token").waitFor();
    await page.keyboard.press("Tab"); // the first control is the token field
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await page.getByLabel("Token").getAttribute("id"));
    await page.keyboard.type("user1-token");
    await page.keyboard.press("Enter");
    await page.getByRole("navigation", { name: "Sections" }).waitFor();
    await nav(page, "Threads").focus();
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "New thread" }).focus();
    await page.keyboard.press("Enter");
    await page.getByLabel("Message", { exact: true }).focus();
    await page.keyboard.type("typed");
    await page.keyboard.press("Enter"); // Enter sends, as in a chat
    await conversation(page).getByText("echo: typed").waitFor();
    await page.context().close();
  });

  it.each([
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ])("lays out every view without horizontal scrolling at %s size", async (name, viewport) => {
    const page = await openConsole(open, viewport);
    const threadId = await chat(page, "Hello!");
    await conversation(page).getByText("echo: Hello!").waitFor();
    for (const hash of [`#/threads/${threadId}`, "#/threads", "#/assistants", "#/assistants/agent", "#/store", "#/crons"]) {
      await page.goto(`${open.url}/console/${hash}`);
      await page.getByRole("heading", { level: 1 }).waitFor();
      await page.getByText("Connecting…").waitFor({ state: "detached" });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} ${hash}`).toBeLessThanOrEqual(0);
      if (name === "phone") await shot(page, `phone-${hash.split("/")[1]}${hash.split("/").length > 2 ? "-one" : ""}`);
    }
    await page.context().close();
  });
});
