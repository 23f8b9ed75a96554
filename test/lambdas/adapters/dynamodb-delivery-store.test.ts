import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, expectTypeOf, it } from "vitest";
import { EVENT_DATA } from "../../../bench/fixtures";
import {
  DynamoDbDeliveryStore,
  type DeliveryStoreSettings,
} from "../../../lambdas/adapters/dynamodb-delivery-store";
import { keys } from "../../../lambdas/adapters/table-keys";
import type { Delivery, StoredEvent } from "../../../lambdas/core/delivery/model";
import type { FanOutWrite } from "../../../lambdas/core/delivery/ports";
import { ulid } from "../../../lambdas/core/ulid";
import { deliveryStore, pendingDelivery } from "../../support/delivery";
import { documentClient, platform } from "../../support/platform";

/**
 * What the DynamoDB delivery store keeps to itself: the items' layout, their TTL on the clock it is
 * given, the compressed data, the layouts it still reads, and the malformed items it refuses to.
 * What every delivery store promises is test/contracts/delivery-store.contract.ts; the log's
 * queries are ./dynamodb-delivery-log.test.ts.
 */
function fixture(data: unknown = { a: 1 }): { event: StoredEvent; delivery: Delivery } {
  const tenant = `store-${randomUUID().slice(0, 8)}`;
  const webhookId = randomUUID();
  const delivery = pendingDelivery({
    tenant_id: tenant,
    webhook_id: webhookId,
    event_id: `evt_${randomUUID()}`,
  });
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
    const skipped = {
      ...delivery,
      id: `msg_${ulid()}`,
      webhook_id: randomUUID(),
      status: "skipped" as const,
    };
    const refs = [delivery, skipped].map((d) => ({ webhook_id: d.webhook_id, delivery_id: d.id }));
    const leaseUntil = inAMinute();

    // Act
    const recorded = await store.recordFanOut({ ...event, deliveries: refs }, [delivery, skipped], {
      ...write([delivery]),
      leaseUntil,
    });

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
      {
        number: 1,
        attempted_at: sent.created_at,
        status_code: 200,
        error: null,
        duration_ms: 5,
        response_body: "",
      },
      {
        status: "succeeded",
        next_attempt_at: null,
        first_attempt_at: sent.created_at,
        updated_at: sent.created_at,
      },
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

describe("DynamoDbDeliveryStore, on the clock it is given", () => {
  /** Far enough ahead that no TTL sweep takes what these tests write; a quarter second past a whole one. */
  const NOW = Date.parse("2031-06-01T08:00:00.250Z");
  const RETENTION_MS = 2 * 86_400_000;
  const storeAt = (now: number) =>
    new DynamoDbDeliveryStore(documentClient(), platform().TableName, {
      retentionMs: RETENTION_MS,
      clock: () => new Date(now),
    });
  const attempt = {
    number: 1,
    attempted_at: "x",
    status_code: 200,
    error: null,
    duration_ms: 5,
    response_body: "",
  };

  it("is made with a retention and a clock: neither is optional", () => {
    expectTypeOf<DeliveryStoreSettings>().toEqualTypeOf<{
      readonly retentionMs: number;
      readonly clock: () => Date;
    }>();
    // @ts-expect-error: a store without a retention does not compile.
    const withoutRetention: DeliveryStoreSettings = { clock: () => new Date() };
    // @ts-expect-error: nor one without a clock.
    const withoutClock: DeliveryStoreSettings = { retentionMs: RETENTION_MS };

    expect([withoutRetention, withoutClock].map((s) => Object.keys(s))).toEqual([["clock"], ["retentionMs"]]);
  });

  it("expires what it writes the retention after its clock's time, whichever way it writes it", async () => {
    // Prepare
    const store = storeAt(NOW);
    const { event, delivery: sent } = fixture();
    const skipped = { ...sent, id: `msg_${ulid()}`, webhook_id: randomUUID(), status: "skipped" as const };
    const resumed = { ...sent, id: `msg_${ulid()}`, webhook_id: randomUUID() };
    const window = { ...write([sent]), idempotentUntil: new Date(NOW + 60_000) };

    // Act
    await store.recordFanOut(event, [sent, skipped], window);
    await store.recordFirstAttempt(sent, attempt, {
      status: "succeeded",
      next_attempt_at: null,
      first_attempt_at: sent.created_at,
      updated_at: sent.created_at,
    });
    await store.recordDeliveries([resumed]);

    // Assess: in whole seconds, rounded up.
    const expected = Math.ceil((NOW + RETENTION_MS) / 1000);
    const items = [
      await eventItem(event),
      ...(await Promise.all([sent, skipped, resumed].map(deliveryItem))),
    ];
    expect(items.map((item) => item?.expires_at)).toEqual([expected, expected, expected, expected]);
  });

  it("compares an event's idempotency window with its clock", async () => {
    // Prepare: an event recorded with a window a minute long on the store's clock.
    const { event } = fixture();
    const until = new Date(NOW + 60_000);
    await storeAt(NOW).recordFanOut({ ...event, deliveries: [] }, [], { ...write(), idempotentUntil: until });

    // Act
    const withinIt = await storeAt(NOW + 60_000).recordFanOut({ ...event, deliveries: [] }, [], write());
    const pastIt = await storeAt(NOW + 60_001).recordFanOut({ ...event, deliveries: [] }, [], write());

    // Assess
    expect(withinIt.recorded, "a duplicate on the window's last millisecond").toBe(false);
    expect(pastIt.recorded, "the same id once the window is over").toBe(true);
    expect((await eventItem(event))?.expires_at).toBe(Math.ceil((NOW + 60_001 + RETENTION_MS) / 1000));
  });
});

describe("DynamoDbDeliveryStore reading what is stored", () => {
  /** Writes `item` as the delivery's item, as the store would but for what the test changes. */
  async function storedAs(delivery: Delivery, item: Record<string, unknown>): Promise<void> {
    await documentClient().send(
      new PutCommand({
        TableName: platform().TableName,
        Item: { ...keys.delivery(delivery.webhook_id, delivery.id), ...item },
      }),
    );
  }

  const timedOut = {
    number: 1,
    attempted_at: "2026-03-02T12:00:01.000Z",
    status_code: null,
    error: "timeout" as const,
    duration_ms: 15_000,
    response_body: "",
  };

  it("reads an attempt that got no answer: no status code, and why", async () => {
    // Prepare
    const { delivery } = fixture();
    const retrying = { ...delivery, status: "retrying" as const, attempt_count: 1, attempts: [timedOut] };
    await storedAs(retrying, { ...retrying, lease_until: 0, expires_at: 1 });

    // Act
    const read = await deliveryStore().getDelivery(retrying.webhook_id, retrying.id);

    // Assess
    expect(read).toEqual(retrying);
  });

  it.each([
    ["no status", (d: Delivery) => withoutField(d, "status"), /delivery msg_\w+ has no status$/],
    [
      "a status it does not know",
      (d: Delivery) => ({ ...d, status: "sent" }),
      /has status "sent", not one of pending/,
    ],
    [
      "an attempt count as text",
      (d: Delivery) => ({ ...d, attempt_count: "1" }),
      /has attempt_count as a string, not a number/,
    ],
    [
      "an attempt number that is not a number",
      (d: Delivery) => ({ ...d, attempt_count: 1, attempts: [{ ...timedOut, number: "one" }] }),
      /delivery msg_\w+ \(attempts\[0\]\) has number as a string, not a number/,
    ],
    [
      "an attempt error it does not know",
      (d: Delivery) => ({ ...d, attempt_count: 1, attempts: [{ ...timedOut, error: "gremlins" }] }),
      /\(attempts\[0\]\) has error "gremlins", not one of timeout/,
    ],
    [
      "attempts that are not a list",
      (d: Delivery) => ({ ...d, attempts: "none" }),
      /has attempts as a string, not a list/,
    ],
  ])("refuses a delivery item with %s, naming the field", async (_, malformed, message) => {
    // Prepare
    const { delivery } = fixture();
    await storedAs(delivery, malformed(delivery));

    // Act
    const read = deliveryStore().getDelivery(delivery.webhook_id, delivery.id);

    // Assess
    await expect(read).rejects.toThrow(message);
  });

  it("refuses an event item with no type, naming the field", async () => {
    // Prepare
    const { event } = fixture();
    const { type: _type, data: _data, deliveries: _deliveries, ...rest } = event;
    await documentClient().send(
      new PutCommand({
        TableName: platform().TableName,
        Item: { ...keys.event(event.tenant_id, event.id), ...rest, data_json: "{}", refs: "" },
      }),
    );

    // Act
    const read = deliveryStore().getEvent(event.tenant_id, event.id);

    // Assess
    await expect(read).rejects.toThrow(`stored event ${event.id} has no type`);
  });
});

function withoutField<T extends object>(value: T, field: keyof T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([name]) => name !== field));
}
