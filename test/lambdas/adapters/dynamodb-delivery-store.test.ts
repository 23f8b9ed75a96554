import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Delivery, StoredEvent } from "../../../lambdas/core/delivery";
import { deliveryStore } from "../../support/delivery";

/** The delivery store's guarantees against DynamoDB Local: idempotent fan-out and exclusive attempts. */
function fixture(): { event: StoredEvent; delivery: Delivery } {
  const tenant = `store-${randomUUID().slice(0, 8)}`;
  const webhookId = randomUUID();
  const now = new Date().toISOString();
  const delivery: Delivery = {
    id: `msg_${randomUUID().replace(/-/g, "").slice(0, 26).toUpperCase()}`,
    tenant_id: tenant,
    webhook_id: webhookId,
    event_id: "evt_1",
    event_type: "crm.lead.created",
    status: "pending",
    attempt_count: 0,
    next_attempt_at: null,
    first_attempt_at: null,
    created_at: now,
    updated_at: now,
    attempts: [],
  };
  const event: StoredEvent = {
    tenant_id: tenant,
    id: "evt_1",
    type: "crm.lead.created",
    created_at: now,
    data: { a: 1 },
    deliveries: [{ webhook_id: webhookId, delivery_id: delivery.id }],
  };
  return { event, delivery };
}

const inAMinute = () => new Date(Date.now() + 60_000);

describe("DynamoDbDeliveryStore", () => {
  it("records a fan-out once and answers the stored event to a duplicate", async () => {
    const store = deliveryStore();
    const { event, delivery } = fixture();

    const first = await store.recordFanOut(event, [delivery], inAMinute());
    const again = await store.recordFanOut({ ...event, data: { a: 2 } }, [{ ...delivery, id: "msg_other" }], inAMinute());

    expect(first).toEqual({ recorded: true });
    expect(again).toEqual({ recorded: false, existing: event });
    expect(await store.getDelivery(delivery.webhook_id, "msg_other")).toBeUndefined();
  });

  it("refuses a second claim while the first worker's lease is live, as leased", async () => {
    const store = deliveryStore();
    const { event, delivery } = fixture();
    await store.recordFanOut(event, [delivery], inAMinute());

    const first = await store.claimAttempt(delivery, 1, inAMinute(), new Date());
    const second = await store.claimAttempt(delivery, 1, inAMinute(), new Date());

    expect(first.claimed).toBe(true);
    expect(second).toEqual({ claimed: false, reason: "leased" });
  });

  it("lets another worker take an attempt whose lease has expired", async () => {
    const store = deliveryStore();
    const { event, delivery } = fixture();
    await store.recordFanOut(event, [delivery], inAMinute());
    await store.claimAttempt(delivery, 1, new Date(Date.now() - 1000), new Date(Date.now() - 2000));

    const taken = await store.claimAttempt(delivery, 1, inAMinute(), new Date());

    expect(taken.claimed).toBe(true);
  });

  it("answers moved_on once the attempt is recorded, and keeps the first attempt's result", async () => {
    const store = deliveryStore();
    const { event, delivery } = fixture();
    await store.recordFanOut(event, [delivery], inAMinute());
    const claim = await store.claimAttempt(delivery, 1, inAMinute(), new Date());
    if (!claim.claimed) throw new Error("the first claim must succeed");
    const attempt = { number: 1, attempted_at: delivery.created_at, status_code: 200, error: null, duration_ms: 5, response_body: "ok" };

    const kept = await store.recordAttempt(delivery, claim.lease, attempt, {
      status: "succeeded",
      next_attempt_at: null,
      first_attempt_at: delivery.created_at,
      updated_at: delivery.created_at,
    });
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
