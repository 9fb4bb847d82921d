// The token-streaming bench graph: one node calls a fake chat model that streams a 2,000-character
// answer one character per chunk (LangChain's FakeListChatModel), as a chat UI sees an LLM answer.
// `graph` streams as fast as it can; `slowGraph` sleeps 1 ms per chunk, to check that chunks reach
// the client as they are produced.
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ANSWER } from "./tokens-answer.mjs";

function chatGraph(sleep?: number) {
  const model = new FakeListChatModel({ responses: [ANSWER], ...(sleep ? { sleep } : {}) });
  return new StateGraph(MessagesAnnotation)
    .addNode("model", async (state: typeof MessagesAnnotation.State) => ({ messages: [await model.invoke(state.messages)] }))
    .addEdge(START, "model")
    .addEdge("model", END)
    .compile();
}

export const graph = chatGraph();
export const slowGraph = chatGraph(1);
