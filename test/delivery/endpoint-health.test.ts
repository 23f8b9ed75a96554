import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { HttpWebhookSender } from "../../lambdas/adapters/http-webhook-sender";
import type { Delivery } from "../../lambdas/core/delivery/model";
import type { DrainMessage, SlowLaneMessage } from "../../lambdas/core/queue-message";
import { parseRetrySchedule } from "../../lambdas/core/retry-schedule";
import { firstUlidAt } from "../../lambdas/core/ulid";
import type { WebhookSender } from "../../lambdas/core/webhook-sender";
import { endpointHealthStore, webhookStore } from "../../lambdas/wiring/clients";
import { waitFor } from "../../local/wait-for";
import {
  createEndpoint,
  deliveriesOf,
  leadCreated,
  productionEventDelivery,
  runWorker,
  sendEvent,
} from "../support/delivery";
import { newTenant, type TestTenant } from "../support/platform";
import { type ReceivedRequest, receiverPool } from "../support/receiver";

/**
 * Endpoint health end to end (docs/delivery.md), on the local platform with the test schedule
 * 0s,1s,...,6s and the default breaker threshold of 10: the slow lane, the circuit
 * breaker that parks, probes and drains, and the disable after its last probe.
 */
const receivers = receiverPool();
let tenant: TestTenant;

beforeEach(async () => {
  tenant = await newTenant("health");
});

afterAll(() => receivers.closeAll());

async function healthOf(t: TestTenant, webhookId: string) {
  const res = await t.api("GET", `/v1/webhooks/${webhookId}`);
  return res.json.data as {
    is_active: boolean;
    disabled_reason: string | null;
    health: Record<string, unknown>;
  };
}

async function awaitHealth(t: TestTenant, webhookId: string, state: string, timeoutMs = 20_000) {
  const reached = await waitFor(async () => (await healthOf(t, webhookId)).health.state === state, {
    timeoutMs,
    intervalMs: 100,
  });
  if (!reached)
    throw new Error(`endpoint never became ${state}: ${JSON.stringify(await healthOf(t, webhookId))}`);
}

/** The deliveries of these events, once every one satisfies `done`. */
async function awaitAll(
  events: readonly { id: string }[],
  done: (d: Delivery) => boolean,
  timeoutMs = 30_000,
) {
  let last: Delivery[] = [];
  const ok = await waitFor(
    async () => {
      last = (await Promise.all(events.map((e) => deliveriesOf(tenant.tenantId, e.id)))).flat();
      return last.length === events.length && last.every(done);
    },
    { timeoutMs, intervalMs: 200 },
  );
  if (!ok) throw new Error(`deliveries never settled: ${JSON.stringify(last.map((d) => [d.id, d.status]))}`);
  return last;
}

/** The webhook-ids a receiver answered with a 2xx, from the log of what it answered. */
const succeededIds = (answered: readonly { request: ReceivedRequest; status: number }[]) =>
  answered.filter((a) => a.status < 300).map((a) => String(a.request.headers["webhook-id"]));

/** A receiver whose answer the test switches, recording what it answered to each request. */
async function switchableReceiver(initial: number) {
  let status = initial;
  const answered: { request: ReceivedRequest; status: number }[] = [];
  const r = await receivers.start((request) => {
    answered.push({ request, status });
    return { status };
  });
  return { r, answered, answer: (next: number) => (status = next) };
}

async function openBreaker(t: TestTenant, webhookId: string) {
  // Ten events that each fail their first attempt: the tenth consecutive failure opens the breaker.
  for (let i = 0; i < 10; i++) await sendEvent(leadCreated(t));
  await awaitHealth(t, webhookId, "open");
}

describe("health in the API", () => {
  it("shows every endpoint healthy to begin with, and refuses to let a tenant write it", async () => {
    const r = await receivers.start();
    const created = await tenant.api("POST", "/v1/webhooks", {
      body: { name: "Health", url: `${r.url}/h`, events: ["crm.lead.created"], verify: false },
    });
    const id = created.json.data.id as string;
    const listed = await tenant.api("GET", "/v1/webhooks");
    const written = await tenant.api("PUT", `/v1/webhooks/${id}`, { body: { health: { state: "open" } } });

    const fresh = { state: "healthy", since: null, consecutive_failures: 0, next_probe_at: null };
    expect(created.json.data.health).toEqual(fresh);
    expect(listed.json.data[0].health).toEqual(fresh);
    expect(written.status).toBe(400);
    expect(written.json.error.code).toBe("validation_error");
    expect((await healthOf(tenant, id)).health).toEqual(fresh);
  });
});

describe("the slow lane", () => {
  it("sends a hanging endpoint's deliveries from the slow lane, while its tenant's and other tenants' healthy endpoints are delivered", async () => {
    const hanging = await receivers.start(() => ({ delayMs: 3_600 }));
    const healthy = await receivers.start();
    const otherTenant = await newTenant("health-other");
    const hangs = await createEndpoint(tenant, `${hanging.url}/hangs`);
    const fine = await createEndpoint(tenant, `${healthy.url}/fine`);
    await createEndpoint(otherTenant, `${healthy.url}/other`);
    // Its first timeout moves the endpoint to the slow lane.
    await sendEvent(leadCreated(tenant));
    await awaitHealth(tenant, hangs.id, "slow");

    const next = leadCreated(tenant);
    await sendEvent(next);
    await sendEvent(leadCreated(otherTenant));
    const toHook = async (webhookId: string) =>
      (await deliveriesOf(tenant.tenantId, next.id)).find((d) => d.webhook_id === webhookId);
    await healthy.waitForRequests(1, (q) => q.path === "/other");
    await waitFor(async () => (await toHook(fine.id))?.status === "succeeded", { timeoutMs: 10_000 });

    // Both healthy endpoints have their deliveries while the slow one's attempt still hangs.
    expect(await toHook(hangs.id)).toMatchObject({ status: "pending", attempt_count: 0 });
    await waitFor(async () => (await toHook(hangs.id))?.attempt_count === 1, { timeoutMs: 15_000 });
    expect((await toHook(hangs.id))?.attempts[0]?.error).toBe("timeout");
    expect((await healthOf(tenant, hangs.id)).health.state).toBe("slow");
  });

  it("puts an endpoint back in the main lane once it answers fast", async () => {
    let delayMs = 3_600;
    const r = await receivers.start(() => ({ delayMs }));
    const hook = await createEndpoint(tenant, `${r.url}/recovers`);
    await sendEvent(leadCreated(tenant));
    await awaitHealth(tenant, hook.id, "slow");

    delayMs = 0;
    await sendEvent(leadCreated(tenant));

    await awaitHealth(tenant, hook.id, "healthy");
    expect((await healthOf(tenant, hook.id)).health).toMatchObject({ consecutive_failures: 0 });
  });
});

describe("the circuit breaker", () => {
  it("opens after the threshold, parks without HTTP attempts, and drains every parked delivery once after a probe succeeds", async () => {
    const { r, answered, answer } = await switchableReceiver(500);
    const hook = await createEndpoint(tenant, `${r.url}/outage`);
    const before = leadCreated(tenant);
    await sendEvent(before);
    await openBreaker(tenant, hook.id);

    const during = Array.from({ length: 20 }, () => leadCreated(tenant));
    const requestsAtOpen = r.requests.length;
    for (const e of during) await sendEvent(e);
    const parked = await awaitAll(during, (d) => d.status === "parked" || d.status === "retrying");
    const listed = await tenant.api("GET", `/v1/webhooks/${hook.id}/deliveries?status=parked&limit=100`);
    // While open, only probes reach the endpoint: at most one per step of the schedule.
    const attemptsWhileOpen = r.requests.length - requestsAtOpen;

    expect(parked.filter((d) => d.status === "parked").length).toBeGreaterThanOrEqual(15);
    expect(listed.status).toBe(200);
    expect(listed.json.data.length).toBeGreaterThanOrEqual(15);
    expect(listed.json.data.every((d: Delivery) => d.status === "parked" && d.next_attempt_at !== null)).toBe(
      true,
    );
    expect(attemptsWhileOpen).toBeLessThanOrEqual(7);

    answer(200);
    const delivered = await awaitAll([before, ...during], (d) => d.status === "succeeded", 40_000);

    // Every delivery answered 2xx exactly once: none lost, none sent twice after it succeeded.
    const ids = succeededIds(answered);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(delivered.map((d) => d.id))).toEqual(
      new Set(ids.filter((id) => delivered.some((d) => d.id === id))),
    );
    expect(delivered.every((d) => ids.includes(d.id))).toBe(true);
    await awaitHealth(tenant, hook.id, "healthy");
  });

  it("disables the endpoint after its seventh failed probe, skips what it parked, and recover resends it after re-enabling", async () => {
    const { r, answered, answer } = await switchableReceiver(500);
    const watcher = await receivers.start();
    await createEndpoint(tenant, `${watcher.url}/watch`, { events: ["webhook.disabled"] });
    const hook = await createEndpoint(tenant, `${r.url}/dead`);
    const since = new Date().toISOString();
    await openBreaker(tenant, hook.id);
    const during = Array.from({ length: 5 }, () => leadCreated(tenant));
    for (const e of during) await sendEvent(e);

    const disabled = await waitFor(async () => !(await healthOf(tenant, hook.id)).is_active, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(disabled).toBe(true);
    expect((await healthOf(tenant, hook.id)).disabled_reason).toBe("delivery_failed");
    const skipped = await awaitAll(during, (d) => d.status === "skipped");
    expect(skipped).toHaveLength(5);
    const [notice] = await watcher.waitForRequests(1, (q) => q.json?.type === "webhook.disabled");
    expect(notice?.json.data).toMatchObject({ webhook_id: hook.id, disabled_reason: "delivery_failed" });

    answer(200);
    expect((await tenant.api("PUT", `/v1/webhooks/${hook.id}`, { body: { is_active: true } })).status).toBe(
      200,
    );
    expect((await healthOf(tenant, hook.id)).health).toMatchObject({
      state: "healthy",
      consecutive_failures: 0,
    });
    const recovered = await tenant.api("POST", `/v1/webhooks/${hook.id}/recover`, { body: { since } });
    expect(recovered.status, recovered.text).toBe(202);

    const resent = await awaitAll(during, (d) => d.status === "succeeded");
    const ids = succeededIds(answered);
    expect(resent.every((d) => ids.filter((id) => id === d.id).length === 1)).toBe(true);
  });

  it("counts every failure of concurrent workers sending to one endpoint", async () => {
    const r = await receivers.start(() => ({ status: 500 }));
    const hook = await createEndpoint(tenant, `${r.url}/busy`);
    // Retries an hour out, so that only these first attempts fail while the test looks.
    const workers = Array.from({ length: 8 }, () =>
      productionEventDelivery({ schedule: parseRetrySchedule("0s,1h") }),
    );

    await Promise.all(workers.map((w) => w.handleMessage(JSON.stringify(leadCreated(tenant)), randomUUID())));

    expect(r.requests).toHaveLength(8);
    expect((await healthOf(tenant, hook.id)).health).toMatchObject({
      state: "healthy",
      consecutive_failures: 8,
    });
  });

  it("counts every failure recorded at once against one endpoint", async () => {
    const r = await receivers.start();
    const hook = await createEndpoint(tenant, `${r.url}/counted`);
    const endpoint = await webhookStore().get(tenant.tenantId, hook.id);
    if (!endpoint) throw new Error("the endpoint is stored");

    // Each worker read the endpoint with no failures; each adds its own.
    await Promise.all(
      Array.from({ length: 25 }, () =>
        endpointHealthStore().recordFailure(endpoint, new Date().toISOString()),
      ),
    );

    expect((await healthOf(tenant, hook.id)).health).toMatchObject({ consecutive_failures: 25 });
  });
});

describe("a drain", () => {
  it("resumes after its worker dies mid-part, and sends every parked delivery exactly once", async () => {
    const r = await receivers.start();
    const hook = await createEndpoint(tenant, `${r.url}/drained`);
    const store = webhookStore();
    const openedAt = new Date().toISOString();
    const opened = await store.get(tenant.tenantId, hook.id);
    if (!opened) throw new Error("the endpoint is stored");
    // A breaker opened with its first probe an hour away, so nothing but this test moves its deliveries.
    await endpointHealthStore().openBreaker(opened, {
      openedAt,
      nextProbeAt: new Date(Date.now() + 3_600_000).toISOString(),
      parkedFrom: `msg_${firstUlidAt(Date.now() - 60_000)}`,
    });
    const events = Array.from({ length: 12 }, () => leadCreated(tenant));
    await runWorker(...events.map((e) => JSON.stringify(e)));
    await awaitAll(events, (d) => d.status === "parked");
    const open = await store.get(tenant.tenantId, hook.id);
    if (!open) throw new Error("the endpoint is stored");
    const closed = await endpointHealthStore().closeBreaker(open, openedAt, {
      state: "healthy",
      at: new Date().toISOString(),
      consecutiveFailures: 0,
    });
    const drain: DrainMessage = {
      kind: "drain",
      tenant_id: tenant.tenantId,
      webhook_id: hook.id,
      mode: "send",
      from: closed?.parked_from ?? "",
    };

    // The first worker sends two, then dies: everything it starts after that fails.
    const real = new HttpWebhookSender({ allowPrivateAddresses: true });
    let sends = 0;
    const dying: WebhookSender = {
      async send(request) {
        if (++sends > 2) throw new Error("the worker was killed");
        return real.send(request);
      },
    };
    const queued: SlowLaneMessage[] = [];
    const slowLane = { send: async (m: SlowLaneMessage) => void queued.push(m) };
    await expect(
      productionEventDelivery({ sender: dying, lane: "slow", slowLane }).handleMessage(
        JSON.stringify(drain),
        randomUUID(),
      ),
    ).rejects.toThrow("killed");
    await awaitAll(events, (d) => d.status === "parked" || d.status === "succeeded");
    // The message comes back once the dead worker's leases have lapsed.
    const later = productionEventDelivery({
      lane: "slow",
      slowLane,
      clock: () => new Date(Date.now() + 30_000),
    });
    for (let message: SlowLaneMessage | undefined = drain; message; message = queued.shift()) {
      expect(await later.handleMessage(JSON.stringify(message), randomUUID())).toBe("done");
    }

    const delivered = await awaitAll(events, (d) => d.status === "succeeded");
    const ids = r.requests.map((q) => String(q.headers["webhook-id"]));
    expect(ids).toHaveLength(12);
    expect(new Set(ids)).toEqual(new Set(delivered.map((d) => d.id)));
    expect((await store.get(tenant.tenantId, hook.id))?.health.parked_from).toBeNull();
    await real.close();
  });
});
