import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start real servers and child processes; two cores are shared between them.
    maxWorkers: 2,
    // The project's graphs are imported by Node itself, through our loader hooks, as in production.
    server: { deps: { external: [/\/src\/graphs\/native-import\.mjs$/] } },
  },
});
