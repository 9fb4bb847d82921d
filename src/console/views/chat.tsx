/** A thread's conversation as chat bubbles, with messages still streaming appended live. */
import { Json } from "../components";
import type { ChatMessage } from "../run-stream";

const ROLES: Record<string, string> = {
  human: "user",
  user: "user",
  HumanMessageChunk: "user",
  ai: "assistant",
  assistant: "assistant",
  AIMessageChunk: "assistant",
  tool: "tool",
  ToolMessageChunk: "tool",
  system: "system",
  SystemMessageChunk: "system",
};

/** Messages in state may be plain dicts or LangChain's serialized form (`{lc, kwargs}`). */
function normalize(raw: unknown): ChatMessage | null {
  if (!raw || typeof raw !== "object") return null;
  const m = raw as Record<string, unknown>;
  if (m.lc === 1 && m.kwargs && typeof m.kwargs === "object") {
    const kind = Array.isArray(m.id) ? String(m.id.at(-1)) : "";
    const type = kind.replace(/Message(Chunk)?$/, "").toLowerCase();
    return { ...(m.kwargs as ChatMessage), type };
  }
  return { ...(m as unknown as ChatMessage), type: String(m.type ?? m.role ?? "") };
}

function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part === "string" ? part : (part as { text?: string })?.text ?? "")).join("");
  }
  return JSON.stringify(content);
}

/** True when state values hold a conversation (a `messages` list). */
export function hasMessages(values: unknown): values is { messages: unknown[] } {
  return !!values && typeof values === "object" && Array.isArray((values as { messages?: unknown }).messages);
}

export function Chat({ messages, streaming }: { messages: unknown[]; streaming: ChatMessage[] }) {
  const shown = messages.map(normalize).filter((m): m is ChatMessage => m !== null);
  const ids = new Set(shown.map((m) => m.id).filter(Boolean));
  for (const m of streaming) if (!m.id || !ids.has(m.id)) shown.push(normalize(m)!);
  return (
    <ol class="chat" aria-label="Conversation" aria-live="polite">
      {shown.map((m, i) => {
        const role = ROLES[m.type] ?? "other";
        return (
          <li key={m.id ?? i} class={`bubble ${role}`}>
            <span class="role">{m.name ?? role}</span>
            <div class="content">{text(m.content)}</div>
            {Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && <Json value={m.tool_calls} label="Tool calls" />}
          </li>
        );
      })}
      {shown.length === 0 && <li class="empty">No messages yet.</li>}
    </ol>
  );
}
