import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../local/wait-for";
import { deadLettersWith, sendEvent } from "../support/delivery";
import { adminApi, apiClient, newTenant, type TestTenant } from "../support/platform";
import { type Receiver, startReceiver } from "../support/receiver";

/**
 * The operators' API through the local run's front door, signed with the local
 * credentials: the event-type catalog and tenants' API keys, and what tenants
 * and producers see of each change.
 */
const suffix = () => randomBytes(4).toString("hex");
const typePath = (type: string) => `/event-types/${encodeURIComponent(type)}`;

const leadSchema = {
  type: "object",
  required: ["lead"],
  properties: {
    lead: {
      type: "object",
      required: ["email"],
      properties: { email: { type: "string", format: "email" } },
    },
  },
};

describe("the event-type catalog", () => {
  it("creates a type (201), replaces it (200), reads it and lists it", async () => {
    // Prepare
    const type = `billing_${suffix()}.invoice.paid`;

    // Act
    const created = await adminApi().request("PUT", typePath(type), { description: "An invoice was paid" });
    const replaced = await adminApi().request("PUT", typePath(type), {
      description: "An invoice was paid in full",
      schema: { type: "object" },
      example: { invoice: { id: "inv_1" } },
      deprecated: true,
    });
    const one = await adminApi().request("GET", typePath(type));
    const all = await adminApi().request("GET", "/event-types");

    // Assess
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      success: true,
      data: { type, description: "An invoice was paid", deprecated: false },
    });
    expect(created.json.data).not.toHaveProperty("schema");
    expect(replaced.status).toBe(200);
    expect(replaced.json.data).toMatchObject({
      type,
      description: "An invoice was paid in full",
      schema: { type: "object" },
      example: { invoice: { id: "inv_1" } },
      deprecated: true,
      created_at: created.json.data.created_at,
    });
    expect(one.json.data).toEqual(replaced.json.data);
    expect(all.json.data).toContainEqual(replaced.json.data);
  });

  it("removes a type; a second delete is 404", async () => {
    // Prepare
    const type = `billing_${suffix()}.refund`;
    await adminApi().request("PUT", typePath(type), { description: "A refund" });

    // Act
    const removed = await adminApi().request("DELETE", typePath(type));
    const again = await adminApi().request("DELETE", typePath(type));
    const read = await adminApi().request("GET", typePath(type));

    // Assess
    expect(removed.status).toBe(200);
    expect(removed.json.data).toEqual({ type, deleted: true });
    expect(again.status).toBe(404);
    expect(read.status).toBe(404);
    expect(read.json.error.code).toBe("not_found");
  });

  it.each([
    ["a platform type", "webhook.test"],
    ["a platform type in another case", "Webhook.Test"],
    ["the platform's namespace", "webhook.invoice"],
    ["an empty segment", "crm..lead"],
    ["a wildcard", "crm.*"],
    ["a dash", "crm-lead"],
  ])("refuses %s as a name (400)", async (_, type) => {
    // Act
    const res = await adminApi().request("PUT", typePath(type), { description: "x" });

    // Assess
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("validation_error");
  });

  it("refuses a malformed JSON Schema with ajv's message, and saves nothing", async () => {
    // Prepare
    const type = `billing_${suffix()}.broken`;

    // Act
    const res = await adminApi().request("PUT", typePath(type), {
      description: "x",
      schema: { type: "objekt" },
    });
    const read = await adminApi().request("GET", typePath(type));

    // Assess
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([
      {
        field: "schema",
        message: expect.stringContaining("data/type must be equal to one of the allowed values"),
      },
    ]);
    expect(read.status).toBe(404);
  });

  it("refuses a schema over 64 KB, an example the schema refuses, unknown fields and a name taken in another case", async () => {
    // Prepare
    const type = `Billing_${suffix()}.Paid`;
    await adminApi().request("PUT", typePath(type), { description: "x" });

    // Act
    const big = await adminApi().request("PUT", typePath(`${type}2`), {
      description: "x",
      schema: { type: "object", description: "d".repeat(65 * 1024) },
    });
    const badExample = await adminApi().request("PUT", typePath(`${type}3`), {
      description: "x",
      schema: leadSchema,
      example: { lead: { email: "not an email" } },
    });
    const unknown = await adminApi().request("PUT", typePath(`${type}4`), { description: "x", color: "red" });
    const twin = await adminApi().request("PUT", typePath(type.toLowerCase()), { description: "x" });

    // Assess
    expect(big.status).toBe(400);
    expect(big.json.error.details[0].field).toBe("schema");
    expect(badExample.status).toBe(400);
    expect(badExample.json.error.details[0]).toEqual({
      field: "example",
      message: expect.stringContaining('/lead/email must match format "email"'),
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.details[0].message).toContain("color");
    expect(twin.status).toBe(409);
  });

  it("answers a body that is not JSON with 400, and an unknown query parameter with 400", async () => {
    // Act
    const res = await adminApi().request("GET", "/event-types?color=red");

    // Assess
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("validation_error");
  });

  describe("as tenants and producers see it", () => {
    let receiver: Receiver;
    let tenant: TestTenant;
    const type = `Billing_${suffix()}.Invoice_Paid`;

    beforeAll(async () => {
      receiver = await startReceiver();
      tenant = await newTenant("catalog");
    });
    afterAll(async () => {
      await adminApi().request("DELETE", typePath(type));
      await receiver.close();
    });

    it("lets endpoints subscribe to a type once it is in the catalog, and lists it to tenants", async () => {
      // Act
      const before = await tenant.api("POST", "/v1/webhooks", {
        body: { name: "Billing", url: receiver.url, events: [type], verify: false },
      });
      await adminApi().request("PUT", typePath(type), {
        description: "An invoice was paid",
        schema: leadSchema,
      });
      const listed = await tenant.api("GET", "/v1/webhooks/events");
      const after = await tenant.api("POST", "/v1/webhooks", {
        body: {
          name: "Billing",
          url: receiver.url,
          events: [type, `${type.split(".")[0]}.*`],
          verify: false,
        },
      });

      // Assess
      expect(before.status).toBe(400);
      expect(before.json.error.details).toEqual([
        { field: "events.0", message: expect.stringContaining(`unknown event type ${type}`) },
      ]);
      expect(listed.json.data).toContainEqual({
        type,
        description: "An invoice was paid",
        schema: leadSchema,
        deprecated: false,
      });
      expect(listed.json.data.map((t: { type: string }) => t.type)).toEqual(
        expect.arrayContaining(["crm.lead.created", "webhook.test", "webhook.disabled"]),
      );
      expect(after.status).toBe(201);
    });

    it("validates events' data against the type's schema over HTTP (400) and over SQS (dead-letter queue)", async () => {
      // Prepare
      await adminApi().request("PUT", typePath(type), {
        description: "An invoice was paid",
        schema: leadSchema,
      });
      const endpoint = await tenant.api("POST", "/v1/webhooks", {
        body: { name: `Schema ${suffix()}`, url: `${receiver.url}/schema`, events: [type], verify: false },
      });
      expect(endpoint.status).toBe(201);
      const marker = `evt_${randomUUID()}`;

      // Act
      const refused = await tenant.api("POST", "/v1/events", {
        body: { type, data: { lead: { email: "nope" } } },
      });
      const accepted = await tenant.api("POST", "/v1/events", {
        body: { type, id: `${marker}_ok`, data: { lead: { email: "ana@example.com" } } },
      });
      await sendEvent({ tenant_id: tenant.tenantId, type, id: marker, data: { lead: {} } });
      const [dead] = await deadLettersWith(marker, 1);
      const delivered = await receiver.waitForRequests(1, (r) => r.json?.id === `${marker}_ok`);

      // Assess
      expect(refused.status).toBe(400);
      expect(refused.json.error.details).toEqual([
        { field: "data", message: expect.stringContaining('/lead/email must match format "email"') },
      ]);
      expect(accepted.status).toBe(202);
      expect(dead?.reason).toBe(
        `not a valid event: data does not match the schema of ${type}: /lead must have required property 'email'`,
      );
      expect(delivered[0]?.json.data).toEqual({ lead: { email: "ana@example.com" } });
    });

    it("keeps an endpoint subscribed to a removed type working until its events change", async () => {
      // Prepare
      const removed = `Removed_${suffix()}.event`;
      await adminApi().request("PUT", typePath(removed), { description: "Soon removed" });
      const endpoint = await tenant.api("POST", "/v1/webhooks", {
        body: { name: "Removed", url: `${receiver.url}/removed`, events: [removed], verify: false },
      });
      await adminApi().request("DELETE", typePath(removed));

      // Act
      const renamed = await tenant.api("PUT", `/v1/webhooks/${endpoint.json.data.id}`, {
        body: { name: "Renamed" },
      });
      const resubscribed = await tenant.api("PUT", `/v1/webhooks/${endpoint.json.data.id}`, {
        body: { events: [removed] },
      });

      // Assess
      expect(renamed.status).toBe(200);
      expect(renamed.json.data.events).toEqual([removed]);
      expect(resubscribed.status).toBe(400);
      expect(resubscribed.json.error.details[0].field).toBe("events.0");
    });

    it("refuses events of a type removed from the catalog", async () => {
      // Prepare
      const gone = `Gone_${suffix()}.event`;
      await adminApi().request("PUT", typePath(gone), { description: "Soon gone" });
      await adminApi().request("DELETE", typePath(gone));

      // Act
      const res = await tenant.api("POST", "/v1/events", { body: { type: gone, data: {} } });

      // Assess
      expect(res.status).toBe(400);
      expect(res.json.error.details[0]).toEqual({
        field: "type",
        message: expect.stringContaining("unknown event type"),
      });
    });
  });
});

describe("tenants' API keys", () => {
  const tenantId = () => `keys-${suffix()}`;

  it("issues a key that works at once, shown only in the create response", async () => {
    // Prepare
    const tenant = tenantId();

    // Act
    const created = await adminApi().request("POST", `/tenants/${tenant}/api-keys`, {
      name: "Backend",
      expires_at: "2099-01-01T00:00:00Z",
    });
    const used = await apiClient(created.json.data.key)("GET", "/v1/webhooks");
    const listed = await adminApi().request("GET", `/tenants/${tenant}/api-keys`);

    // Assess
    expect(created.status).toBe(201);
    expect(created.json.data).toEqual({
      key: expect.stringMatching(/^hk_[A-Za-z0-9_-]{43}$/),
      key_id: expect.stringMatching(/^[0-9a-f]{12}$/),
      tenant_id: tenant,
      name: "Backend",
      created_at: expect.any(String),
      expires_at: "2099-01-01T00:00:00.000Z",
      last_used_at: null,
    });
    expect(used.status).toBe(200);
    expect(listed.json.data).toEqual([
      {
        key_id: created.json.data.key_id,
        name: "Backend",
        created_at: created.json.data.created_at,
        expires_at: "2099-01-01T00:00:00.000Z",
        last_used_at: expect.any(String),
      },
    ]);
    expect(listed.text).not.toContain(created.json.data.key);
    expect(listed.text).not.toContain("key_hash");
  });

  it("a revoked key answers 401 within the authorizer cache TTL", async () => {
    // Prepare
    const tenant = tenantId();
    const created = await adminApi().request("POST", `/tenants/${tenant}/api-keys`, {});
    const api = apiClient(created.json.data.key);
    expect((await api("GET", "/v1/webhooks")).status).toBe(200);

    // Act
    const revoked = await adminApi().request(
      "DELETE",
      `/tenants/${tenant}/api-keys/${created.json.data.key_id}`,
    );
    const refused = await waitFor(async () => (await api("GET", "/v1/webhooks")).status === 401, {
      timeoutMs: 5_000,
      intervalMs: 100,
    });
    const again = await adminApi().request(
      "DELETE",
      `/tenants/${tenant}/api-keys/${created.json.data.key_id}`,
    );
    const listed = await adminApi().request("GET", `/tenants/${tenant}/api-keys`);

    // Assess
    expect(revoked.json.data).toEqual({ key_id: created.json.data.key_id, revoked: true });
    expect(refused).toBe(true);
    expect(again.status).toBe(404);
    expect(listed.json.data).toEqual([]);
  });

  it("an expired key answers 401", async () => {
    // Prepare
    const tenant = tenantId();
    const created = await adminApi().request("POST", `/tenants/${tenant}/api-keys`, {
      expires_at: new Date(Date.now() + 1_500).toISOString(),
    });
    const api = apiClient(created.json.data.key);
    const first = await api("GET", "/v1/webhooks");

    // Act
    const refused = await waitFor(async () => (await api("GET", "/v1/webhooks")).status === 401, {
      timeoutMs: 6_000,
      intervalMs: 200,
    });

    // Assess
    expect(first.status).toBe(200);
    expect(refused).toBe(true);
  });

  it("a key acts for its own tenant only", async () => {
    // Prepare
    const mine = tenantId();
    const theirs = await newTenant("other");
    const created = await adminApi().request("POST", `/tenants/${mine}/api-keys`, {});
    const receiver = await startReceiver();
    const theirEndpoint = await theirs.api("POST", "/v1/webhooks", {
      body: { name: "Theirs", url: receiver.url, events: ["crm.*"], verify: false },
    });

    // Act
    const read = await apiClient(created.json.data.key)("GET", `/v1/webhooks/${theirEndpoint.json.data.id}`);
    await receiver.close();

    // Assess
    expect(read.status).toBe(404);
  });

  it.each([
    ["an expiry in the past", { expires_at: "2020-01-01T00:00:00Z" }, "expires_at"],
    ["an expiry that is not a date", { expires_at: "tomorrow" }, "expires_at"],
    ["an empty name", { name: "" }, "name"],
    ["an unknown field", { scopes: ["all"] }, "body"],
  ])("refuses %s (400 with details)", async (_, body, field) => {
    // Act
    const res = await adminApi().request("POST", `/tenants/${tenantId()}/api-keys`, body);

    // Assess
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].field).toBe(field);
  });

  it("refuses a malformed tenant id (400) and an unknown key id (404)", async () => {
    // Act
    const badTenant = await adminApi().request("POST", "/tenants/a%20b/api-keys", {});
    const unknownKey = await adminApi().request("DELETE", `/tenants/${tenantId()}/api-keys/0123456789ab`);

    // Assess
    expect(badTenant.status).toBe(400);
    expect(unknownKey.status).toBe(404);
  });

  it("refuses a tenant's API key on the operators' routes (403)", async () => {
    // Prepare
    const tenant = await newTenant("intruder");

    // Act
    const res = await fetch(`${adminApi().baseUrl}/tenants/${tenant.tenantId}/api-keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${tenant.key}`, "content-type": "application/json" },
      body: "{}",
    });

    // Assess
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
  });
});
