/**
 * @module The composition root, part one: AWS clients and the adapters over them, each
 * built on first use and kept for the life of the execution environment. The
 * factories are marked pure so esbuild drops from a bundle what its handler
 * never calls. (The AWS SDK is tree-shakable; ajv is not, which is why the use
 * cases that compile JSON Schemas are wired in ./event-check.ts and
 * ./operators.ts.) What a function needs only on a rare path is imported when
 * first used, so its module code does not run at cold start: the Scheduler
 * client here, ajv in core/catalog/data-schema.ts.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbApiKeyStore } from "../adapters/dynamodb-api-key-store";
import { DynamoDbDeliveryLog } from "../adapters/dynamodb-delivery-log";
import { DynamoDbDeliveryStore } from "../adapters/dynamodb-delivery-store";
import { DynamoDbEndpointHealthStore } from "../adapters/dynamodb-endpoint-health-store";
import { DynamoDbEventTypeStore } from "../adapters/dynamodb-event-type-store";
import { DynamoDbWebhookStore } from "../adapters/dynamodb-webhook-store";
import { SqsEventQueue } from "../adapters/sqs-event-queue";
import { loadConfig } from "../config";
import { cachedCatalog } from "../core/catalog/catalog";
import type { RetryScheduler } from "../core/delivery/ports";
import { deliveryLog as createDeliveryLog } from "../core/delivery/log";
import { webhookQueries as createWebhookQueries } from "../core/webhook-queries";

export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

export const logger = /* @__PURE__ */ once(() => new Logger());

export const documentClient = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
);

const tableName = /* @__PURE__ */ once(() => loadConfig("table").TABLE_NAME);

export const apiKeyStore = /* @__PURE__ */ once(() => new DynamoDbApiKeyStore(documentClient(), tableName()));

export const eventTypeStore = /* @__PURE__ */ once(
  () => new DynamoDbEventTypeStore(documentClient(), tableName()),
);

/** The catalog as ingest reads it: reused for CATALOG_CACHE_SECONDS, so a change applies within that. */
export const ingestCatalog = /* @__PURE__ */ once(() =>
  cachedCatalog(eventTypeStore(), loadConfig("catalog").CATALOG_CACHE_SECONDS * 1000),
);

/** The catalog read afresh on every call: endpoint create and update, and tests of an example. */
export const currentCatalog = /* @__PURE__ */ once(() => cachedCatalog(eventTypeStore(), 0));

export const webhookStore = /* @__PURE__ */ once(
  () => new DynamoDbWebhookStore(documentClient(), tableName()),
);

/** The endpoints as the fan-out lists them: eventually consistent, for half the read units. */
export const fanOutEndpoints = /* @__PURE__ */ once(
  () => new DynamoDbWebhookStore(documentClient(), tableName(), { listConsistency: "eventual" }),
);

export const endpointHealthStore = /* @__PURE__ */ once(
  () => new DynamoDbEndpointHealthStore(documentClient(), tableName()),
);

export const webhookQueries = /* @__PURE__ */ once(() => createWebhookQueries(webhookStore()));

export const sqsClient = /* @__PURE__ */ once(() => new SQSClient({}));

/** The events queue, as producers see it (no dead-letter access needed). */
export const eventPublisher = /* @__PURE__ */ once(
  () => new SqsEventQueue(sqsClient(), loadConfig("eventsQueue").EVENTS_QUEUE_URL),
);

/** The events queue as the delivery worker uses it: publishing platform events, dead-lettering bad messages. */
export const eventQueue = /* @__PURE__ */ once(
  () =>
    new SqsEventQueue(
      sqsClient(),
      loadConfig("eventsQueue").EVENTS_QUEUE_URL,
      loadConfig("deadLetters").EVENTS_DLQ_URL,
    ),
);

/** The slow lane's queue (docs/delivery.md): forwarded work, drains' next parts, and recover's resends. */
export const slowLane = /* @__PURE__ */ once(
  () => new SqsEventQueue(sqsClient(), loadConfig("slowLane").SLOW_LANE_QUEUE_URL),
);

/** The log's reads (a page, one delivery): they need no retention setting, which only writes do. */
export const deliveryLogStore = /* @__PURE__ */ once(
  () => new DynamoDbDeliveryLog(documentClient(), tableName()),
);

export const deliveryStore = /* @__PURE__ */ once(
  () =>
    new DynamoDbDeliveryStore(documentClient(), tableName(), {
      retentionMs: loadConfig("retention").DELIVERY_LOG_RETENTION_DAYS * 86_400_000,
      clock: () => new Date(),
    }),
);

export const deliveryLog = /* @__PURE__ */ once(() =>
  createDeliveryLog({ endpoints: webhookStore(), deliveries: deliveryLogStore() }),
);

/**
 * Only a failed attempt (a retry) or an opened breaker (a probe) schedules; a successful delivery
 * never does. So the Scheduler client is loaded and built on the first schedule, not at each cold
 * start (docs/performance.md, cold start). The settings are read now, so a function deployed
 * without them still fails on its first invocation.
 */
export const retryScheduler = /* @__PURE__ */ once((): RetryScheduler => {
  const config = loadConfig("scheduler");
  const scheduler = once(async () => {
    const [{ SchedulerClient }, { EventBridgeRetryScheduler }] = await Promise.all([
      import("@aws-sdk/client-scheduler"),
      import("../adapters/eventbridge-retry-scheduler"),
    ]);
    return new EventBridgeRetryScheduler(new SchedulerClient({}), {
      groupName: config.SCHEDULER_GROUP_NAME,
      roleArn: config.SCHEDULER_ROLE_ARN,
      targetArn: config.SCHEDULER_TARGET_ARN,
      deadLetterArn: config.SCHEDULER_DLQ_ARN,
      minLeadMs: config.SCHEDULER_MIN_LEAD_SECONDS * 1000,
    });
  });
  return {
    scheduleRetry: async (message, at) => (await scheduler()).scheduleRetry(message, at),
    scheduleProbe: async (message, at) => (await scheduler()).scheduleProbe(message, at),
  };
});

// Its own warnings (such as an invocation with nothing to count) go through the structured log.
export const metrics = /* @__PURE__ */ once(() => new Metrics({ logger: logger() }));
