import { describe, expect, it } from "vitest";
import type { Delivery, StoredEvent } from "../../../lambdas/core/delivery/model";
import { firstUlidAt } from "../../../lambdas/core/ulid";
import type { WebhookEndpoint } from "../../../lambdas/core/webhook-endpoint";
import { endpointHealthStore, webhookStore } from "../../../lambdas/wiring/clients";
import { createEndpoint, deliveryStore, leaseAll, pendingDelivery } from "../../support/delivery";
import { newTenant, type TestTenant } from "../../support/platform";

/**
 * Endpoint health and parking in DynamoDB Local (docs/delivery.md): the health item beside the endpoint,
 * the breaker's conditional moves, and parking that holds only while the breaker parks.
 */
const hour = () => new Date(Date.now() + 3_600_000).toISOString();

async function storedEndpoint(t: TestTenant, id: string): Promise<WebhookEndpoint> {
  const endpoint = await webhookStore().get(t.tenantId, id);
  if (!endpoint) throw new Error("the endpoint is stored");
  return endpoint;
}

/** The open breaker a test acts on, as a worker would name it. */
interface BreakerGuard {
  readonly tenant_id: string;
  readonly webhook_id: string;
  readonly opened_at: string;
}

async function openEndpoint(): Promise<{
  tenant: TestTenant;
  endpoint: WebhookEndpoint;
  guard: BreakerGuard;
}> {
  const tenant = await newTenant("health-store");
  const hook = await createEndpoint(tenant, "http://127.0.0.1:9/never", { verify: false });
  const openedAt = new Date().toISOString();
  const opened = await endpointHealthStore().openBreaker(await storedEndpoint(tenant, hook.id), {
    openedAt,
    nextProbeAt: hour(),
    parkedFrom: `msg_${firstUlidAt(Date.now() - 60_000)}`,
  });
  if (!opened) throw new Error("the breaker opens");
  const endpoint = await storedEndpoint(tenant, hook.id);
  return {
    tenant,
    endpoint,
    guard: { tenant_id: tenant.tenantId, webhook_id: hook.id, opened_at: openedAt },
  };
}

function eventFor(delivery: Delivery): StoredEvent {
  return {
    tenant_id: delivery.tenant_id,
    id: delivery.event_id,
    type: delivery.event_type,
    created_at: delivery.created_at,
    data: {},
    deliveries: [{ webhook_id: delivery.webhook_id, delivery_id: delivery.id }],
  };
}

describe("DynamoDbEndpointHealthStore, with the webhook store that reads it", () => {
  it("opens a breaker once however many workers try at the same time", async () => {
    const tenant = await newTenant("health-store");
    const hook = await createEndpoint(tenant, "http://127.0.0.1:9/never", { verify: false });
    const endpoint = await storedEndpoint(tenant, hook.id);

    const opened = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        endpointHealthStore().openBreaker(endpoint, {
          openedAt: new Date(Date.now() + i).toISOString(),
          nextProbeAt: hour(),
          parkedFrom: "msg_0",
        }),
      ),
    );

    expect(opened.filter(Boolean)).toHaveLength(1);
    expect((await storedEndpoint(tenant, hook.id)).health.state).toBe("open");
  });

  it("keeps health through a tenant's update, and through a re-enable while its breaker still probes", async () => {
    const { tenant, endpoint } = await openEndpoint();

    await tenant.api("PUT", `/v1/webhooks/${endpoint.id}`, { body: { description: "still open" } });
    const afterUpdate = await storedEndpoint(tenant, endpoint.id);
    await tenant.api("PUT", `/v1/webhooks/${endpoint.id}`, { body: { is_active: false } });
    await tenant.api("PUT", `/v1/webhooks/${endpoint.id}`, { body: { is_active: true } });
    const afterReenable = await storedEndpoint(tenant, endpoint.id);

    expect(afterUpdate.description).toBe("still open");
    expect(afterUpdate.health).toEqual(endpoint.health);
    // Its probes go on and find what it parked: re-enabling proves nothing about the receiver.
    expect(afterReenable.health).toEqual(endpoint.health);
  });

  it("resets the health of an endpoint its breaker gave up on when it is re-enabled, keeping where its parked ones start", async () => {
    const { tenant, endpoint, guard } = await openEndpoint();
    await endpointHealthStore().recordFailedProbe(endpoint, guard.opened_at, 1, null);
    await webhookStore().disable(tenant.tenantId, endpoint.id, "delivery_failed", new Date().toISOString());

    const res = await tenant.api("PUT", `/v1/webhooks/${endpoint.id}`, { body: { is_active: true } });

    expect(res.json.data.health).toEqual({
      state: "healthy",
      since: null,
      consecutive_failures: 0,
      next_probe_at: null,
    });
    // A walk of that breaker's parked deliveries (or its probe, back after a crash) still finds them.
    expect((await storedEndpoint(tenant, endpoint.id)).health).toMatchObject({
      state: "healthy",
      probes: 0,
      opened_at: guard.opened_at,
      parked_from: endpoint.health.parked_from,
    });
  });

  it("moves a breaker only when it is the one the caller names", async () => {
    const { tenant, endpoint, guard } = await openEndpoint();
    const store = endpointHealthStore();

    const wrongProbe = await store.recordFailedProbe(endpoint, guard.opened_at, 2, hour());
    const otherBreaker = await store.closeBreaker(endpoint, "2020-01-01T00:00:00.000Z", {
      state: "healthy",
      at: new Date().toISOString(),
      consecutiveFailures: 0,
    });
    const firstProbe = await store.recordFailedProbe(endpoint, guard.opened_at, 1, hour());
    const closed = await store.closeBreaker(endpoint, guard.opened_at, {
      state: "healthy",
      at: new Date().toISOString(),
      consecutiveFailures: 0,
    });

    expect(wrongProbe).toBeUndefined();
    expect(otherBreaker).toBeUndefined();
    expect(firstProbe).toMatchObject({ state: "open", probes: 1 });
    expect(closed).toMatchObject({
      state: "healthy",
      probes: 0,
      next_probe_at: null,
      opened_at: guard.opened_at,
    });
    expect((await storedEndpoint(tenant, endpoint.id)).health.state).toBe("healthy");
  });

  it("deletes an endpoint's health with it", async () => {
    const { tenant, endpoint } = await openEndpoint();

    expect((await tenant.api("DELETE", `/v1/webhooks/${endpoint.id}`)).status).toBe(200);

    expect(await webhookStore().get(tenant.tenantId, endpoint.id)).toBeUndefined();
    expect(await webhookStore().list(tenant.tenantId)).toEqual([]);
  });
});

describe("DynamoDbDeliveryStore parking", () => {
  it("parks a due delivery while the breaker parks, and lists the parked ones oldest first", async () => {
    const { endpoint, guard } = await openEndpoint();
    const store = deliveryStore();
    const due = Array.from({ length: 3 }, () =>
      pendingDelivery({
        tenant_id: guard.tenant_id,
        webhook_id: endpoint.id,
        status: "retrying",
        attempt_count: 1,
      }),
    );
    for (const d of due)
      await store.recordFanOut(eventFor(d), [d], leaseAll([], new Date(Date.now() + 60_000), new Date()));
    const park = { nextAttemptAt: hour(), updatedAt: new Date().toISOString(), now: new Date() };

    const results = await Promise.all([...due].reverse().map((d) => store.park(d, park)));
    const page = await store.listParked(endpoint.id, endpoint.health.parked_from ?? "", 2);

    expect(results).toEqual(["parked", "parked", "parked"]);
    const oldestFirst = due.map((d) => d.id).sort();
    expect(page.items.map((d) => d.id)).toEqual(oldestFirst.slice(0, 2));
    expect(page.next).toBe(oldestFirst[2]);
    expect(page.items[0]).toMatchObject({ status: "parked", next_attempt_at: park.nextAttemptAt });
  });

  it("moves the breaker's start back for a delivery older than it, so a drain finds it", async () => {
    const { tenant, endpoint, guard } = await openEndpoint();
    const store = deliveryStore();
    const old = pendingDelivery({
      // Made a day ago: a retry that was due before the breaker opened.
      id: `msg_${firstUlidAt(Date.now() - 86_400_000)}`,
      tenant_id: guard.tenant_id,
      webhook_id: endpoint.id,
      status: "retrying",
      attempt_count: 3,
    });
    await store.recordFanOut(eventFor(old), [old], leaseAll([], new Date(Date.now() + 60_000), new Date()));

    const parked = await store.park(old, {
      nextAttemptAt: hour(),
      updatedAt: new Date().toISOString(),
      now: new Date(),
    });
    const moved = await endpointHealthStore().moveParkedFromBack(endpoint, guard.opened_at, old.id);
    const again = await endpointHealthStore().moveParkedFromBack(endpoint, guard.opened_at, old.id);

    expect(parked).toBe("parked");
    expect(moved).toBe(true);
    expect(again).toBe(false);
    expect((await storedEndpoint(tenant, endpoint.id)).health.parked_from).toBe(old.id);
  });

  it("does not move the start back once the breaker closed", async () => {
    const { tenant, endpoint, guard } = await openEndpoint();
    await endpointHealthStore().closeBreaker(endpoint, guard.opened_at, {
      state: "healthy",
      at: new Date().toISOString(),
      consecutiveFailures: 0,
    });
    const old = `msg_${firstUlidAt(Date.now() - 86_400_000)}`;

    const moved = await endpointHealthStore().moveParkedFromBack(endpoint, guard.opened_at, old);

    expect(moved).toBe(false);
    expect((await storedEndpoint(tenant, endpoint.id)).health.parked_from).toBe(endpoint.health.parked_from);
  });

  it("does not park a delivery another worker holds a live lease on", async () => {
    const { endpoint, guard } = await openEndpoint();
    const store = deliveryStore();
    const due = pendingDelivery({ tenant_id: guard.tenant_id, webhook_id: endpoint.id });
    await store.recordFanOut(eventFor(due), [due], leaseAll([], new Date(Date.now() + 60_000), new Date()));
    await store.claimAttempt(due, 1, new Date(Date.now() + 60_000), new Date());

    const parked = await store.park(due, {
      nextAttemptAt: hour(),
      updatedAt: new Date().toISOString(),
      now: new Date(),
    });

    expect(parked).toBe("moved_on");
    expect((await store.getDelivery(endpoint.id, due.id))?.status).toBe("pending");
  });
});
