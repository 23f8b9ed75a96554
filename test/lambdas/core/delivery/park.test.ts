import { describe, expect, it } from "vitest";
import { endpoint as fixtureEndpoint } from "../../../../bench/fixtures";
import type { MemoryDeliveryStore } from "../../../../bench/memory-ports";
import { attempts } from "../../../../lambdas/core/delivery/attempt";
import { endpointHealth } from "../../../../lambdas/core/delivery/endpoint-health";
import type { Delivery } from "../../../../lambdas/core/delivery/model";
import { firstUlidAt } from "../../../../lambdas/core/ulid";
import type { WebhookEndpoint } from "../../../../lambdas/core/webhook-endpoint";
import { memoryContext, openHealth, START, TENANT } from "./harness";

/**
 * Parking a due delivery when the breaker changed after the worker read it: parked when a walk
 * of the breaker reaches it, handed back to be sent when none will.
 */
function setup() {
  const { ctx, store, endpoints } = memoryContext();
  const openedAt = START;
  const parkedFrom = `msg_${firstUlidAt(Date.parse(START) - 60_000)}`;
  // What the worker read: the breaker open and parking.
  const read: WebhookEndpoint = {
    ...fixtureEndpoint(TENANT, 1, "https://receiver.example.com/hook"),
    health: openHealth(openedAt, { parked_from: parkedFrom }),
  };
  return { ctx, store, endpoints, read, parkedFrom, park: endpointHealth(ctx, attempts(ctx)).park };
}

async function dueRetry(store: MemoryDeliveryStore, webhookId: string, id: string): Promise<Delivery> {
  const delivery: Delivery = {
    id,
    tenant_id: TENANT,
    webhook_id: webhookId,
    event_id: `evt_${id}`,
    event_type: "crm.lead.created",
    status: "retrying",
    attempt_count: 1,
    next_attempt_at: START,
    first_attempt_at: START,
    created_at: START,
    updated_at: START,
    attempts: [],
  };
  await store.recordFanOut(
    {
      tenant_id: TENANT,
      id: delivery.event_id,
      type: delivery.event_type,
      created_at: START,
      data: {},
      deliveries: [],
    },
    [delivery],
    { idempotentUntil: new Date(Date.parse(START) + 60_000), leased: new Set(), leaseUntil: new Date(START) },
  );
  return delivery;
}

describe("park, after the breaker closed behind the worker's back", () => {
  it("parks a delivery at or after where the breaker's walks start: their last pass reaches it", async () => {
    // Prepare: the breaker closed (its drain walks from parked_from) after the worker read it open.
    const { store, endpoints, read, park } = setup();
    endpoints.add({ ...read, health: { ...read.health, state: "healthy", next_probe_at: null } });
    const recent = await dueRetry(store, read.id, `msg_${firstUlidAt(Date.parse(START))}`);

    // Act
    const parked = await park(recent, read);

    // Assess
    expect(parked).toBe("parked");
  });

  it("hands back an older delivery no walk of the breaker reaches, so the worker sends it", async () => {
    // Prepare
    const { store, endpoints, read, parkedFrom, park } = setup();
    endpoints.add({ ...read, health: { ...read.health, state: "healthy", next_probe_at: null } });
    const old = await dueRetry(store, read.id, `msg_${firstUlidAt(Date.parse(START) - 86_400_000)}`);

    // Act
    const parked = await park(old, read);

    // Assess
    expect(parked).toBe("breaker_closed");
    expect((await endpoints.get(TENANT, read.id))?.health.parked_from).toBe(parkedFrom);
  });
});
