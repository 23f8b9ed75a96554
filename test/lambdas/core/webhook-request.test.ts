import { createHmac } from "node:crypto";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateSecret } from "../../../lambdas/core/signing";
import {
  type BuildRequestInput,
  buildWebhookRequest,
  type WebhookEvent,
  type WebhookTarget,
} from "../../../lambdas/core/webhook-request";

// The standardwebhooks package refuses timestamps more than 5 minutes from its own clock.
const now = new Date(Math.floor(Date.now() / 1000) * 1000);

const event: WebhookEvent = {
  id: "evt_123",
  type: "crm.lead.created",
  created_at: "2026-02-15T10:30:00.000Z",
  data: { lead: { email: "ana@example.com", name: "Ana Ação" }, stage: "new" },
};

function target(overrides: Partial<WebhookTarget> = {}): WebhookTarget {
  return {
    url: "https://receiver.example.com/hooks",
    method: "POST",
    headers: {},
    field_mapping: {},
    secrets: [generateSecret()],
    ...overrides,
  };
}

function build(overrides: Partial<BuildRequestInput> = {}) {
  return buildWebhookRequest({
    target: target(),
    messageId: "dlv_abc",
    event,
    attempt: 1,
    now,
    mapFields: true,
    ...overrides,
  });
}

describe("buildWebhookRequest", () => {
  it("signs a request that verifies with the standardwebhooks package", () => {
    // Prepare
    const secret = generateSecret();

    // Act
    const request = build({ target: target({ secrets: [secret] }) });

    // Assess
    const verified = new Webhook(secret).verify(request.body, { ...request.headers });
    expect(verified).toEqual(JSON.parse(request.body));
    expect(request.headers["webhook-id"]).toBe("dlv_abc");
    expect(request.headers["webhook-timestamp"]).toBe(String(now.getTime() / 1000));
  });

  it("does not verify with a secret that did not sign it", () => {
    // Prepare
    const request = build();

    // Act
    const verify = () => new Webhook(generateSecret()).verify(request.body, { ...request.headers });

    // Assess
    expect(verify).toThrow(WebhookVerificationError);
  });

  it("signs with both secrets during a rotation, each verifying alone", () => {
    // Prepare
    const [newest, previous] = [generateSecret(), generateSecret()];

    // Act
    const request = build({ target: target({ secrets: [newest, previous] }) });

    // Assess
    const signatures = request.headers["webhook-signature"]?.split(" ") ?? [];
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith("v1,"))).toBe(true);
    expect(() => new Webhook(newest).verify(request.body, { ...request.headers })).not.toThrow();
    expect(() => new Webhook(previous).verify(request.body, { ...request.headers })).not.toThrow();
  });

  it("puts the hex HMAC-SHA256 of the raw body, keyed with the newest whole secret, in x-webhook-signature", () => {
    // Prepare
    const [newest, previous] = [generateSecret(), generateSecret()];

    // Act
    const request = build({ target: target({ secrets: [newest, previous] }) });

    // Assess
    const expected = createHmac("sha256", newest).update(request.body).digest("hex");
    expect(request.headers["x-webhook-signature"]).toBe(expected);
  });

  it("sends compact JSON with id, type, created_at and data in that order", () => {
    // Act
    const request = build({ mapFields: false });

    // Assess
    expect(Object.keys(JSON.parse(request.body))).toEqual(["id", "type", "created_at", "data"]);
    expect(request.body).toBe(
      '{"id":"evt_123","type":"crm.lead.created","created_at":"2026-02-15T10:30:00.000Z",' +
        '"data":{"lead":{"email":"ana@example.com","name":"Ana Ação"},"stage":"new"}}',
    );
    expect(request.body).toBe(JSON.stringify(JSON.parse(request.body)));
  });

  it("passes data through the endpoint's field_mapping when mapFields is true", () => {
    // Prepare
    const mapped = target({ field_mapping: { lead_email: "lead.email", stage: "stage" } });

    // Act
    const request = build({ target: mapped, mapFields: true });

    // Assess
    expect(JSON.parse(request.body).data).toEqual({ lead_email: "ana@example.com", stage: "new" });
  });

  it("gives each endpoint of one event its own mapping of the data, whichever is built first", () => {
    // Prepare: one event object fanned out, as the delivery use case does
    const plain = target();
    const mapped = target({ field_mapping: { lead_email: "lead.email" } });

    // Act
    const bodies = [plain, mapped, plain, mapped].map((t) => JSON.parse(build({ target: t }).body).data);
    const unmapped = JSON.parse(build({ target: mapped, mapFields: false }).body).data;

    // Assess
    const email = { lead_email: "ana@example.com" };
    expect(bodies).toEqual([event.data, email, event.data, email]);
    expect(unmapped).toEqual(event.data);
  });

  it("sends data as it is when mapFields is false, even with a field_mapping", () => {
    // Prepare
    const mapped = target({ field_mapping: { lead_email: "lead.email" } });

    // Act
    const request = build({ target: mapped, mapFields: false });

    // Assess
    expect(JSON.parse(request.body).data).toEqual(event.data);
  });

  it("includes the endpoint's custom headers", () => {
    // Act
    const request = build({
      target: target({ headers: { authorization: "Bearer abc", "x-tenant": "acme" } }),
    });

    // Assess
    expect(request.headers).toMatchObject({ authorization: "Bearer abc", "x-tenant": "acme" });
  });

  it("lets the platform headers win over custom headers of the same name", () => {
    // Prepare
    const headers = {
      "content-type": "text/plain",
      "user-agent": "evil/1.0",
      "webhook-id": "forged",
      "x-webhook-event": "forged",
    };

    // Act
    const request = build({ target: target({ headers }) });

    // Assess
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["user-agent"]).toBe("hookline/0.1.0");
    expect(request.headers["webhook-id"]).toBe("dlv_abc");
    expect(request.headers["x-webhook-event"]).toBe("crm.lead.created");
  });

  it("lets the platform headers win over custom headers that differ only in case", () => {
    // Prepare: header names are case-insensitive on the wire
    const headers = { "Content-Type": "text/plain", "User-Agent": "evil/1.0", "Webhook-Id": "forged" };

    // Act
    const request = build({ target: target({ headers }) });

    // Assess
    const sent = Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]);
    expect(sent.filter(([name]) => name === "content-type")).toEqual([["content-type", "application/json"]]);
    expect(sent.filter(([name]) => name === "user-agent")).toEqual([["user-agent", "hookline/0.1.0"]]);
    expect(sent.filter(([name]) => name === "webhook-id")).toEqual([["webhook-id", "dlv_abc"]]);
  });

  it("names the event type and the attempt number in x-webhook-event and x-webhook-attempt", () => {
    // Act
    const request = build({ attempt: 4 });

    // Assess
    expect(request.headers["x-webhook-event"]).toBe("crm.lead.created");
    expect(request.headers["x-webhook-attempt"]).toBe("4");
  });

  it("sends JSON with a product user-agent like hookline/0.1.0", () => {
    // Act
    const request = build();

    // Assess
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["user-agent"]).toMatch(/^hookline\/\d+\.\d+\.\d+$/);
  });

  it("keeps the endpoint's URL and the delivery id on every attempt", () => {
    // Prepare
    const endpoint = target();

    // Act
    const first = build({ target: endpoint, attempt: 1 });
    const retry = build({ target: endpoint, attempt: 2 });

    // Assess
    expect(first.url).toBe("https://receiver.example.com/hooks");
    expect(retry.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
  });
});
