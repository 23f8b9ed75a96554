import { createHmac, randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_RETRY_SCHEDULE } from "../global-setup";
import {
  awaitDelivery,
  createEndpoint,
  deadLettersWith,
  deliveriesOf,
  deliveriesTo,
  leadCreated,
  runWorker,
  sendEvent,
} from "../support/delivery";
import { newTenant, type TestTenant } from "../support/platform";
import { type Receiver, receiverPool, startReceiver } from "../support/receiver";

/**
 * Delivery end to end (docs/events.md, docs/delivery.md): events go on the local SQS queue (or POST
 * /v1/events), the local event-source poller runs the delivery handler, real
 * receivers on 127.0.0.1 answer, retries go through the local Scheduler API.
 * The test schedule is 0s,1s,2s,...,6s.
 */
const receivers = receiverPool();
const receiver = receivers.start;
const endpoint = createEndpoint;
let tenant: TestTenant;

// A tenant per test, so an event fans out only to the endpoints that test made.
beforeEach(async () => {
  tenant = await newTenant("delivery");
});

afterAll(() => receivers.closeAll());

const event = leadCreated;

describe("what a receiver gets", () => {
  it("gets one POST with the event body, both signatures and the headers", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/in`, { headers: { "X-Tenant-Ref": "r-1" } });
    const sent = event(tenant);

    await sendEvent(sent);
    const [got] = await r.waitForRequests(1);

    expect(got?.raw).toBe(
      JSON.stringify({ id: sent.id, type: sent.type, created_at: sent.occurred_at, data: sent.data }),
    );
    const headers = got?.headers as Record<string, string>;
    expect(() => new Webhook(hook.secret_token).verify(got?.raw ?? "", headers)).not.toThrow();
    expect(headers["x-webhook-signature"]).toBe(
      createHmac("sha256", hook.secret_token)
        .update(got?.raw ?? "")
        .digest("hex"),
    );
    expect(headers).toMatchObject({
      "content-type": "application/json",
      "x-webhook-event": "crm.lead.created",
      "x-webhook-attempt": "1",
      "x-tenant-ref": "r-1",
    });
    expect(headers["user-agent"]).toMatch(/^hookline\/\d/);
    expect(headers["webhook-id"]).toMatch(/^msg_[0-9A-Z]{26}$/);
  });

  it("passes data through the endpoint's field_mapping", async () => {
    const r = await receiver();
    await endpoint(tenant, `${r.url}/mapped`, { field_mapping: { email: "lead.email", points: "score" } });

    await sendEvent(event(tenant));
    const [got] = await r.waitForRequests(1);

    expect(got?.json.data).toEqual({ email: "lead@example.com", points: 42 });
  });

  it("delivers an event posted to /v1/events with the key's tenant", async () => {
    const r = await receiver();
    await endpoint(tenant, `${r.url}/http`);
    const { tenant_id: _omitted, ...body } = event(tenant);

    const res = await tenant.api("POST", "/v1/events", { body });

    expect(res.status).toBe(202);
    expect(res.json.data).toEqual({ id: body.id, type: body.type, tenant_id: tenant.tenantId });
    const [got] = await r.waitForRequests(1);
    expect(got?.json.id).toBe(body.id);
  });

  it("refuses /v1/events for another tenant (403), an unknown type and oversized data (4xx)", async () => {
    const other = await tenant.api("POST", "/v1/events", {
      body: { ...event(tenant), tenant_id: "someone-else" },
    });
    const unknown = await tenant.api("POST", "/v1/events", { body: { type: "crm.lead.exploded", data: {} } });
    const platformType = await tenant.api("POST", "/v1/events", {
      body: { type: "webhook.disabled", data: {} },
    });
    const huge = await tenant.api("POST", "/v1/events", {
      body: { type: "crm.lead.created", data: { blob: "x".repeat(262_200) } },
    });

    expect([other.status, other.json.error.code]).toEqual([403, "forbidden"]);
    expect([unknown.status, unknown.json.error.code]).toEqual([400, "validation_error"]);
    expect([platformType.status, platformType.json.error.code]).toEqual([400, "validation_error"]);
    expect([huge.status, huge.json.error.code]).toEqual([400, "validation_error"]);
  });
});

describe("fan-out", () => {
  it("sends to every active endpoint whose events match, records the disabled one as skipped", async () => {
    const t = await newTenant("fanout");
    const [exact, prefix, all, other, inactive] = await Promise.all([1, 2, 3, 4, 5].map(() => receiver()));
    const hooks = {
      exact: await endpoint(t, `${exact?.url}/x`, { events: ["crm.lead.created"] }),
      prefix: await endpoint(t, `${prefix?.url}/x`, { events: ["crm.*"] }),
      all: await endpoint(t, `${all?.url}/x`, { events: ["*"] }),
      other: await endpoint(t, `${other?.url}/x`, { events: ["contact.created"] }),
      inactive: await endpoint(t, `${inactive?.url}/x`, { is_active: false }),
    };
    const sent = event(t);

    await runWorker(JSON.stringify(sent));

    for (const r of [exact, prefix, all]) expect(deliveriesTo(r as Receiver)).toHaveLength(1);
    expect(other?.requests).toHaveLength(0);
    expect(inactive?.requests).toHaveLength(0);
    const records = await deliveriesOf(t.tenantId, sent.id);
    const status = Object.fromEntries(records.map((d) => [d.webhook_id, d.status]));
    expect(status).toEqual({
      [hooks.exact.id]: "succeeded",
      [hooks.prefix.id]: "succeeded",
      [hooks.all.id]: "succeeded",
      [hooks.inactive.id]: "skipped",
    });
    const ids = deliveriesTo(exact as Receiver)
      .concat(deliveriesTo(prefix as Receiver))
      .map((q) => q.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(2);
  });

  it("does not fan out the same (tenant, id) twice", async () => {
    const r = await receiver();
    await endpoint(tenant, `${r.url}/dedupe`);
    const sent = JSON.stringify(event(tenant));

    await runWorker(sent);
    await runWorker(sent);
    await runWorker(sent, sent);

    expect(r.requests).toHaveLength(1);
  });

  it("records an event for a tenant with no endpoints and sends nothing", async () => {
    const sent = event({ tenantId: `nobody-${randomUUID().slice(0, 8)}` } as TestTenant);

    const result = await runWorker(JSON.stringify(sent));

    expect(result.batchItemFailures).toEqual([]);
    expect(await deliveriesOf(sent.tenant_id, sent.id)).toEqual([]);
  });
});

describe("bad messages", () => {
  it.each([
    ["not JSON", (m: string) => `{"broken ${m}`, "not JSON"],
    [
      "an unknown event type",
      (m: string) => JSON.stringify({ tenant_id: "t", type: "crm.lead.exploded", id: m }),
      "type",
    ],
    ["a missing tenant", (m: string) => JSON.stringify({ type: "crm.lead.created", id: m }), "tenant_id"],
    [
      "an unknown field",
      (m: string) => JSON.stringify({ tenant_id: "t", type: "crm.lead.created", id: m, x: 1 }),
      "x",
    ],
    [
      "a malformed retry",
      (m: string) => JSON.stringify({ kind: "retry", tenant_id: "t", delivery_id: m }),
      "attempt",
    ],
  ])("moves %s to the dead-letter queue at once, with the reason", async (_name, build, reasonMentions) => {
    const marker = `marker_${randomUUID().replace(/-/g, "")}`;

    const result = await runWorker(build(marker));

    expect(result.batchItemFailures).toEqual([]);
    const [dead] = await deadLettersWith(marker, 1);
    expect(dead?.reason).toContain(reasonMentions);
  });

  it("does not hold up the rest of the batch", async () => {
    const r = await receiver();
    await endpoint(tenant, `${r.url}/batch`);

    const result = await runWorker("not json at all", JSON.stringify(event(tenant)));

    expect(result.batchItemFailures).toEqual([]);
    expect(r.requests).toHaveLength(1);
  });
});

describe("retries and disabling", () => {
  it("retries after a 500 with the same webhook-id and body, and succeeds on the second attempt", async () => {
    const r = await receiver((_q, n) => ({ status: n === 1 ? 500 : 200 }));
    const hook = await endpoint(tenant, `${r.url}/flaky`);
    // Keys out of alphabetical order: the retry, sent from storage, must keep the producer's order.
    const sent = event(tenant, { data: { zeta: 1, alpha: { omega: true, beta: [2, 1] }, mid: "x" } });

    await sendEvent(sent);
    const attempts = await r.waitForRequests(2);

    expect(attempts.map((q) => q.headers["x-webhook-attempt"])).toEqual(["1", "2"]);
    expect(attempts[1]?.headers["webhook-id"]).toBe(attempts[0]?.headers["webhook-id"]);
    expect(attempts[1]?.raw).toBe(attempts[0]?.raw);
    expect(attempts[1]?.raw).toContain('"data":{"zeta":1,"alpha":{"omega":true,"beta":[2,1]},"mid":"x"}');
    const d = await awaitDelivery(tenant.tenantId, sent.id, hook.id, (x) => x.status === "succeeded");
    expect(d.attempts.map((a) => a.status_code)).toEqual([500, 200]);
    expect((await tenant.api("GET", `/v1/webhooks/${hook.id}`)).json.data.is_active).toBe(true);
  });

  it("records a timeout, and retries it", async () => {
    const r = await receiver((_q, n) => (n === 1 ? { delayMs: 5000 } : {}));
    const hook = await endpoint(tenant, `${r.url}/slow`);
    const sent = event(tenant);

    await sendEvent(sent);

    const d = await awaitDelivery(tenant.tenantId, sent.id, hook.id, (x) => x.status === "succeeded");
    expect(d.attempts[0]).toMatchObject({ number: 1, error: "timeout", status_code: null });
    expect(d.attempts[0]?.duration_ms).toBeLessThan(4000);
  });

  it("records a refused connection and a redirect as failed attempts", async () => {
    const closed = await startReceiver();
    await closed.close();
    const redirecting = await receiver(() => ({
      status: 302,
      headers: { location: "http://127.0.0.1:9/elsewhere" },
    }));
    const refusedHook = await endpoint(tenant, `${closed.url}/gone-away`);
    const redirectHook = await endpoint(tenant, `${redirecting.url}/moved`);
    const sent = event(tenant);

    await runWorker(JSON.stringify(sent));

    const records = await deliveriesOf(tenant.tenantId, sent.id);
    const byHook = (id: string) => records.find((d) => d.webhook_id === id);
    expect(byHook(refusedHook.id)).toMatchObject({
      status: "retrying",
      attempts: [{ error: "connection_refused" }],
    });
    expect(byHook(redirectHook.id)).toMatchObject({
      status: "retrying",
      attempts: [{ status_code: 302, error: "redirect" }],
    });
  });

  it("disables the endpoint at once on 410 Gone", async () => {
    const r = await receiver(() => ({ status: 410 }));
    const hook = await endpoint(tenant, `${r.url}/gone`);
    const sent = event(tenant);

    await runWorker(JSON.stringify(sent));

    const view = (await tenant.api("GET", `/v1/webhooks/${hook.id}`)).json.data;
    expect(view).toMatchObject({ is_active: false, disabled_reason: "gone" });
    const d = await awaitDelivery(tenant.tenantId, sent.id, hook.id, () => true);
    expect(d).toMatchObject({ status: "failed", attempt_count: 1, next_attempt_at: null });
  });

  it("waits at least Retry-After after a 429", async () => {
    const r = await receiver((_q, n) => (n === 1 ? { status: 429, headers: { "retry-after": "3" } } : {}));
    await endpoint(tenant, `${r.url}/limited`);

    await sendEvent(event(tenant));
    const [first, second] = await r.waitForRequests(2);

    expect((second?.time ?? 0) - (first?.time ?? 0)).toBeGreaterThanOrEqual(3000);
  });

  it("disables the endpoint after the seventh failed attempt, on schedule, and tells the tenant's other endpoints", async () => {
    const t = await newTenant("dead");
    const dead = await receiver(() => ({ status: 500 }));
    const watcher = await receiver();
    const hook = await endpoint(t, `${dead.url}/dead`);
    await endpoint(t, `${watcher.url}/watch`, { events: ["webhook.disabled"] });
    const sent = event(t);

    await sendEvent(sent);
    const attempts = await dead.waitForRequests(7, () => true, 30_000);
    const [notice] = await watcher.waitForRequests(1, (q) => q.json?.type === "webhook.disabled");

    expect(attempts.map((q) => q.headers["x-webhook-attempt"])).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    const offsets = TEST_RETRY_SCHEDULE.split(",").map((s) => Number.parseInt(s, 10) * 1000);
    const first = attempts[0]?.time ?? 0;
    attempts.forEach((q, i) => {
      // Due at its offset from the first attempt, never early. Locally it can be late by the scheduler's
      // whole-second rounding plus a 1 s long poll, more on a loaded machine; offsets counted from the
      // previous attempt instead would put the 7th attempt 15 s late.
      expect(q.time - first).toBeGreaterThanOrEqual((offsets[i] ?? 0) - 50);
      expect(q.time - first).toBeLessThan((offsets[i] ?? 0) + 4000);
    });
    const d = await awaitDelivery(t.tenantId, sent.id, hook.id, (x) => x.status === "failed");
    expect(d.attempt_count).toBe(7);
    const view = (await t.api("GET", `/v1/webhooks/${hook.id}`)).json.data;
    expect(view).toMatchObject({ is_active: false, disabled_reason: "delivery_failed" });
    expect(notice?.json.data).toMatchObject({ webhook_id: hook.id, disabled_reason: "delivery_failed" });
    expect(dead.requests).toHaveLength(7);
  });

  it("cancels a pending retry when its endpoint is deleted", async () => {
    const r = await receiver(() => ({ status: 500 }));
    const hook = await endpoint(tenant, `${r.url}/deleted`);
    const sent = event(tenant);

    await runWorker(JSON.stringify(sent));
    await tenant.api("DELETE", `/v1/webhooks/${hook.id}`);

    const d = await awaitDelivery(tenant.tenantId, sent.id, hook.id, (x) => x.status === "cancelled");
    expect(d.attempt_count).toBe(1);
    expect(r.requests).toHaveLength(1);
  });

  it("re-enabling with PUT is_active:true clears the disabled reason", async () => {
    const r = await receiver(() => ({ status: 410 }));
    const hook = await endpoint(tenant, `${r.url}/reenable`);
    await runWorker(JSON.stringify(event(tenant)));

    const res = await tenant.api("PUT", `/v1/webhooks/${hook.id}`, { body: { is_active: true } });

    expect(res.json.data).toMatchObject({ is_active: true, disabled_reason: null, disabled_at: null });
  });
});

describe("the endpoint's http_method", () => {
  it.each(["PUT", "PATCH"])(
    "verifies the endpoint and sends every attempt with %s, the retry included",
    async (method) => {
      let deliveries = 0;
      // The verification answers 200; the event's first attempt 500, so a retry follows.
      const r = await receiver((q) =>
        q.json?.type === "webhook.verification" ? {} : { status: ++deliveries === 1 ? 500 : 200 },
      );
      const hook = await endpoint(tenant, `${r.url}/method`, { http_method: method, verify: true });
      const sent = event(tenant);

      await sendEvent(sent);
      const attempts = await r.waitForRequests(2, (q) => q.json?.type === sent.type);

      const [verification] = r.requests.filter((q) => q.json?.type === "webhook.verification");
      expect(verification?.method).toBe(method);
      expect(attempts.map((q) => [q.method, q.headers["x-webhook-attempt"]])).toEqual([
        [method, "1"],
        [method, "2"],
      ]);
      expect(attempts[1]?.raw).toBe(
        JSON.stringify({ id: sent.id, type: sent.type, created_at: sent.occurred_at, data: sent.data }),
      );
      const [, retry] = attempts;
      expect(() =>
        new Webhook(hook.secret_token).verify(retry?.raw ?? "", retry?.headers as Record<string, string>),
      ).not.toThrow();
      await awaitDelivery(tenant.tenantId, sent.id, hook.id, (d) => d.status === "succeeded");
    },
  );
});

describe("the endpoint's filter", () => {
  /** An unfiltered endpoint of the tenant: once it has an event, that event's fan-out is recorded. */
  async function watcher(t: TestTenant) {
    const r = await receiver();
    const hook = await endpoint(t, `${r.url}/all`);
    return { r, hook };
  }

  it("delivers the RD Station conversions it names and leaves no delivery for the others", async () => {
    const r = await receiver();
    const hook = await endpoint(tenant, `${r.url}/rd-conversions`, {
      filter: { conversion_identifier: ["form-contato", "form-orcamento"] },
    });
    const all = await watcher(tenant);
    const contact = { email: "ana@example.com", name: "Ana" };
    const newsletter = event(tenant, { data: { conversion_identifier: "newsletter", contact } });
    const contato = event(tenant, { data: { conversion_identifier: "form-contato", contact } });

    await sendEvent(newsletter);
    await sendEvent(contato);
    await all.r.waitForRequests(2);
    const [got] = await r.waitForRequests(1);

    expect(got?.json).toEqual({
      id: contato.id,
      type: "crm.lead.created",
      created_at: contato.occurred_at,
      data: contato.data,
    });
    expect(r.requests).toHaveLength(1);
    const newsletterDeliveries = await deliveriesOf(tenant.tenantId, newsletter.id);
    expect(newsletterDeliveries.map((d) => d.webhook_id)).toEqual([all.hook.id]);
    const log = await tenant.api("GET", `/v1/webhooks/${hook.id}/deliveries`);
    expect(log.json.data.map((d: { event_id: string }) => d.event_id)).toEqual([contato.id]);
  });

  it("passes an event whose data holds an array with an allowed element", async () => {
    const r = await receiver();
    await endpoint(tenant, `${r.url}/tagged`, { filter: { tags: ["b"] } });
    const all = await watcher(tenant);
    const tagged = event(tenant, { data: { tags: ["a", "b"] } });
    const other = event(tenant, { data: { tags: ["a", "c"] } });
    const untagged = event(tenant, { data: { lead: { tags: ["b"] } } });

    for (const sent of [other, untagged, tagged]) await sendEvent(sent);
    await all.r.waitForRequests(3);
    const [got] = await r.waitForRequests(1);

    expect(got?.json.id).toBe(tagged.id);
    expect(r.requests).toHaveLength(1);
  });

  it("filters on the producer's data, before the field_mapping renames it", async () => {
    const r = await receiver();
    await endpoint(tenant, `${r.url}/mapped`, {
      filter: { "lead.source": ["form"] },
      field_mapping: { email: "lead.email" },
    });
    const sent = event(tenant, { data: { lead: { source: "form", email: "ana@example.com" } } });

    await sendEvent(sent);
    const [got] = await r.waitForRequests(1);

    expect(got?.json.data).toEqual({ email: "ana@example.com" });
  });

  it("does not filter webhook.disabled notices or POST /v1/webhooks/{id}/test", async () => {
    const gone = await receiver(() => ({ status: 410 }));
    const notices = await receiver();
    const hook = await endpoint(tenant, `${gone.url}/gone`);
    const watching = await endpoint(tenant, `${notices.url}/notices`, {
      events: ["webhook.disabled"],
      filter: { conversion_identifier: ["form-contato"] },
    });

    await runWorker(JSON.stringify(event(tenant)));
    const [notice] = await notices.waitForRequests(1, (q) => q.json?.type === "webhook.disabled");
    const test = await tenant.api("POST", `/v1/webhooks/${watching.id}/test`);

    expect(notice?.json.data).toMatchObject({ webhook_id: hook.id, disabled_reason: "gone" });
    expect(test.json.data).toMatchObject({ event_type: "webhook.test", status: "succeeded" });
    expect(notices.requests.map((q) => q.json?.type)).toEqual(["webhook.disabled", "webhook.test"]);
  });
});
