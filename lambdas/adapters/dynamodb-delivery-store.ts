import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Delivery, DeliveryAttempt, StoredEvent } from "../core/delivery";
import type { DeliveryStore, DeliveryUpdate } from "../core/delivery-ports";
import { keys, withoutKeys } from "./table-keys";

/** DynamoDB allows 100 items per transaction: the event and up to 99 deliveries. */
export const MAX_FAN_OUT = 99;

const OPEN = { ":pending": "pending", ":retrying": "retrying" } as const;
const IS_OPEN = "#status IN (:pending, :retrying)";

/**
 * Events and deliveries in DynamoDB. An event is written together with its
 * deliveries in one transaction, conditional on the (tenant, event id) not
 * having been seen within the idempotency window: a duplicate writes nothing,
 * and a crash leaves either all of it or none. Both expire by TTL.
 */
export class DynamoDbDeliveryStore implements DeliveryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionMs: number,
  ) {}

  async recordFanOut(
    event: StoredEvent,
    deliveries: readonly Delivery[],
    idempotentUntil: Date,
  ): Promise<{ recorded: true } | { recorded: false; existing: StoredEvent }> {
    if (deliveries.length > MAX_FAN_OUT) {
      throw new Error(`an event can fan out to at most ${MAX_FAN_OUT} endpoints, not ${deliveries.length}`);
    }
    const now = Date.now();
    const expiresAt = Math.ceil((now + this.retentionMs) / 1000);
    const eventPut = {
      TableName: this.tableName,
      Item: {
        ...keys.event(event.tenant_id, event.id),
        ...event,
        idempotent_until: idempotentUntil.getTime(),
        expires_at: expiresAt,
      },
      ConditionExpression: "attribute_not_exists(pk) OR idempotent_until < :now",
      ExpressionAttributeValues: { ":now": now },
    };
    try {
      if (deliveries.length === 0) {
        await this.client.send(new PutCommand(eventPut));
      } else {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: eventPut },
              ...deliveries.map((d) => ({
                Put: {
                  TableName: this.tableName,
                  Item: { ...keys.delivery(d.webhook_id, d.id), ...d, expires_at: expiresAt },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              })),
            ],
          }),
        );
      }
      return { recorded: true };
    } catch (error) {
      const duplicate =
        error instanceof ConditionalCheckFailedException ||
        (error instanceof TransactionCanceledException &&
          error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed");
      if (!duplicate) throw error;
      const existing = await this.getEvent(event.tenant_id, event.id);
      if (!existing) throw new Error(`event ${event.id} was a duplicate but is not stored`, { cause: error });
      return { recorded: false, existing };
    }
  }

  async getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.event(tenantId, eventId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { tenant_id, id, type, created_at, data, deliveries } = Item;
    return { tenant_id, id, type, created_at, data, deliveries: deliveries ?? [] };
  }

  async getDelivery(webhookId: string, deliveryId: string): Promise<Delivery | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.delivery(webhookId, deliveryId),
        ConsistentRead: true,
      }),
    );
    return Item ? toDelivery(Item) : undefined;
  }

  async claimAttempt(
    delivery: Delivery,
    attempt: number,
    leaseUntil: Date,
    now: Date,
  ): Promise<{ claimed: true; lease: string } | { claimed: false; reason: "leased" | "moved_on" }> {
    const lease = randomUUID();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(delivery.webhook_id, delivery.id),
          UpdateExpression: "SET lease = :lease, lease_until = :until",
          ConditionExpression: `attempt_count = :previous AND ${IS_OPEN} AND (attribute_not_exists(lease_until) OR lease_until < :now)`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":lease": lease,
            ":until": leaseUntil.getTime(),
            ":previous": attempt - 1,
            ":now": now.getTime(),
            ...OPEN,
          },
        }),
      );
      return { claimed: true, lease };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Read back rather than use error.Item: the document client leaves that item in raw
      // attribute-value form, which once made every live lease look "moved on" and lost deliveries.
      const current = await this.getDelivery(delivery.webhook_id, delivery.id);
      const stillDue =
        current?.attempt_count === attempt - 1 && ["pending", "retrying"].includes(current.status);
      return { claimed: false, reason: stillDue ? "leased" : "moved_on" };
    }
  }

  async recordAttempt(
    delivery: Delivery,
    lease: string,
    attempt: DeliveryAttempt,
    update: DeliveryUpdate,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(delivery.webhook_id, delivery.id),
          UpdateExpression:
            "SET #status = :status, attempt_count = :number, next_attempt_at = :next, updated_at = :updated, " +
            "first_attempt_at = :first, attempts = list_append(attempts, :attempt) " +
            "REMOVE lease, lease_until",
          ConditionExpression: "lease = :lease",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":status": update.status,
            ":number": attempt.number,
            ":next": update.next_attempt_at,
            ":updated": update.updated_at,
            ":first": update.first_attempt_at,
            ":attempt": [attempt],
            ":lease": lease,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async close(delivery: Delivery, status: "skipped" | "cancelled", updatedAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(delivery.webhook_id, delivery.id),
          UpdateExpression: "SET #status = :status, next_attempt_at = :null, updated_at = :updated",
          ConditionExpression: `attempt_count = :count AND ${IS_OPEN}`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":status": status,
            ":null": null,
            ":updated": updatedAt,
            ":count": delivery.attempt_count,
            ...OPEN,
          },
        }),
      );
    } catch (error) {
      // Another run moved it on first; its state stands.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function toDelivery(item: Record<string, unknown>): Delivery {
  const { lease: _lease, lease_until: _until, expires_at: _expires, ...delivery } = withoutKeys(item);
  return delivery as unknown as Delivery;
}
