import { describe, expect, it } from "vitest";
import { lintMessages } from "../support/lint";

/**
 * The lint rules that keep the layers apart (eslint.config.js), run on code that breaks them:
 * without them, nothing but review would stop the domain from growing AWS into it.
 */
const restrictions = (file: string, code: string) =>
  lintMessages(file, code, ["no-restricted-imports", "no-restricted-properties"]);

describe("the layers' lint rules", () => {
  it.each([
    [
      "the AWS SDK",
      'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\nexport const c = DynamoDBClient;',
    ],
    ["aws-lambda's types", 'import type { Handler } from "aws-lambda";\nexport type H = Handler;'],
    ["Powertools", 'import { Logger } from "@aws-lambda-powertools/logger";\nexport const l = Logger;'],
    ["an adapter", 'import { resolveHost } from "../adapters/dns-resolver";\nexport const r = resolveHost;'],
    ["the wiring", 'import { once } from "../wiring/clients";\nexport const o = once;'],
  ])("refuse %s in lambdas/core", async (_, code) => {
    expect(await restrictions("lambdas/core/probe.ts", code)).toHaveLength(1);
  });

  it("refuse reading process.env in lambdas/core", async () => {
    const messages = await restrictions(
      "lambdas/core/probe.ts",
      "export const name = process.env.TABLE_NAME;",
    );

    expect(messages).toEqual([expect.stringContaining("lambdas/core reads no environment")]);
  });

  it.each(["lambdas/adapters/probe.ts", "lambdas/core/probe.ts", "lib/probe.ts", "bin/probe.ts"])(
    "refuse the local run and the tests in deployed code (%s)",
    async (file) => {
      const depth = file.split("/").length - 1;
      const up = "../".repeat(depth);
      const code = `import { waitFor } from "${up}local/wait-for";\nimport { platform } from "${up}test/support/platform";\nexport const x = [waitFor, platform];`;

      expect(await restrictions(file, code)).toHaveLength(2);
    },
  );

  it("allow the domain's own imports and an adapter's AWS imports", async () => {
    expect(
      await restrictions("lambdas/core/probe.ts", 'import { ulid } from "./ulid";\nexport const u = ulid;'),
    ).toEqual([]);
    expect(
      await restrictions(
        "lambdas/adapters/probe.ts",
        'import { SQSClient } from "@aws-sdk/client-sqs";\nexport const s = SQSClient;',
      ),
    ).toEqual([]);
  });
});
