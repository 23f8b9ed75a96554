import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import type { Delivery, StoredEvent } from "../../../lambdas/core/delivery/model";
import { ulid } from "../../../lambdas/core/ulid";
import { deliveryStore, leaseAll, pendingDelivery } from "../../support/delivery";
import { documentClient, platform } from "../../support/platform";

/** The delivery store's guarantees against DynamoDB Local: idempotent fan-out and exclusive attempts. */
function fixture(): { event: StoredEvent; delivery: Delivery } {
  const tenant = `store-${randomUUID().slice(0, 8)}`;
  const webhookId = randomUUID();
  const delivery = pendingDelivery({ tenant_id: tenant, webhook_id: webhookId, event_id: "evt_1" });
  const event: StoredEvent = {
    tenant_id: tenant,
    id: "evt_1",
    type: "crm.lead.created",
    created_at: delivery.created_at,
    data: { a: 1 },
    deliveries: [{ webhook_id: webhookId, delivery_id: delivery.id }],
  };
  return { event, delivery };
}

const inAMinute = () => new Date(Date.now() + 60_000);
/** A fan-out's lease on attempt 1 that has run out: its worker died before sending. */
const lapsed = () => new Date(Date.now() - 1000);

const firstAttempt = (delivery: Delivery) => ({
  number: 1,
  attempted_at: delivery.created_at,
  status_code: 200,
  error: null,
  duration_ms: 5,
  response_body: "ok",
});
const succeeded = (delivery: Delivery) => ({
  status: "succeeded" as const,
  next_attempt_at: null,
  first_attempt_at: delivery.created_at,
  updated_at: delivery.created_at,
});

/** An item as DynamoDB holds it, with the attributes the store keeps to itself. */
async function rawItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: platform().TableName, Key: { pk, sk }, ConsistentRead: true }),
  );
  return Item;
}

const storedItem = (d: Delivery) => rawItem(`WEBHOOK#${d.webhook_id}`, `DELIVERY#${d.id}`);

describe("DynamoDbDeliveryStore", () => {
  it("records a fan-out once and answers the stored event to a duplicate", async () => {
    const store = deliveryStore();
    const { event, delivery } = fixture();

    const first = await store.recordFanOut(event, [delivery], leaseAll([delivery], inAMinute(), inAMinute()));
    const again = await store.recordFanOut(
      { ...event, data: { a: 2 } },
      [{ ...delivery, id: "msg_other" }],
      leaseAll([{ ...delivery, id: "msg_other" }], inAMinute(), inAMinute()),
    );

    expect(first).toEqual({ recorded: true, lease: expect.any(String) });
    expect(again).toEqual({ recorded: false, existing: event });
    expect(await store.getDelivery(delivery.webhook_id, "msg_other")).toBeUndefined();
  });

  it("writes a fan-out's pending deliveries with attempt 1 leased to it, and a skipped one without", async () => {
    const store = deliveryStore();
    const { event, delivery } = fixture();
    const skipped = pendingDelivery({
      tenant_id: delivery.tenant_id,
      event_id: delivery.event_id,
      webhook_id: randomUUID(),
      status: "skipped",
    });
    const refs = [delivery, skipped].map((d) => ({ webhook_id: d.webhook_id, delivery_id: d.id }));
    const other = fixture();
    const leaseUntil = inAMinute();

    const recorded = await store.recordFanOut(
      { ...event, deliveries: refs },
      [delivery, skipped],
      leaseAll([delivery, skipped], inAMinute(), leaseUntil),
    );
    const otherRecorded = await store.recordFanOut(other.event, [other.delivery], leaseAll([other.delivery], inAMinute(), leaseUntil));

    if (!recorded.recorded || !otherRecorded.recorded) throw new Error("both fan-outs must be recorded");
    expect(recorded.lease).toMatch(/^[0-9a-f-]{36}$/);
    expect(otherRecorded.lease).not.toBe(recorded.lease);
    expect(await storedItem(delivery)).toMatchObject({ lease: recorded.lease, lease_until: leaseUntil.getTime() });
    const skippedItem = await storedItem(skipped);
    expect(skippedItem).toMatchObject({ status: "skipped" });
    expect(skippedItem).not.toHaveProperty("lease");
    expect(skippedItem).not.toHaveProperty("lease_until");
    expect(await store.getDelivery(delivery.webhook_id, delivery.id)).not.toHaveProperty("lease");
  });

  it("records attempt 1 under the fan-out's lease, with no claim of its own", async () => {
    const store = deliveryStore();
    const { event, delivery } = fixture();
    const recorded = await store.recordFanOut(event, [delivery], leaseAll([delivery], inAMinute(), inAMinute()));
    if (!recorded.recorded) throw new Error("the fan-out must be recorded");

    const kept = await store.recordAttempt(delivery, recorded.lease, firstAttempt(delivery), succeeded(delivery));

    expect(kept).toBe(true);
    const item = await storedItem(delivery);
    expect(item).toMatchObject({ status: "succeeded", attempt_count: 1 });
    expect(item).not.toHaveProperty("lease");
  });

  it("keeps attempt 1 from another worker while the fan-out's lease is live, and lets it take it after", async () => {
    const store = deliveryStore();
    const { event, delivery } = fixture();
    const leaseUntil = inAMinute();
    const recorded = await store.recordFanOut(event, [delivery], leaseAll([delivery], inAMinute(), leaseUntil));
    if (!recorded.recorded) throw new Error("the fan-out must be recorded");
    const afterTheLease = new Date(leaseUntil.getTime() + 1);

    const whileLive = await store.claimAttempt(delivery, 1, inAMinute(), new Date());
    const afterwards = await store.claimAttempt(
      delivery,
      1,
      new Date(afterTheLease.getTime() + 20_000),
      afterTheLease,
    );
    const late = await store.recordAttempt(delivery, recorded.lease, firstAttempt(delivery), succeeded(delivery));

    expect(whileLive).toEqual({ claimed: false, reason: "leased" });
    expect(afterwards.claimed).toBe(true);
    expect(late, "the crashed fan-out's lease no longer records").toBe(false);
  });

  it("reads an event stored before data was kept as JSON text", async () => {
    const { event } = fixture();
    const { data: _data, ...rest } = event;
    await documentClient().send(
      new PutCommand({
        TableName: platform().TableName,
        Item: { pk: `EVENT#${event.tenant_id}#${event.id}`, sk: "EVENT", ...rest, data: { lead: { score: 7 } } },
      }),
    );

    expect(await deliveryStore().getEvent(event.tenant_id, event.id)).toEqual({ ...rest, data: { lead: { score: 7 } } });
  });

  it("refuses a second claim while the first worker's lease is live, as leased", async () => {
    const store = deliveryStore();
    const { event, delivery } = fixture();
    await store.recordFanOut(event, [delivery], leaseAll([delivery], inAMinute(), lapsed()));

    const first = await store.claimAttempt(delivery, 1, inAMinute(), new Date());
    const second = await store.claimAttempt(delivery, 1, inAMinute(), new Date());

    expect(first.claimed).toBe(true);
    expect(second).toEqual({ claimed: false, reason: "leased" });
  });

  it("lets another worker take an attempt whose lease has expired", async () => {
    const store = deliveryStore();
    const { event, delivery } = fixture();
    await store.recordFanOut(event, [delivery], leaseAll([delivery], inAMinute(), lapsed()));
    await store.claimAttempt(delivery, 1, new Date(Date.now() - 1000), new Date(Date.now() - 2000));

    const taken = await store.claimAttempt(delivery, 1, inAMinute(), new Date());

    expect(taken.claimed).toBe(true);
  });

  it("answers moved_on once the attempt is recorded, and keeps the first attempt's result", async () => {
    const store = deliveryStore();
    const { event, delivery } = fixture();
    await store.recordFanOut(event, [delivery], leaseAll([delivery], inAMinute(), lapsed()));
    const claim = await store.claimAttempt(delivery, 1, inAMinute(), new Date());
    if (!claim.claimed) throw new Error("the first claim must succeed");
    const attempt = firstAttempt(delivery);

    const kept = await store.recordAttempt(delivery, claim.lease, attempt, succeeded(delivery));
    const late = await store.claimAttempt(delivery, 1, inAMinute(), new Date());
    const stale = await store.recordAttempt(delivery, claim.lease, { ...attempt, status_code: 500 }, {
      status: "retrying",
      next_attempt_at: null,
      first_attempt_at: delivery.created_at,
      updated_at: delivery.created_at,
    });

    expect(kept).toBe(true);
    expect(late).toEqual({ claimed: false, reason: "moved_on" });
    expect(stale).toBe(false);
    expect(await store.getDelivery(delivery.webhook_id, delivery.id)).toMatchObject({
      status: "succeeded",
      attempt_count: 1,
      attempts: [attempt],
    });
  });
});

describe("DynamoDbDeliveryStore.listDeliveries", () => {
  /** Records `count` deliveries to one endpoint, made a millisecond apart from `start`, in fan-outs of 99. */
  async function log(count: number, status: (i: number) => Delivery["status"], start = Date.now() - count) {
    const store = deliveryStore();
    const { delivery: template, event } = fixture();
    const made: Delivery[] = [];
    for (let i = 0; i < count; i++) {
      const at = new Date(start + i).toISOString();
      made.push({ ...template, id: `msg_${ulid(start + i)}`, status: status(i), created_at: at, updated_at: at });
    }
    for (let from = 0; from < count; from += 99) {
      const batch = made.slice(from, from + 99);
      const refs = batch.map((d) => ({ webhook_id: d.webhook_id, delivery_id: d.id }));
      await store.recordFanOut({ ...event, id: `evt_${from}`, deliveries: refs }, batch, leaseAll(batch, inAMinute(), inAMinute()));
    }
    return { store, webhookId: template.webhook_id, made };
  }

  it("bounds the work of a filtered page and hands back a cursor that goes on past it", async () => {
    // Only the oldest of 1,200 has the status asked for: the first page reads its bound and stops.
    const { store, webhookId, made } = await log(1200, (i) => (i === 0 ? "failed" : "succeeded"));

    const first = await store.listDeliveries(webhookId, { statuses: ["failed"], limit: 10 });
    const second = await store.listDeliveries(webhookId, {
      statuses: ["failed"],
      limit: 10,
      before: first.continueAfter ?? "",
    });

    expect(first.items).toEqual([]);
    expect(first.continueAfter).toMatch(/^msg_/);
    expect(second.items.map((d) => d.id)).toEqual([made[0]?.id]);
    expect(second.continueAfter).toBeUndefined();
  });

  it("reads back to `since` and no further", async () => {
    const start = Date.now() - 1000;
    const { store, webhookId, made } = await log(20, () => "failed", start);

    const page = await store.listDeliveries(webhookId, { since: new Date(start + 15), limit: 100 });

    expect(page.items.map((d) => d.id)).toEqual(made.slice(15).map((d) => d.id).reverse());
    expect(page.continueAfter).toBeUndefined();
  });

  it("expires deliveries and their event after the retention period", async () => {
    const retentionS = 30 * 86_400; // test/support's store keeps the log 30 days
    const before = Math.floor(Date.now() / 1000) + retentionS;
    const { store, webhookId, made } = await log(1, () => "pending");
    const after = Math.ceil(Date.now() / 1000) + retentionS;
    const [delivery] = made;

    const items = [
      await rawItem(`WEBHOOK#${webhookId}`, `DELIVERY#${delivery?.id}`),
      await rawItem(`EVENT#${delivery?.tenant_id}#evt_0`, "EVENT"),
    ];

    for (const item of items) {
      expect(item?.expires_at).toBeGreaterThanOrEqual(before);
      expect(item?.expires_at).toBeLessThanOrEqual(after);
    }
    expect(await store.getDelivery(webhookId, delivery?.id ?? "")).not.toHaveProperty("expires_at");
  });
});
