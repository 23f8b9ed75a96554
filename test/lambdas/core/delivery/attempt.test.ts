import { describe, expect, it } from "vitest";
import type { MemoryDeliveryStore } from "../../../../bench/memory-ports";
import { endpoint as fixtureEndpoint } from "../../../../bench/fixtures";
import { attempts, type Decision } from "../../../../lambdas/core/delivery/attempt";
import { ATTEMPT_LEASE_MS } from "../../../../lambdas/core/delivery/context";
import type { Delivery } from "../../../../lambdas/core/delivery/model";
import { memoryContext, START, TENANT } from "./harness";

/** One attempt over in-memory ports: the claim, the send, the record, and what runs before it. */
function setup() {
  const { ctx, store, endpoints, sender } = memoryContext();
  const hook = fixtureEndpoint(TENANT, 1, "https://receiver.example.com/hook");
  endpoints.add(hook);
  const delivery: Delivery = {
    id: "msg_01KHGBW98AVNN4PAGW3RS4KRAS",
    tenant_id: TENANT,
    webhook_id: hook.id,
    event_id: "evt_1",
    event_type: "crm.lead.created",
    status: "pending",
    attempt_count: 0,
    next_attempt_at: null,
    first_attempt_at: null,
    created_at: START,
    updated_at: START,
    attempts: [],
  };
  const event = {
    tenant_id: TENANT,
    id: "evt_1",
    type: "crm.lead.created",
    created_at: START,
    data: { a: 1 },
  };
  return { ctx, store, sender, hook, delivery, event, send: attempts(ctx).sendAttempt };
}

async function record(
  store: MemoryDeliveryStore,
  delivery: Delivery,
  event: ReturnType<typeof setup>["event"],
) {
  await store.recordFanOut(
    { ...event, deliveries: [{ webhook_id: delivery.webhook_id, delivery_id: delivery.id }] },
    [delivery],
    {
      idempotentUntil: new Date(Date.parse(START) + 60_000),
      leased: new Set(),
      leaseUntil: new Date(START),
    },
  );
}

const succeeded: Decision = { status: "succeeded", next_attempt_at: null, label: "succeeded" };

describe("sendAttempt", () => {
  it("claims the attempt, sends it and records it with the status decide gives", async () => {
    // Prepare
    const { store, sender, hook, delivery, event, send } = setup();
    await record(store, delivery, event);

    // Act
    const sent = await send(delivery, 1, event, hook, { from: "open" }, () => succeeded);

    // Assess
    expect(sent.outcome).toBe("sent");
    expect(sender.sent.map((s) => [s.deliveryId, s.attempt])).toEqual([[delivery.id, 1]]);
    expect(await store.getDelivery(hook.id, delivery.id)).toMatchObject({
      status: "succeeded",
      attempt_count: 1,
      first_attempt_at: START,
      attempts: [{ number: 1, status_code: 200, error: null }],
    });
  });

  it("sends nothing while another worker's lease on the attempt is live", async () => {
    // Prepare
    const { store, sender, hook, delivery, event, send } = setup();
    await record(store, delivery, event);
    await store.claimAttempt(delivery, 1, new Date(Date.parse(START) + ATTEMPT_LEASE_MS), new Date(START));

    // Act
    const sent = await send(delivery, 1, event, hook, { from: "open" }, () => succeeded);

    // Assess
    expect(sent.outcome).toBe("leased");
    expect(sender.sent).toEqual([]);
  });

  it("runs beforeRecord after the send and before the attempt is recorded", async () => {
    // Prepare
    const { store, hook, delivery, event, send } = setup();
    await record(store, delivery, event);
    let seenBeforeRecord: Delivery | undefined;

    // Act
    await send(
      delivery,
      1,
      event,
      hook,
      { from: "open" },
      () => succeeded,
      async () => {
        seenBeforeRecord = await store.getDelivery(hook.id, delivery.id);
      },
    );

    // Assess
    expect(seenBeforeRecord?.attempt_count).toBe(0);
    expect((await store.getDelivery(hook.id, delivery.id))?.attempt_count).toBe(1);
  });

  it("answers lease_lost and records nothing when another worker took the attempt during the send", async () => {
    // Prepare
    const { store, sender, hook, delivery, event, send } = setup();
    await record(store, delivery, event);
    sender.answer(hook.url, async () => {
      // The send outlived its lease: another worker claims the attempt meanwhile.
      const later = Date.parse(START) + ATTEMPT_LEASE_MS + 1;
      await store.claimAttempt(delivery, 1, new Date(later + ATTEMPT_LEASE_MS), new Date(later));
      return { status: 200 };
    });

    // Act
    const sent = await send(delivery, 1, event, hook, { from: "open" }, () => succeeded);

    // Assess
    expect(sent.outcome).toBe("lease_lost");
    expect(await store.getDelivery(hook.id, delivery.id)).toMatchObject({
      status: "pending",
      attempt_count: 0,
    });
  });
});
