import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The API tests share one local platform (started once in global setup). Two files at a time:
    // vitest's default is one fewer than the cores (one file at a time here), and most of a test's
    // time is spent waiting on the local servers, receivers and compressed retry schedules.
    pool: "forks",
    maxWorkers: 2,
  },
});
