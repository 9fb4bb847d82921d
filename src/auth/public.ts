/**
 * `agent-server/auth`: the same `Auth` and `HTTPException` as `@langchain/langgraph-sdk/auth`,
 * so an auth module may import from either.
 */
export { Auth, HTTPException, isStudioUser } from "@langchain/langgraph-sdk/auth";
