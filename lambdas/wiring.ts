import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { resolveHost } from "./adapters/dns-resolver";
import { DynamoDbApiKeyStore } from "./adapters/dynamodb-api-key-store";
import { DynamoDbWebhookStore } from "./adapters/dynamodb-webhook-store";
import { SqsEventPublisher } from "./adapters/sqs-event-publisher";
import { UndiciWebhookSender } from "./adapters/undici-webhook-sender";
import { loadConfig } from "./config";
import { webhookManagement as createWebhookManagement } from "./core/webhook-management";

/**
 * The composition root: SDK clients and adapters, each built on first use and
 * kept for the life of the execution environment. The factories are marked
 * pure so that esbuild leaves out of a bundle whatever its handler never asks for.
 */
function once<T>(make: () => T): () => T {
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

export const webhookManagement = /* @__PURE__ */ once(() => {
  const policy = loadConfig("endpointPolicy");
  return createWebhookManagement({
    store: webhookStore(),
    sender: new UndiciWebhookSender({ allowPrivateAddresses: policy.ALLOW_PRIVATE_ADDRESSES }),
    resolveHost,
    policy: {
      maxEndpoints: policy.MAX_ENDPOINTS_PER_TENANT,
      allowedSchemes: policy.ALLOWED_URL_SCHEMES,
      allowPrivateAddresses: policy.ALLOW_PRIVATE_ADDRESSES,
    },
  });
});

export const eventPublisher = /* @__PURE__ */ once(
  () => new SqsEventPublisher(new SQSClient({}), loadConfig("eventsQueue").EVENTS_QUEUE_URL),
);
