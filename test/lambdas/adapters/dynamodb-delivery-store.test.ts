import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { EVENT_DATA } from "../../../bench/fixtures";
import { keys } from "../../../lambdas/adapters/table-keys";
import type { Delivery, StoredEvent } from "../../../lambdas/core/delivery/model";
import type { FanOutWrite } from "../../../lambdas/core/delivery/ports";
import { ulid } from "../../../lambdas/core/ulid";
import { deliveryStore, pendingDelivery } from "../../support/delivery";
import { documentClient, platform } from "../../support/platform";

/**
 * What the DynamoDB delivery store keeps to itself: the items' layout, their TTL, the compressed
 * data, the layouts it still reads, and the log's queries. What every delivery store promises is
 * test/contracts/delivery-store.contract.ts.
 */
function fixture(data: unknown = { a: 1 }): { event: StoredEvent; delivery: Delivery } {
  const tenant = `store-${randomUUID().slice(0, 8)}`;
  const webhookId = randomUUID();
  const delivery = pendingDelivery({ tenant_id: tenant, webhook_id: webhookId, event_id: `evt_${randomUUID()}` });
  const event: StoredEvent = {
    tenant_id: tenant,
    id: delivery.event_id,
    type: "crm.lead.created",
    created_at: delivery.created_at,
    data,
    deliveries: [{ webhook_id: webhookId, delivery_id: delivery.id }],
  };
  return { event, delivery };
}

const inAMinute = () => new Date(Date.now() + 60_000);
const write = (leased: readonly Delivery[] = []): FanOutWrite => ({
  idempotentUntil: inAMinute(),
  leaseUntil: inAMinute(),
  leased: new Set(leased.map((d) => d.id)),
});

/** An item as DynamoDB holds it, with the attributes the store keeps to itself. */
async function rawItem(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: platform().TableName, Key: key, ConsistentRead: true }),
  );
  return Item;
}

const eventItem = (e: StoredEvent) => rawItem(keys.event(e.tenant_id, e.id));
const deliveryItem = (d: Delivery) => rawItem(keys.delivery(d.webhook_id, d.id));

/** Ten leads like the bench's event (about 6 KB as JSON): data as producers send it. */
const tenLeads = () => ({
  leads: Array.from({ length: 10 }, (_, i) => ({ ...EVENT_DATA.lead, id: `lead_${ulid()}`, score: i })),
});

describe("DynamoDbDeliveryStore", () => {
  it("keeps an event in one item: its refs as one string, and the lease of its first attempts", async () => {
    // Prepare
    const store = deliveryStore();
    const { event, delivery } = fixture();
    const skipped = { ...delivery, id: `msg_${ulid()}`, webhook_id: randomUUID(), status: "skipped" as const };
    const refs = [delivery, skipped].map((d) => ({ webhook_id: d.webhook_id, delivery_id: d.id }));
    const leaseUntil = inAMinute();

    // Act
    const recorded = await store.recordFanOut(
      { ...event, deliveries: refs },
      [delivery, skipped],
      { ...write([delivery]), leaseUntil },
    );

    // Assess
    if (!recorded.recorded) throw new Error("the fan-out is recorded");
    const item = await eventItem(event);
    expect(item).toMatchObject({
      refs: `${delivery.webhook_id}/${delivery.id},${skipped.webhook_id}/${skipped.id}`,
      lease: recorded.lease,
      lease_until: leaseUntil.getTime(),
      data_json: '{"a":1}',
    });
    expect(item).not.toHaveProperty("deliveries");
    expect(item).not.toHaveProperty("data_br");
  });

  it("stores data over 400 bytes compressed, in far fewer bytes than its JSON", async () => {
    // Prepare
    const store = deliveryStore();
    const data = tenLeads();
    const { event } = fixture(data);
    const json = JSON.stringify(data);

    // Act
    await store.recordFanOut({ ...event, deliveries: [] }, [], write());

    // Assess
    const item = await eventItem(event);
    expect(item?.data_br).toBeInstanceOf(Uint8Array);
    expect(item).not.toHaveProperty("data_json");
    const bytes = (item?.data_br as Uint8Array).byteLength;
    console.log(`data of ${json.length} bytes as JSON is stored in ${bytes} bytes`);
    // A write unit is 1 KB: the event's payload costs a fraction of a unit per KB.
    expect(bytes).toBeLessThan(json.length / 4);
    expect(JSON.stringify((await store.getEvent(event.tenant_id, event.id))?.data)).toBe(json);
  });

  it("expires the event and its deliveries, however written, after the retention period", async () => {
    // Prepare
    const retentionS = 30 * 86_400; // test/support's store keeps the log 30 days
    const store = deliveryStore();
    const { event, delivery: sent } = fixture();
    const skipped = { ...sent, id: `msg_${ulid()}`, webhook_id: randomUUID(), status: "skipped" as const };
    const before = Math.floor(Date.now() / 1000) + retentionS;

    // Act
    await store.recordFanOut(event, [sent, skipped], write([sent]));
    await store.recordFirstAttempt(
      sent,
      { number: 1, attempted_at: sent.created_at, status_code: 200, error: null, duration_ms: 5, response_body: "" },
      { status: "succeeded", next_attempt_at: null, first_attempt_at: sent.created_at, updated_at: sent.created_at },
    );
    const after = Math.ceil(Date.now() / 1000) + retentionS;

    // Assess
    for (const item of [await eventItem(event), await deliveryItem(sent), await deliveryItem(skipped)]) {
      expect(item?.expires_at).toBeGreaterThanOrEqual(before);
      expect(item?.expires_at).toBeLessThanOrEqual(after);
    }
    expect(await store.getDelivery(sent.webhook_id, sent.id)).not.toHaveProperty("expires_at");
  });

  it("reads an event of the previous layout (deliveries as a list, data as JSON text) and resumes it", async () => {
    // Prepare: as the store wrote events before refs and compression, in one transaction with its deliveries.
    const store = deliveryStore();
    const { event } = fixture({ lead: { score: 7, name: "Conformância" } });
    const { data, deliveries, ...rest } = event;
    await documentClient().send(
      new PutCommand({
        TableName: platform().TableName,
        Item: {
          ...keys.event(event.tenant_id, event.id),
          ...rest,
          deliveries,
          data_json: JSON.stringify(data),
          idempotent_until: inAMinute().getTime(),
          expires_at: Math.ceil(Date.now() / 1000) + 86_400,
        },
      }),
    );

    // Act
    const read = await store.getEvent(event.tenant_id, event.id);
    const duplicate = await store.recordFanOut({ ...event, data: { other: true } }, [], write());
    const claimed = await store.claimFanOut(event, inAMinute(), new Date());

    // Assess
    expect(read).toEqual(event);
    expect(duplicate).toEqual({ recorded: false, existing: event });
    expect(claimed, "an event with no lease of its own is free to resume").toBe(true);
  });

  it("reads an event of the first layout, with data as a map", async () => {
    // Prepare
    const { event } = fixture();
    const { data: _data, ...rest } = event;
    await documentClient().send(
      new PutCommand({
        TableName: platform().TableName,
        Item: { ...keys.event(event.tenant_id, event.id), ...rest, data: { lead: { score: 7 } } },
      }),
    );

    // Act
    const read = await deliveryStore().getEvent(event.tenant_id, event.id);

    // Assess
    expect(read).toEqual({ ...rest, data: { lead: { score: 7 } } });
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
      await store.recordFanOut({ ...event, id: `evt_${from}`, deliveries: refs }, batch, write());
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
});
