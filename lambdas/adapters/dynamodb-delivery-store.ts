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
  type DeliverySummaryView,
  MAX_FAN_OUT_WRITES,
  type StoredEvent,
  SUMMARY_FIELDS,
} from "../core/delivery/model";
import type {
  ClaimFrom,
  DeliveryLog,
  DeliveryLogPage,
  DeliveryLogQuery,
  DeliveryStore,
  DeliveryUpdate,
  FanOutRecord,
  FanOutWrite,
  ParkedPage,
  ParkWrite,
} from "../core/delivery/ports";
import { firstUlidAt } from "../core/ulid";
import { dataAttribute, refsAttribute, storedData, storedRefs } from "./dynamodb-event-item";
import { writtenIf } from "./dynamodb-items";
import { keys, withoutKeys } from "./table-keys";

/** A filtered log page reads at most this many deliveries; the cursor continues past them. */
const MAX_EXAMINED_PER_PAGE = 1000;
const FILTERED_QUERY_LIMIT = 250;
const DELIVERY_SK_PREFIX = keys.delivery("", "").sk;
/** A log page reads the summary fields only, never the attempts. */
const SUMMARY_PROJECTION = SUMMARY_FIELDS.map((f) => `#${f}`).join(", ");
const SUMMARY_NAMES = Object.fromEntries(SUMMARY_FIELDS.map((f) => [`#${f}`, f]));


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
 * brotli-compressed, so its cost per KB is well under a unit. Both expire by TTL.
 */
export class DynamoDbDeliveryStore implements DeliveryStore, DeliveryLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** How long the log is kept; only a store that records events needs it. */
    private readonly retentionMs?: number,
  ) {}

  private expiresAt(now: number): number {
    if (this.retentionMs === undefined) throw new Error("this delivery store was made without a retention");
    return Math.ceil((now + this.retentionMs) / 1000);
  }

  async recordFanOut(event: StoredEvent, deliveries: readonly Delivery[], write: FanOutWrite): Promise<FanOutRecord> {
    if (deliveries.length > MAX_FAN_OUT_WRITES) {
      throw new Error(`an event can fan out to at most ${MAX_FAN_OUT_WRITES} endpoints, not ${deliveries.length}`);
    }
    const now = Date.now();
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
          ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(lease_until) OR lease_until < :now)",
          ExpressionAttributeValues: { ":lease": randomUUID(), ":until": leaseUntil.getTime(), ":now": now.getTime() },
        }),
      ),
    );
  }

  async recordDeliveries(deliveries: readonly Delivery[]): Promise<void> {
    const expiresAt = this.expiresAt(Date.now());
    await Promise.all(deliveries.map((d) => this.putNew({ ...d }, expiresAt)));
  }

  async recordFirstAttempt(delivery: Delivery, attempt: DeliveryAttempt, update: DeliveryUpdate): Promise<boolean> {
    return this.putNew(
      { ...delivery, ...update, attempt_count: attempt.number, attempts: [attempt] },
      this.expiresAt(Date.now()),
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
    if (!Item) return undefined;
    const { tenant_id, id, type, created_at } = Item;
    return { tenant_id, id, type, created_at, data: storedData(Item), deliveries: storedRefs(Item) };
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
    for (let examined = 0; ; ) {
      const page = await this.client.send(
        new QueryCommand({ ...input, Limit: PARKED_QUERY_LIMIT, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      for (const item of page.Items ?? []) {
        // One past the page says where the next starts.
        if (items.length === limit) return { items, next: toDelivery(item).id };
        items.push(toDelivery(item));
      }
      startKey = page.LastEvaluatedKey;
      if (!startKey) return { items };
      examined += page.ScannedCount ?? 0;
      // The work bound, in a log delivered past since the breaker opened: the next page goes on
      // from the last delivery looked at.
      if (examined >= MAX_EXAMINED_PER_PAGE) {
        return { items, next: String(startKey.sk).slice(DELIVERY_SK_PREFIX.length) };
      }
    }
  }

  async listDeliveries(webhookId: string, query: DeliveryLogQuery): Promise<DeliveryLogPage> {
    const since = query.since ? firstUlidAt(query.since.getTime()) : "";
    const statuses = query.statuses ?? [];
    const filtered = statuses.length > 0;
    // The same query for every page; only where it starts and how much it reads change.
    const input = {
      TableName: this.tableName,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :oldest AND :newest",
      ...(filtered ? { FilterExpression: `#status IN (${statuses.map((_, i) => `:s${i}`).join(", ")})` } : {}),
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
    for (let examined = 0; examined < MAX_EXAMINED_PER_PAGE; ) {
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
        items.push(item as DeliverySummaryView);
      }
      startKey = page.LastEvaluatedKey;
      if (!startKey) return { items };
    }
    // The work bound, with more log left: the next page goes on from the last delivery looked at.
    return { items, continueAfter: String(startKey?.sk).slice(DELIVERY_SK_PREFIX.length) };
  }
}

function toDelivery(item: Record<string, unknown>): Delivery {
  const { lease: _lease, lease_until: _until, expires_at: _expires, ...delivery } = withoutKeys(item);
  return delivery as unknown as Delivery;
}
