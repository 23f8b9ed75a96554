import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbApiKeyStore } from "../lambdas/adapters/dynamodb-api-key-store";
import { issueApiKey } from "../lambdas/core/api-keys";
import { ValidationError } from "../lambdas/core/errors";
import { LOCAL_CREDENTIALS, type LocalOutputs } from "./platform";

/**
 * `npm run api-key -- --tenant <id>` issues an API key for a tenant and prints
 * it once; only its hash is stored. Against the local run by default (it reads
 * .local/outputs.json), or a deployed stack's table with `--table <TableName>`
 * (the AWS credentials and region of your environment).
 */
const usage = "usage: npm run api-key -- --tenant <id> [--table <TableName> [--region <region>]]";
const { values } = parseArgs({
  options: {
    tenant: { type: "string" },
    table: { type: "string" },
    region: { type: "string" },
    help: { type: "boolean" },
  },
});
if (values.help || !values.tenant) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}

function localTarget(): { client: DynamoDBClient; table: string } {
  let outputs: LocalOutputs;
  try {
    outputs = JSON.parse(readFileSync(".local/outputs.json", "utf8"));
  } catch {
    console.error("no .local/outputs.json: start the local run with `npm start` first, or pass --table");
    process.exit(2);
  }
  const client = new DynamoDBClient({
    endpoint: outputs.DynamoDbEndpoint,
    region: outputs.Region,
    credentials: LOCAL_CREDENTIALS,
  });
  return { client, table: outputs.TableName };
}

const target = values.table
  ? { client: new DynamoDBClient(values.region ? { region: values.region } : {}), table: values.table }
  : localTarget();

try {
  const { key, record } = issueApiKey(values.tenant);
  await new DynamoDbApiKeyStore(DynamoDBDocumentClient.from(target.client), target.table).save(record);
  console.log(
    `API key for tenant "${record.tenant_id}" (key id ${record.key_id}); shown once, store it now:\n${key}`,
  );
} catch (error) {
  const hint = values.table || error instanceof ValidationError ? "" : " (is `npm start` running?)";
  console.error(`could not issue a key: ${(error as Error).message}${hint}`);
  process.exit(1);
} finally {
  target.client.destroy();
}
