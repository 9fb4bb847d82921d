/**
 * The demo agent: an offline echo chatbot. It answers each user message with "echo: <message>",
 * so the whole server can be tried and tested without an LLM or an API key.
 */
import { AIMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";

function lastText(messages: (typeof MessagesAnnotation.State)["messages"]): string {
  const last = messages.at(-1);
  if (!last) return "";
  return typeof last.content === "string" ? last.content : JSON.stringify(last.content);
}

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("chatbot", async (state) => ({
    messages: [new AIMessage(`echo: ${lastText(state.messages)}`)],
  }))
  .addEdge(START, "chatbot")
  .addEdge("chatbot", END)
  .compile();
