import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The API tests share one local platform (started once in global setup); files run in parallel on 2 cores.
    pool: "forks",
  },
});
