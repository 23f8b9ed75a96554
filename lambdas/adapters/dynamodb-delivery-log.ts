/**
 * @module The delivery log in DynamoDB: how a stored delivery reads back, field by field, and
 * the log's reads (an endpoint's deliveries newest first, and one delivery with every attempt).
 * The delivery store (./dynamodb-delivery-store.ts) writes these items and reads them back
 * through the same mapping. Reading needs no retention setting: only a write sets the TTL.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  type Delivery,
  type DeliveryAttempt,
  DELIVERY_STATUSES,
  type DeliverySummaryView,
  SUMMARY_FIELDS,
} from "../core/delivery/model";
import type { DeliveryLog, DeliveryLogPage, DeliveryLogQuery, DeliveryStore } from "../core/delivery/ports";
import { firstUlidAt } from "../core/ulid";
import { ATTEMPT_ERRORS } from "../core/webhook-sender";
import {
  optionalChoice,
  optionalNumber,
  optionalText,
  requiredChoice,
  requiredMaps,
  requiredNumber,
  requiredText,
  type StoredItem,
} from "./dynamodb-items";
import { keys } from "./table-keys";

/** A page of an endpoint's deliveries reads at most this many; a cursor goes on past them. */
export const MAX_EXAMINED_PER_PAGE = 1000;
const FILTERED_QUERY_LIMIT = 250;
const DELIVERY_SK_PREFIX = keys.delivery("", "").sk;
/** A log page reads the summary fields only, never the attempts. */
const SUMMARY_PROJECTION = SUMMARY_FIELDS.map((f) => `#${f}`).join(", ");
const SUMMARY_NAMES = Object.fromEntries(SUMMARY_FIELDS.map((f) => [`#${f}`, f]));

/** The delivery a query's key (a LastEvaluatedKey) stands at. */
export const deliveryIdAt = (key: Record<string, unknown>): string =>
  String(key.sk).slice(DELIVERY_SK_PREFIX.length);

/** A delivery's summary fields, as a log page projects them. */
export function storedSummary(item: StoredItem): DeliverySummaryView {
  const id = requiredText(item, "id", "delivery");
  const what = `delivery ${id}`;
  return {
    id,
    webhook_id: requiredText(item, "webhook_id", what),
    event_id: requiredText(item, "event_id", what),
    event_type: requiredText(item, "event_type", what),
    status: requiredChoice(item, "status", DELIVERY_STATUSES, what),
    attempt_count: requiredNumber(item, "attempt_count", what),
    next_attempt_at: optionalText(item, "next_attempt_at", what),
    created_at: requiredText(item, "created_at", what),
    updated_at: requiredText(item, "updated_at", what),
  };
}

/** A whole delivery, with every attempt; the store's own attributes (lease, TTL) are left out. */
export function storedDelivery(item: StoredItem): Delivery {
  const summary = storedSummary(item);
  const what = `delivery ${summary.id}`;
  return {
    ...summary,
    tenant_id: requiredText(item, "tenant_id", what),
    first_attempt_at: optionalText(item, "first_attempt_at", what),
    attempts: requiredMaps(item, "attempts", what).map((a, i) =>
      storedAttempt(a, `${what} (attempts[${i}])`),
    ),
  };
}

function storedAttempt(item: StoredItem, what: string): DeliveryAttempt {
  return {
    number: requiredNumber(item, "number", what),
    attempted_at: requiredText(item, "attempted_at", what),
    status_code: optionalNumber(item, "status_code", what),
    error: optionalChoice(item, "error", ATTEMPT_ERRORS, what),
    duration_ms: requiredNumber(item, "duration_ms", what),
    response_body: requiredText(item, "response_body", what),
  };
}

/** One delivery, read consistently: a claim or an operator acts on what it answers. */
export async function readDelivery(
  client: DynamoDBDocumentClient,
  tableName: string,
  webhookId: string,
  deliveryId: string,
): Promise<Delivery | undefined> {
  const { Item } = await client.send(
    new GetCommand({ TableName: tableName, Key: keys.delivery(webhookId, deliveryId), ConsistentRead: true }),
  );
  return Item ? storedDelivery(Item) : undefined;
}

/** The log as the API reads it (docs/api.md): a page of an endpoint's deliveries, and one delivery. */
export class DynamoDbDeliveryLog implements DeliveryLog, Pick<DeliveryStore, "getDelivery"> {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getDelivery(webhookId: string, deliveryId: string): Promise<Delivery | undefined> {
    return readDelivery(this.client, this.tableName, webhookId, deliveryId);
  }

  async listDeliveries(webhookId: string, query: DeliveryLogQuery): Promise<DeliveryLogPage> {
    const since = query.since ? firstUlidAt(query.since.getTime()) : "";
    const statuses = query.statuses ?? [];
    const filtered = statuses.length > 0;
    // The same query for every page; only where it starts and how much it reads change.
    const input = {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :oldest AND :newest",
      ...(filtered
        ? { FilterExpression: `#status IN (${statuses.map((_, i) => `:s${i}`).join(", ")})` }
        : {}),
      ProjectionExpression: SUMMARY_PROJECTION,
      ExpressionAttributeNames: SUMMARY_NAMES,
      ExpressionAttributeValues: {
        ":pk": keys.delivery(webhookId, "").pk,
        ":oldest": keys.delivery(webhookId, `msg_${since}`).sk,
        ":newest": keys.delivery(webhookId, "msg_~").sk,
        ...Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status])),
      },
      ScanIndexForward: false,
    };
    const items: DeliverySummaryView[] = [];
    // Newest first from just past the cursor's delivery (an exclusive start), down to `since`.
    let startKey: Record<string, unknown> | undefined = query.before
      ? { ...keys.delivery(webhookId, query.before) }
      : undefined;
    for (let examined = 0; examined < MAX_EXAMINED_PER_PAGE;) {
      const page = await this.client.send(
        new QueryCommand({
          ...input,
          // Unfiltered, one more than the page says whether another page follows.
          Limit: filtered ? FILTERED_QUERY_LIMIT : query.limit - items.length + 1,
          ExclusiveStartKey: startKey,
        }),
      );
      examined += page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) {
        if (items.length === query.limit) return { items, continueAfter: items.at(-1)?.id };
        items.push(storedSummary(item));
      }
      startKey = page.LastEvaluatedKey;
      if (!startKey) return { items };
    }
    // The work bound, with more log left: the next page goes on from the last delivery looked at.
    return { items, continueAfter: startKey ? deliveryIdAt(startKey) : undefined };
  }
}
