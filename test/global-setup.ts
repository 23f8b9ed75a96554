import type { TestProject } from "vitest/node";
import { type LocalOutputs, startLocalPlatform } from "../local/platform";

/** One local platform per test run (starting DynamoDB Local takes seconds); retries compressed to seconds. */
export const TEST_RETRY_SCHEDULE = "0s,1s,2s,3s,4s,5s,6s";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const platform = await startLocalPlatform({
    port: 0,
    retrySchedule: TEST_RETRY_SCHEDULE,
    logLevel: "ERROR",
    // A revoked key keeps working until the authorizer's cached answer expires (60 s by default,
    // as on the stack); one second lets the tests watch revocation take effect.
    authorizerCacheTtlMs: 1_000,
  });
  project.provide("platform", platform.outputs);
  return () => platform.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    platform: LocalOutputs;
  }
}
