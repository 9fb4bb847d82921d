import { isStudioUser } from "../../auth/studio.js";
import { Forbidden } from "../../errors.js";
import type { App, AppDeps } from "../app.js";
import { Truncate } from "../schemas/threads.js";

/**
 * `POST /internal/truncate`: a reset for users' integration suites. Registered only when asked
 * for (`dev --allow-truncate`, or `allowTruncate`), authenticated like any route, and refused to
 * the Studio identity and to cross-origin requests: neither a web page nor a token-less local
 * client may wipe the data.
 */
export function internalRoutes(app: App, deps: AppDeps): void {
  const truncate = deps.truncate;
  if (!truncate) return;
  app.post(
    "/internal/truncate",
    { schema: { tags: ["internal"], summary: "Delete stored data (dev --allow-truncate only; system assistants are kept)", body: Truncate } },
    async (request) => {
      if (isStudioUser(request.auth?.user)) throw new Forbidden("The Studio identity may not truncate", "truncate_refused");
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== `${request.protocol}://${request.headers.host}`) {
        throw new Forbidden("Cross-origin requests may not truncate", "truncate_refused");
      }
      await truncate({
        runs: request.body.runs ?? false,
        threads: request.body.threads ?? false,
        assistants: request.body.assistants ?? false,
        checkpointer: request.body.checkpointer ?? false,
        store: request.body.store ?? false,
      });
      return { ok: true };
    },
  );
}
