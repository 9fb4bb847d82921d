/**
 * The custom-auth tutorial, part 3: real user accounts. Users sign in with an OAuth2/OIDC
 * provider (Supabase, Auth0, Clerk, ...) and send its access token as `Authorization: Bearer`.
 * This module verifies the token's signature, expiry, issuer and audience with `jose`, then hands
 * the user on. Configure it with environment variables:
 *
 *   AUTH_JWKS_URL   the provider's JSON Web Key Set (asymmetric keys: RS256, ES256, ...), or
 *   AUTH_JWT_SECRET a shared HS256 secret (e.g. Supabase's JWT secret)
 *   AUTH_ISSUER     expected `iss` (optional)      AUTH_AUDIENCE expected `aud` (optional)
 *
 * Threads are private to their owner, as in part 2.
 */
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";

let jwks: JWTVerifyGetKey | undefined;

function verificationKey(): JWTVerifyGetKey | Uint8Array {
  if (process.env.AUTH_JWKS_URL) return (jwks ??= createRemoteJWKSet(new URL(process.env.AUTH_JWKS_URL)));
  if (process.env.AUTH_JWT_SECRET) return new TextEncoder().encode(process.env.AUTH_JWT_SECRET);
  throw new HTTPException(500, { message: "Auth is not configured: set AUTH_JWKS_URL or AUTH_JWT_SECRET" });
}

export const auth = new Auth()
  .authenticate(async (request: Request) => {
    const [scheme, token] = request.headers.get("authorization")?.split(" ") ?? [];
    if (scheme?.toLowerCase() !== "bearer" || !token) {
      throw new HTTPException(401, { message: "Missing bearer token", headers: { "WWW-Authenticate": "Bearer" } });
    }
    let payload: JWTPayload;
    try {
      const key = verificationKey();
      const options = { issuer: process.env.AUTH_ISSUER || undefined, audience: process.env.AUTH_AUDIENCE || undefined };
      ({ payload } = key instanceof Uint8Array ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
    } catch (err) {
      if (err instanceof HTTPException) throw err;
      throw new HTTPException(401, { message: "Invalid token", headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } });
    }
    if (!payload.sub) throw new HTTPException(401, { message: "Token has no subject" });
    return {
      identity: payload.sub,
      display_name: typeof payload.name === "string" ? payload.name : payload.sub,
      email: payload.email,
      permissions: typeof payload.scope === "string" ? payload.scope.split(" ") : [],
    };
  })
  .on("threads", ({ value, user }) => {
    if ("metadata" in value) {
      const metadata = (value.metadata ??= {}) as Record<string, unknown>;
      metadata.owner = user.identity;
    }
    return { owner: user.identity };
  });
