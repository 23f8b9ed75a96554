import { createHmac } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ulid } from "../../lambdas/core/ulid";
import { recovery } from "../../lambdas/core/delivery/recovery";
import { deliveryLogStore, deliveryStore, eventPublisher, webhookStore } from "../../lambdas/wiring/clients";
import {
  awaitDelivery,
  createEndpoint,
  leadCreated,
  pendingDelivery,
  productionEventDelivery,
  runWorker,
  sendEvent,
} from "../support/delivery";
import { documentClient, newTenant, platform, type TestTenant } from "../support/platform";
import { type ReceivedRequest, receiverPool, startReceiver } from "../support/receiver";

/**
 * The operator controls (docs/api.md) end to end through the local run: POST .../test,
 * .../deliveries/{id}/retry, .../recover and .../rotate-secret, with real
 * receivers on 127.0.0.1 and the local queue, poller and scheduler.
 */
const receivers = receiverPool();
const receiver = receivers.start;
const endpoint = createEndpoint;
let tenant: TestTenant;

beforeEach(async () => {
  tenant = await newTenant("controls");
});

afterAll(() => receivers.closeAll());

const event = leadCreated;

/** A port nothing listens on: connections are refused. */
async function closedUrl(): Promise<string> {
  const r = await startReceiver();
  await r.close();
  return r.url;
}

describe("POST /v1/webhooks/{id}/test", () => {
  it("sends a signed webhook.test event now and answers the delivery with its attempt", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/test`);

    const res = await tenant.api("POST", `/v1/webhooks/${hook.id}/test`);

    expect(res.status, res.text).toBe(200);
    expect(res.json.data).toMatchObject({
      webhook_id: hook.id,
      event_type: "webhook.test",
      status: "succeeded",
      attempt_count: 1,
      attempts: [{ number: 1, status_code: 200, error: null, response_body: '{"ok":true}' }],
    });
    const [got] = r.requests;
    expect(r.requests).toHaveLength(1);
    expect(got?.json).toMatchObject({ type: "webhook.test", data: { webhook_id: hook.id } });
    expect(got?.headers["webhook-id"]).toBe(res.json.data.id);
    expect(got?.headers["x-webhook-attempt"]).toBe("1");
    expect(() =>
      new Webhook(hook.secret_token).verify(got?.raw ?? "", got?.headers as Record<string, string>),
    ).not.toThrow();
  });

  it("records a failed test without retrying it or disabling the endpoint", async () => {
    const hook = await endpoint(tenant, `${await closedUrl()}/closed`);

    const res = await tenant.api("POST", `/v1/webhooks/${hook.id}/test`);

    expect(res.json.data).toMatchObject({
      status: "failed",
      next_attempt_at: null,
      attempts: [{ number: 1, status_code: null, error: "connection_refused", response_body: "" }],
    });
    expect((await tenant.api("GET", `/v1/webhooks/${hook.id}`)).json.data.is_active).toBe(true);
  });

  it("sends to a disabled endpoint too, so it can be checked before re-enabling", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/off`, { is_active: false });

    const res = await tenant.api("POST", `/v1/webhooks/${hook.id}/test`);

    expect(res.json.data.status).toBe("succeeded");
    expect(r.requests).toHaveLength(1);
  });

  it("answers 404 for another tenant's endpoint and 400 to a body with fields", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/mine`);
    const stranger = await newTenant("controls-stranger");

    expect((await stranger.api("POST", `/v1/webhooks/${hook.id}/test`)).status).toBe(404);
    const bad = await tenant.api("POST", `/v1/webhooks/${hook.id}/test`, { body: { event: "x" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/unknown field\(s\): event/);
    expect(r.requests).toHaveLength(0);
  });
});

describe("POST /v1/webhooks/{id}/deliveries/{delivery_id}/retry", () => {
  it("resends a failed delivery now as a new attempt with the same webhook-id", async () => {
    const r = await receiver((_, n) => (n === 1 ? { status: 500 } : {}));
    const hook = await endpoint(tenant, `${r.url}/again`);
    const tested = (await tenant.api("POST", `/v1/webhooks/${hook.id}/test`)).json.data;
    expect(tested.status).toBe("failed");

    const res = await tenant.api("POST", `/v1/webhooks/${hook.id}/deliveries/${tested.id}/retry`);

    expect(res.status, res.text).toBe(200);
    expect(res.json.data).toMatchObject({
      id: tested.id,
      status: "succeeded",
      attempt_count: 2,
      attempts: [
        { number: 1, status_code: 500 },
        { number: 2, status_code: 200 },
      ],
    });
    expect(r.requests.map((q) => q.headers["webhook-id"])).toEqual([tested.id, tested.id]);
    expect(r.requests.map((q) => q.headers["x-webhook-attempt"])).toEqual(["1", "2"]);
    expect(r.requests[1]?.raw).toBe(r.requests[0]?.raw);
  });

  it("resends a succeeded delivery too", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/twice`);
    const tested = (await tenant.api("POST", `/v1/webhooks/${hook.id}/test`)).json.data;

    const res = await tenant.api("POST", `/v1/webhooks/${hook.id}/deliveries/${tested.id}/retry`);

    expect(res.json.data).toMatchObject({ status: "succeeded", attempt_count: 2 });
    expect(r.requests).toHaveLength(2);
  });

  it("makes a retrying delivery's next attempt early, and shows next_attempt_at only while retrying", async () => {
    // The first answer asks for a minute's pause, so the scheduled retry cannot fire during the test.
    const r = await receiver((_, n) =>
      n === 1 ? { status: 503, headers: { "retry-after": "60" } } : { status: 200 },
    );
    const hook = await endpoint(tenant, `${r.url}/early`);
    const sent = event(tenant);
    await runWorker(JSON.stringify(sent));
    const retrying = await awaitDelivery(tenant.tenantId, sent.id, hook.id, (d) => d.status === "retrying");
    const path = `/v1/webhooks/${hook.id}/deliveries/${retrying.id}`;

    const before = (await tenant.api("GET", path)).json.data;
    expect(before.status).toBe("retrying");
    expect(Date.parse(before.next_attempt_at) - Date.now()).toBeGreaterThan(50_000);

    const res = await tenant.api("POST", `${path}/retry`);

    expect(res.json.data).toMatchObject({ status: "succeeded", attempt_count: 2, next_attempt_at: null });
    expect(r.requests.map((q) => q.headers["x-webhook-attempt"])).toEqual(["1", "2"]);
  });

  it("stops resending a delivery after 25 attempts, the most one keeps", async () => {
    const r = await receiver(() => ({ status: 500 }));
    const hook = await endpoint(tenant, `${r.url}/stubborn`);
    const tested = (await tenant.api("POST", `/v1/webhooks/${hook.id}/test`)).json.data;
    const path = `/v1/webhooks/${hook.id}/deliveries/${tested.id}/retry`;
    for (let n = 2; n <= 25; n++) expect((await tenant.api("POST", path)).json.data.attempt_count).toBe(n);

    const refused = await tenant.api("POST", path);

    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toMatch(/25 times/);
    expect(r.requests).toHaveLength(25);
  });

  it("answers 409 to a delivery whose first attempt is still pending", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/pending`);
    // A fan-out recorded and not yet sent, as one handed to the slow lane is until its worker takes it.
    const pending = pendingDelivery({ tenant_id: tenant.tenantId, webhook_id: hook.id });
    const { id, event_type: type, created_at } = pending;
    const deliveries = [{ webhook_id: hook.id, delivery_id: id }];
    await deliveryStore().recordFanOut(
      { tenant_id: tenant.tenantId, id: pending.event_id, type, created_at, data: {}, deliveries },
      [pending],
      {
        idempotentUntil: new Date(Date.now() + 60_000),
        leased: new Set(),
        leaseUntil: new Date(Date.now() + 20_000),
      },
    );

    const res = await tenant.api("POST", `/v1/webhooks/${hook.id}/deliveries/${pending.id}/retry`);

    expect(res.status, res.text).toBe(409);
    expect(res.json.error.code).toBe("conflict");
    expect(r.requests).toHaveLength(0);
  });

  it("sends a test delivery left pending by a request that died, once its lease has ended", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/orphan`);
    const orphan = pendingDelivery({
      tenant_id: tenant.tenantId,
      webhook_id: hook.id,
      event_type: "webhook.test",
      // What POST .../test names its events: a delivery no queue message backs.
      event_id: `evt_test_${Date.now()}`,
    });
    const { id, event_type: type, created_at } = orphan;
    // As POST .../test writes it, and its attempt claims it; then the request died.
    await deliveryStore().recordFanOut(
      {
        tenant_id: tenant.tenantId,
        id: orphan.event_id,
        type,
        created_at,
        data: {},
        deliveries: [{ webhook_id: hook.id, delivery_id: id }],
      },
      [orphan],
      {
        idempotentUntil: new Date(Date.now() + 60_000),
        leased: new Set(),
        leaseUntil: new Date(Date.now() + 20_000),
      },
    );
    await deliveryStore().claimAttempt(orphan, 1, new Date(Date.now() + 20_000), new Date(), "any");
    const path = `/v1/webhooks/${hook.id}/deliveries/${id}/retry`;
    // While the test's own request could still be sending it: not yet.
    expect((await tenant.api("POST", path)).status).toBe(409);
    // As 20 s later: the lease has ended.
    await documentClient().send(
      new UpdateCommand({
        TableName: platform().TableName,
        Key: { pk: `WEBHOOK#${hook.id}`, sk: `DELIVERY#${id}` },
        UpdateExpression: "SET lease_until = :ended",
        ExpressionAttributeValues: { ":ended": Date.now() - 1 },
      }),
    );

    const res = await tenant.api("POST", path);

    expect(res.json.data).toMatchObject({ status: "succeeded", attempt_count: 1 });
    expect(r.requests).toHaveLength(1);
  });

  it("answers 404 for an unknown or foreign delivery and 400 to a body with fields", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/404`);
    const tested = (await tenant.api("POST", `/v1/webhooks/${hook.id}/test`)).json.data;
    const stranger = await newTenant("controls-stranger");
    const strangers = await endpoint(stranger, `${r.url}/stranger`);

    for (const [api, path] of [
      [tenant.api, `/v1/webhooks/${hook.id}/deliveries/msg_${ulid()}/retry`],
      [tenant.api, `/v1/webhooks/${hook.id}/deliveries/nope/retry`],
      [stranger.api, `/v1/webhooks/${hook.id}/deliveries/${tested.id}/retry`],
      [stranger.api, `/v1/webhooks/${strangers.id}/deliveries/${tested.id}/retry`],
    ] as const) {
      expect((await api("POST", path)).status, path).toBe(404);
    }
    const bad = await tenant.api("POST", `/v1/webhooks/${hook.id}/deliveries/${tested.id}/retry`, {
      body: { attempt: 3 },
    });
    expect(bad.status).toBe(400);
    expect(r.requests).toHaveLength(1);
  });
});

describe("POST /v1/webhooks/{id}/recover", () => {
  it("resends the failed and skipped deliveries since a time, through the queue, once re-enabled", async () => {
    let healthy = false;
    const r = await receiver(() => (healthy ? { status: 200 } : { status: 410 }));
    const hook = await endpoint(tenant, `${r.url}/recover`);
    // Before `since`: a failed test, which recover leaves alone.
    const older = (await tenant.api("POST", `/v1/webhooks/${hook.id}/test`)).json.data;
    await new Promise((tick) => setTimeout(tick, 5)); // `since` in a later millisecond than `older`
    const since = new Date().toISOString();
    const failing = event(tenant);
    await sendEvent(failing);
    const failed = await awaitDelivery(tenant.tenantId, failing.id, hook.id, (d) => d.status === "failed");
    expect((await tenant.api("GET", `/v1/webhooks/${hook.id}`)).json.data.disabled_reason).toBe("gone");
    const missed = event(tenant);
    await sendEvent(missed);
    const skipped = await awaitDelivery(tenant.tenantId, missed.id, hook.id, (d) => d.status === "skipped");

    const tooEarly = await tenant.api("POST", `/v1/webhooks/${hook.id}/recover`, { body: { since } });
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.json.error.message).toMatch(/re-enable/);

    healthy = true;
    await tenant.api("PUT", `/v1/webhooks/${hook.id}`, { body: { is_active: true } });
    const res = await tenant.api("POST", `/v1/webhooks/${hook.id}/recover`, { body: { since } });

    expect(res.status, res.text).toBe(202);
    expect(res.json.data).toEqual({ queued: 2, continuing: false });
    // The failed delivery's first attempt (410), then one resend of each.
    const ids = [failed.id, skipped.id];
    const got = await r.waitForRequests(3, (q) => ids.includes(String(q.headers["webhook-id"])));
    expect(
      got
        .slice(1)
        .map((q) => q.headers["webhook-id"])
        .sort(),
    ).toEqual([...ids].sort());
    const recovered = await awaitDelivery(
      tenant.tenantId,
      failing.id,
      hook.id,
      (d) => d.status === "succeeded",
    );
    expect(recovered.attempts.map((a) => a.status_code)).toEqual([410, 200]);
    const delivered = await awaitDelivery(
      tenant.tenantId,
      missed.id,
      hook.id,
      (d) => d.status === "succeeded",
    );
    expect(delivered.attempt_count).toBe(1);
    const untouched = (await tenant.api("GET", `/v1/webhooks/${hook.id}/deliveries/${older.id}`)).json.data;
    expect(untouched).toMatchObject({ status: "failed", attempt_count: 1 });

    // A copy of a resend (SQS delivers at least once) sends nothing more.
    const copy = {
      kind: "resend",
      tenant_id: tenant.tenantId,
      webhook_id: hook.id,
      delivery_id: failed.id,
      attempt: 2,
    };
    await runWorker(JSON.stringify(copy));
    expect(r.requests.filter((q) => q.headers["webhook-id"] === failed.id)).toHaveLength(2);

    // Nothing is left to recover.
    const again = await tenant.api("POST", `/v1/webhooks/${hook.id}/recover`, { body: { since } });
    expect(again.json.data).toEqual({ queued: 0, continuing: false });
  });

  it("goes on through the queue when the log is longer than one part", async () => {
    let healthy = false;
    const r = await receiver(() => ({ status: healthy ? 200 : 500 }));
    const hook = await endpoint(tenant, `${r.url}/long`);
    const since = new Date(Date.now() - 1000);
    const failed: string[] = [];
    for (let i = 0; i < 5; i++)
      failed.push((await tenant.api("POST", `/v1/webhooks/${hook.id}/test`)).json.data.id);
    healthy = true;
    // Parts of one page of two deliveries; the worker's parts (the production size) do the rest.
    const small = recovery({
      deliveries: deliveryLogStore(),
      queue: eventPublisher(),
      pagesPerPart: 1,
      pageSize: 2,
    });

    const part = await small.queuePart({ tenantId: tenant.tenantId, webhookId: hook.id, since });

    expect(part).toEqual({ queued: 2, continuing: true });
    const resent = await r.waitForRequests(10, () => true, 20_000);
    expect(
      resent
        .slice(5)
        .map((q) => q.headers["webhook-id"])
        .sort(),
    ).toEqual([...failed].sort());
    const log = await tenant.api("GET", `/v1/webhooks/${hook.id}/deliveries?status=succeeded`);
    expect(log.json.data).toHaveLength(5);
  });

  it.each([
    ["since in the future", { since: new Date(Date.now() + 3_600_000).toISOString() }, /future/],
    ["an unparseable since", { since: "yesterday" }, /ISO 8601/],
    ["no since", {}, /since/],
    ["an unknown field", { since: "2026-01-01T00:00:00Z", status: "failed" }, /unknown field/],
  ])("answers 400 to %s", async (_, body, message) => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/bad`);

    const res = await tenant.api("POST", `/v1/webhooks/${hook.id}/recover`, { body });

    expect(res.status, res.text).toBe(400);
    expect(res.json.error.message).toMatch(message);
  });

  it("takes a since before 1970 as the whole log", async () => {
    const r = await receiver((_, n) => ({ status: n === 1 ? 500 : 200 }));
    const hook = await endpoint(tenant, `${r.url}/ancient`);
    await tenant.api("POST", `/v1/webhooks/${hook.id}/test`);

    const res = await tenant.api("POST", `/v1/webhooks/${hook.id}/recover`, {
      body: { since: "1969-07-20T20:17:00Z" },
    });

    expect(res.json.data).toEqual({ queued: 1, continuing: false });
    await r.waitForRequests(2);
  });

  it("answers 404 for another tenant's endpoint", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/theirs`);
    const stranger = await newTenant("controls-stranger");
    const res = await stranger.api("POST", `/v1/webhooks/${hook.id}/recover`, {
      body: { since: "2026-01-01T00:00:00Z" },
    });
    expect(res.status).toBe(404);
  });
});

describe("POST /v1/webhooks/{id}/rotate-secret", () => {
  const verifies = (secret: string, q: ReceivedRequest | undefined) => {
    try {
      new Webhook(secret).verify(q?.raw ?? "", q?.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  };

  it("answers the new secret once, and signs with both secrets during the overlap", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/rotate`);

    const res = await tenant.api("POST", `/v1/webhooks/${hook.id}/rotate-secret`);

    expect(res.status, res.text).toBe(200);
    const rotated = res.json.data;
    expect(rotated).toMatchObject({ id: hook.id, secret_token: expect.stringMatching(/^whsec_/) });
    expect(rotated.secret_token).not.toBe(hook.secret_token);
    const shown = (await tenant.api("GET", `/v1/webhooks/${hook.id}`)).text;
    expect(shown).not.toContain("secret");

    await tenant.api("POST", `/v1/webhooks/${hook.id}/test`);
    const [got] = r.requests;
    expect(String(got?.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(verifies(rotated.secret_token, got)).toBe(true);
    expect(verifies(hook.secret_token, got)).toBe(true);
    expect(got?.headers["x-webhook-signature"]).toBe(
      createHmac("sha256", rotated.secret_token)
        .update(got?.raw ?? "")
        .digest("hex"),
    );
  });

  it("signs with the new secret alone once 24 h have passed (a clock moved forward)", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/later`);
    const rotated = (await tenant.api("POST", `/v1/webhooks/${hook.id}/rotate-secret`)).json.data;
    const stored = await webhookStore().get(tenant.tenantId, hook.id);
    if (!stored) throw new Error("the endpoint is not stored");
    // The production delivery code and adapters, with the clock a day and a minute ahead.
    const tomorrow = productionEventDelivery({
      clock: () => new Date(Date.now() + 24 * 3_600_000 + 60_000),
    });

    const sent = await tomorrow.sendTest(stored);

    expect(sent.status).toBe("succeeded");
    const [got] = r.requests;
    const timestamp = new Date(Number(got?.headers["webhook-timestamp"]) * 1000);
    expect(got?.headers["webhook-signature"]).toBe(
      new Webhook(rotated.secret_token).sign(sent.id, timestamp, got?.raw ?? ""),
    );
    expect(got?.headers["webhook-signature"]).not.toContain(
      new Webhook(hook.secret_token).sign(sent.id, timestamp, got?.raw ?? ""),
    );
  });

  it("keeps only the latest two secrets when rotated twice", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/twice`);
    const second = (await tenant.api("POST", `/v1/webhooks/${hook.id}/rotate-secret`)).json.data;
    const third = (await tenant.api("POST", `/v1/webhooks/${hook.id}/rotate-secret`)).json.data;

    await tenant.api("POST", `/v1/webhooks/${hook.id}/test`);

    const [got] = r.requests;
    expect(verifies(third.secret_token, got)).toBe(true);
    expect(verifies(second.secret_token, got)).toBe(true);
    expect(verifies(hook.secret_token, got)).toBe(false);
  });

  it("answers 404 for another tenant's endpoint and 400 to a body with fields", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/secret`);
    const stranger = await newTenant("controls-stranger");

    expect((await stranger.api("POST", `/v1/webhooks/${hook.id}/rotate-secret`)).status).toBe(404);
    const bad = await tenant.api("POST", `/v1/webhooks/${hook.id}/rotate-secret`, {
      body: { secret_token: "whsec_mine" },
    });
    expect(bad.status).toBe(400);
  });
});
