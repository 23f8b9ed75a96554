import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  type Delivery,
  type DeliveryAttempt,
  MAX_FAN_OUT_WRITES,
  type StoredEvent,
} from "../core/delivery/model";
import type {
  ClaimFrom,
  DeliveryStore,
  DeliveryUpdate,
  FanOutRecord,
  FanOutWrite,
  ParkedPage,
  ParkWrite,
} from "../core/delivery/ports";
import { deliveryIdAt, MAX_EXAMINED_PER_PAGE, readDelivery, storedDelivery } from "./dynamodb-delivery-log";
import { dataAttribute, refsAttribute, storedData, storedRefs } from "./dynamodb-event-item";
import { requiredText, type StoredItem, writtenIf } from "./dynamodb-items";
import { keys } from "./table-keys";

const OPEN = { ":pending": "pending", ":retrying": "retrying" } as const;
const IS_OPEN = "#status IN (:pending, :retrying)";
/** What a claim requires of the delivery's status, by who claims it. */
const CLAIMABLE: Record<ClaimFrom, { condition: string; values: Record<string, string> }> = {
  open: { condition: `${IS_OPEN} AND `, values: OPEN },
  parked: { condition: "#status = :parked AND ", values: { ":parked": "parked" } },
  any: { condition: "", values: {} },
};
/** Still to be sent, or waiting for a breaker's probe. */
const UNFINISHED = { ...OPEN, ":parked": "parked" } as const;
const IS_UNFINISHED = "#status IN (:pending, :retrying, :parked)";
/** What may be parked: due (pending, retrying, or parked already), or being resent after it ended failed or skipped. */
const PARKABLE = { ...OPEN, ":parked": "parked", ":failed": "failed", ":skipped": "skipped" } as const;
const IS_PARKABLE = "#status IN (:pending, :retrying, :parked, :failed, :skipped)";
/** Parked deliveries a listParked query reads per page at most, filtered. */
const PARKED_QUERY_LIMIT = 200;

/**
 * Events and deliveries in DynamoDB, at one write unit per successful
 * delivery and one per event (for 1 KB of data, fan-out up to about 8). The
 * event is written first, on its own, conditional on the (tenant, event id)
 * not having been seen within the idempotency window: a duplicate writes
 * nothing. It names every delivery of its fan-out and holds the writer's lease
 * on the first attempts of those it sends itself, which are written once,
 * whole, with that attempt; the others (skipped, parked, for the slow lane)
 * are written right after the event. A run that dies in between leaves the
 * event naming deliveries that do not exist yet: the redelivered message
 * writes them (after the lease) and resumes. Data over 400 bytes is stored
 * brotli-compressed, so its cost per KB is well under a unit. Both expire by TTL,
 * `retentionMs` after they are written. The log's queries are ./dynamodb-delivery-log.ts.
 */
export class DynamoDbDeliveryStore implements DeliveryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly settings: DeliveryStoreSettings,
  ) {}

  private now(): number {
    return this.settings.clock().getTime();
  }

  /** The TTL of what is written at `now` (ms): DynamoDB's is in seconds. */
  private expiresAt(now: number): number {
    return Math.ceil((now + this.settings.retentionMs) / 1000);
  }

  async recordFanOut(
    event: StoredEvent,
    deliveries: readonly Delivery[],
    write: FanOutWrite,
  ): Promise<FanOutRecord> {
    if (deliveries.length > MAX_FAN_OUT_WRITES) {
      throw new Error(
        `an event can fan out to at most ${MAX_FAN_OUT_WRITES} endpoints, not ${deliveries.length}`,
      );
    }
    const now = this.now();
    const lease = randomUUID();
    const recorded = await writtenIf(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.event(event.tenant_id, event.id),
            tenant_id: event.tenant_id,
            id: event.id,
            type: event.type,
            created_at: event.created_at,
            ...dataAttribute(event.data),
            ...refsAttribute(event.deliveries),
            idempotent_until: write.idempotentUntil.getTime(),
            // Attempt 1 of each delivery this run sends (see recordFirstAttempt).
            lease,
            lease_until: write.leaseUntil.getTime(),
            expires_at: this.expiresAt(now),
          },
          ConditionExpression: "attribute_not_exists(pk) OR idempotent_until < :now",
          ExpressionAttributeValues: { ":now": now },
        }),
      ),
    );
    if (!recorded) {
      const existing = await this.getEvent(event.tenant_id, event.id);
      if (!existing) throw new Error(`event ${event.id} was a duplicate but is not stored`);
      return { recorded: false, existing };
    }
    await this.recordDeliveries(deliveries.filter((d) => !write.leased.has(d.id)));
    return { recorded: true, lease };
  }

  async claimFanOut(event: StoredEvent, leaseUntil: Date, now: Date): Promise<boolean> {
    return writtenIf(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.event(event.tenant_id, event.id),
          UpdateExpression: "SET lease = :lease, lease_until = :until",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(lease_until) OR lease_until < :now)",
          ExpressionAttributeValues: {
            ":lease": randomUUID(),
            ":until": leaseUntil.getTime(),
            ":now": now.getTime(),
          },
        }),
      ),
    );
  }

  async recordDeliveries(deliveries: readonly Delivery[]): Promise<void> {
    const expiresAt = this.expiresAt(this.now());
    await Promise.all(deliveries.map((d) => this.putNew({ ...d }, expiresAt)));
  }

  async recordFirstAttempt(
    delivery: Delivery,
    attempt: DeliveryAttempt,
    update: DeliveryUpdate,
  ): Promise<boolean> {
    return this.putNew(
      { ...delivery, ...update, attempt_count: attempt.number, attempts: [attempt] },
      this.expiresAt(this.now()),
    );
  }

  /** Writes a delivery unless one with its id is stored; false when one is. */
  private async putNew(delivery: Delivery, expiresAt: number): Promise<boolean> {
    return writtenIf(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.delivery(delivery.webhook_id, delivery.id), ...delivery, expires_at: expiresAt },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
  }

  async getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.event(tenantId, eventId), ConsistentRead: true }),
    );
    return Item ? storedEvent(Item) : undefined;
  }

  async getDelivery(webhookId: string, deliveryId: string): Promise<Delivery | undefined> {
    return readDelivery(this.client, this.tableName, webhookId, deliveryId);
  }

  async claimAttempt(
    delivery: Delivery,
    attempt: number,
    leaseUntil: Date,
    now: Date,
    from: ClaimFrom = "open",
  ): Promise<{ claimed: true; lease: string } | { claimed: false; reason: "leased" | "moved_on" }> {
    const lease = randomUUID();
    const claimable = CLAIMABLE[from];
    const checksStatus = from !== "any";
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(delivery.webhook_id, delivery.id),
          UpdateExpression: "SET lease = :lease, lease_until = :until",
          ConditionExpression: `attempt_count = :previous AND ${claimable.condition}(attribute_not_exists(lease_until) OR lease_until < :now)`,
          ...(checksStatus ? { ExpressionAttributeNames: { "#status": "status" } } : {}),
          ExpressionAttributeValues: {
            ":lease": lease,
            ":until": leaseUntil.getTime(),
            ":previous": attempt - 1,
            ":now": now.getTime(),
            ...claimable.values,
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
        current?.attempt_count === attempt - 1 &&
        (!checksStatus || Object.values(claimable.values).includes(current.status));
      return { claimed: false, reason: stillDue ? "leased" : "moved_on" };
    }
  }

  async recordAttempt(
    delivery: Delivery,
    lease: string,
    attempt: DeliveryAttempt,
    update: DeliveryUpdate,
  ): Promise<boolean> {
    return writtenIf(
      this.client.send(
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
      ),
    );
  }

  async close(delivery: Delivery, status: "skipped" | "cancelled", updatedAt: string): Promise<void> {
    // A failed condition: another run moved it on first; its state stands.
    await writtenIf(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(delivery.webhook_id, delivery.id),
          UpdateExpression: "SET #status = :status, next_attempt_at = :null, updated_at = :updated",
          ConditionExpression: `attempt_count = :count AND ${IS_UNFINISHED}`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":status": status,
            ":null": null,
            ":updated": updatedAt,
            ":count": delivery.attempt_count,
            ...UNFINISHED,
          },
        }),
      ),
    );
  }

  async park(delivery: Delivery, park: ParkWrite): Promise<"parked" | "moved_on"> {
    const parked = await writtenIf(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(delivery.webhook_id, delivery.id),
          UpdateExpression: "SET #status = :parked, next_attempt_at = :next, updated_at = :updated",
          ConditionExpression: `attempt_count = :count AND ${IS_PARKABLE} AND (attribute_not_exists(lease_until) OR lease_until < :now)`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":next": park.nextAttemptAt,
            ":updated": park.updatedAt,
            ":count": delivery.attempt_count,
            ":now": park.now.getTime(),
            ...PARKABLE,
          },
        }),
      ),
    );
    return parked ? "parked" : "moved_on";
  }

  async listParked(webhookId: string, from: string, limit: number): Promise<ParkedPage> {
    const items: Delivery[] = [];
    let startKey: Record<string, unknown> | undefined;
    const input = {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :newest",
      FilterExpression: "#status = :parked",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":pk": keys.delivery(webhookId, "").pk,
        ":from": keys.delivery(webhookId, from).sk,
        ":newest": keys.delivery(webhookId, "msg_~").sk,
        ":parked": "parked",
      },
    };
    for (let examined = 0; ;) {
      const page = await this.client.send(
        new QueryCommand({
          ...input,
          Limit: PARKED_QUERY_LIMIT,
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) {
        // One past the page says where the next starts.
        const delivery = storedDelivery(item);
        if (items.length === limit) return { items, next: delivery.id };
        items.push(delivery);
      }
      startKey = page.LastEvaluatedKey;
      if (!startKey) return { items };
      examined += page.ScannedCount ?? 0;
      // The work bound, in a log delivered past since the breaker opened: the next page goes on
      // from the last delivery looked at.
      if (examined >= MAX_EXAMINED_PER_PAGE) {
        return { items, next: deliveryIdAt(startKey) };
      }
    }
  }
}

export interface DeliveryStoreSettings {
  /** How long the log is kept (docs/api.md, Retention): what is written expires this long after. */
  readonly retentionMs: number;
  /** The time of a write: its TTL counts from it, and an event's idempotency window is compared with it. */
  readonly clock: () => Date;
}

/** An event item, in any layout it has been stored in (./dynamodb-event-item.ts). */
function storedEvent(item: StoredItem): StoredEvent {
  const id = requiredText(item, "id", "event");
  const what = `event ${id}`;
  return {
    tenant_id: requiredText(item, "tenant_id", what),
    id,
    type: requiredText(item, "type", what),
    created_at: requiredText(item, "created_at", what),
    data: storedData(item),
    deliveries: storedRefs(item),
  };
}
