import type { App, AppDeps } from "../app.js";
import { Truncate } from "../schemas/threads.js";

/** Reset for users' integration suites; registered only in dev mode, authenticated like any route. */
export function internalRoutes(app: App, deps: AppDeps): void {
  const truncate = deps.truncate;
  if (!truncate) return;
  app.post(
    "/internal/truncate",
    { schema: { tags: ["internal"], summary: "Delete stored data (dev mode only; system assistants are kept)", body: Truncate } },
    async (request) => {
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
