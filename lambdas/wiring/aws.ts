import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbApiKeyStore } from "../adapters/dynamodb-api-key-store";
import { DynamoDbWebhookStore } from "../adapters/dynamodb-webhook-store";
import { SqsEventPublisher } from "../adapters/sqs-event-publisher";
import { loadConfig } from "../config";
import { webhookQueries as createWebhookQueries } from "../core/webhook-queries";

/**
 * The composition root, part one: AWS clients and the adapters over them, each
 * built on first use and kept for the life of the execution environment. The
 * factories are marked pure so esbuild drops from a bundle what its handler
 * never calls. (The AWS SDK is tree-shakable; undici is not, which is why the
 * use cases that send HTTP are wired in ./http-senders.ts.)
 */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

export const logger = /* @__PURE__ */ once(() => new Logger());

const documentClient = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
);

const tableName = /* @__PURE__ */ once(() => loadConfig("table").TABLE_NAME);

export const apiKeyStore = /* @__PURE__ */ once(() => new DynamoDbApiKeyStore(documentClient(), tableName()));

export const webhookStore = /* @__PURE__ */ once(
  () => new DynamoDbWebhookStore(documentClient(), tableName()),
);

export const webhookQueries = /* @__PURE__ */ once(() => createWebhookQueries(webhookStore()));

export const eventPublisher = /* @__PURE__ */ once(
  () => new SqsEventPublisher(new SQSClient({}), loadConfig("eventsQueue").EVENTS_QUEUE_URL),
);
