/**
 * The custom-auth tutorial, part 1: only known users get in. A real deployment would check a
 * token with its identity provider; this demo keeps two users in a table.
 */
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";

const VALID_TOKENS: Record<string, { id: string; name: string }> = {
  "user1-token": { id: "user1", name: "Alice" },
  "user2-token": { id: "user2", name: "Bob" },
};

export const auth = new Auth().authenticate(async (request: Request) => {
  const authorization = request.headers.get("authorization");
  const [scheme, token] = authorization?.split(" ") ?? [];
  if (scheme?.toLowerCase() !== "bearer" || !token) {
    throw new HTTPException(401, { message: "Missing or malformed Authorization header" });
  }
  const user = VALID_TOKENS[token];
  if (!user) throw new HTTPException(401, { message: "Invalid token" });
  return { identity: user.id, display_name: user.name, permissions: [] };
});
