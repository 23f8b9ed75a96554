import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbApiKeyStore } from "../../lambdas/adapters/dynamodb-api-key-store";
import { issueApiKey } from "../../lambdas/core/api-keys";
import { waitFor } from "../../local/wait-for";
import { adminApi, apiClient, documentClient, newTenant, platform } from "../support/platform";
import { type Receiver, startReceiver } from "../support/receiver";

/**
 * Portal sessions through the local run's front door (docs/operators-api.md, Portal sessions):
 * the operator issues one, and its token acts for its tenant as an API key would, until it
 * expires or is revoked; the operator's key routes never take it for a key.
 */
const suffix = () => randomBytes(4).toString("hex");
const tenantId = () => `portal-${suffix()}`;
const sessionsPath = (tenant: string) => `/tenants/${tenant}/portal-sessions`;
const tokenOf = (url: string) => new URL(url).hash.replace(/^#session=/, "");

async function issueSession(tenant: string, body?: unknown) {
  const res = await adminApi().request("POST", sessionsPath(tenant), body);
  expect(res.status).toBe(201);
  const data = res.json.data as { session_id: string; tenant_id: string; expires_at: string; url: string };
  return { ...data, api: apiClient(tokenOf(data.url)) };
}

describe("portal sessions", () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  it("issues a session of an hour, without a body, whose URL opens the local run's portal with the token in the fragment", async () => {
    // Prepare
    const tenant = tenantId();
    const before = Date.now();

    // Act
    const res = await adminApi().request("POST", sessionsPath(tenant));

    // Assess
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      success: true,
      data: {
        session_id: expect.stringMatching(/^[0-9a-f]{12}$/),
        tenant_id: tenant,
        expires_at: expect.any(String),
        url: expect.any(String),
      },
    });
    const url = new URL(res.json.data.url);
    expect(url.origin).toBe(platform().ApiUrl);
    expect(url.pathname).toBe("/portal");
    expect(url.search).toBe("");
    expect(url.hash).toMatch(/^#session=hps_[A-Za-z0-9_-]{43}$/);
    const expiresIn = Date.parse(res.json.data.expires_at) - before;
    expect(expiresIn).toBeGreaterThanOrEqual(3600_000);
    expect(expiresIn).toBeLessThan(3600_000 + 10_000);
  });

  it("issues a session of ttl_seconds 60 that expires about a minute ahead", async () => {
    // Prepare
    const before = Date.now();

    // Act
    const session = await issueSession(tenantId(), { ttl_seconds: 60 });

    // Assess
    const expiresIn = Date.parse(session.expires_at) - before;
    expect(expiresIn).toBeGreaterThanOrEqual(60_000);
    expect(expiresIn).toBeLessThan(60_000 + 10_000);
  });

  it("acts for its own tenant only", async () => {
    // Prepare
    const mine = await newTenant("portal");
    const theirs = await newTenant("other");
    const create = (api: typeof mine.api, name: string) =>
      api("POST", "/v1/webhooks", {
        body: { name, url: `${receiver.url}/${name}`, events: ["crm.*"], verify: false },
      });
    const myEndpoint = await create(mine.api, "mine");
    const theirEndpoint = await create(theirs.api, "theirs");
    const session = await issueSession(mine.tenantId);

    // Act
    const listed = await session.api("GET", "/v1/webhooks");
    const theirRead = await session.api("GET", `/v1/webhooks/${theirEndpoint.json.data.id}`);

    // Assess
    expect(listed.status).toBe(200);
    expect(listed.json.data.map((e: { id: string }) => e.id)).toEqual([myEndpoint.json.data.id]);
    expect(theirRead.status).toBe(404);
  });

  it("answers 401 in the envelope once expired", async () => {
    // Prepare: a session stored as one issued an hour ago with the shortest TTL
    const tenant = tenantId();
    const issuedAt = new Date(Date.now() - 3600_000);
    const { key, record } = issueApiKey(tenant, {
      kind: "portal_session",
      now: issuedAt,
      expiresAt: new Date(issuedAt.getTime() + 60_000).toISOString(),
    });
    await new DynamoDbApiKeyStore(documentClient(), platform().TableName).save(record);

    // Act
    const res = await apiClient(key)("GET", "/v1/webhooks");

    // Assess
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ success: false, error: { code: "unauthorized" } });
  });

  it("answers 401 within the authorizer cache TTL once revoked; a second revoke is 404", async () => {
    // Prepare
    const tenant = tenantId();
    const session = await issueSession(tenant);
    expect((await session.api("GET", "/v1/webhooks")).status).toBe(200);

    // Act
    const revoked = await adminApi().request("DELETE", `${sessionsPath(tenant)}/${session.session_id}`);
    const refused = await waitFor(async () => (await session.api("GET", "/v1/webhooks")).status === 401, {
      timeoutMs: 5_000,
      intervalMs: 100,
    });
    const again = await adminApi().request("DELETE", `${sessionsPath(tenant)}/${session.session_id}`);

    // Assess
    expect(revoked.status).toBe(200);
    expect(revoked.json.data).toEqual({ session_id: session.session_id, revoked: true });
    expect(refused).toBe(true);
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe("not_found");
  });

  it("is not listed with the tenant's API keys", async () => {
    // Prepare
    const tenant = tenantId();
    const key = await adminApi().request("POST", `/tenants/${tenant}/api-keys`, { name: "Backend" });
    const session = await issueSession(tenant);

    // Act
    const listed = await adminApi().request("GET", `/tenants/${tenant}/api-keys`);

    // Assess
    expect(listed.json.data.map((k: { key_id: string }) => k.key_id)).toEqual([key.json.data.key_id]);
    expect(listed.text).not.toContain(session.session_id);
  });

  it("is not revoked as a key, and a key is not revoked as a session (404); both keep working", async () => {
    // Prepare
    const tenant = tenantId();
    const key = await adminApi().request("POST", `/tenants/${tenant}/api-keys`, {});
    const session = await issueSession(tenant);

    // Act
    const sessionAsKey = await adminApi().request(
      "DELETE",
      `/tenants/${tenant}/api-keys/${session.session_id}`,
    );
    const keyAsSession = await adminApi().request(
      "DELETE",
      `${sessionsPath(tenant)}/${key.json.data.key_id}`,
    );
    const sessionUse = await session.api("GET", "/v1/webhooks");
    const keyUse = await apiClient(key.json.data.key)("GET", "/v1/webhooks");

    // Assess
    expect(sessionAsKey.status).toBe(404);
    expect(keyAsSession.status).toBe(404);
    expect(sessionUse.status).toBe(200);
    expect(keyUse.status).toBe(200);
  });

  it.each([
    ["a ttl of 0", { ttl_seconds: 0 }, "ttl_seconds"],
    ["a ttl of 59", { ttl_seconds: 59 }, "ttl_seconds"],
    ["a ttl of 3601", { ttl_seconds: 3601 }, "ttl_seconds"],
    ["a ttl that is not a number", { ttl_seconds: "x" }, "ttl_seconds"],
    ["an unknown field", { scopes: ["read"] }, "body"],
  ])("refuses %s (400 naming the field)", async (_, body, field) => {
    // Act
    const res = await adminApi().request("POST", sessionsPath(tenantId()), body);

    // Assess
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("validation_error");
    expect(res.json.error.details[0].field).toBe(field);
  });

  it("refuses a malformed tenant id (400) and answers 404 for an unknown or malformed session id", async () => {
    // Act
    const badTenant = await adminApi().request("POST", sessionsPath("a%20b"), {});
    const badTenantRevoke = await adminApi().request("DELETE", `${sessionsPath("a%20b")}/0123456789ab`);
    const unknown = await adminApi().request("DELETE", `${sessionsPath(tenantId())}/0123456789ab`);
    const malformed = await adminApi().request("DELETE", `${sessionsPath(tenantId())}/not-an-id`);

    // Assess
    expect(badTenant.status).toBe(400);
    expect(badTenant.json.error.details[0].field).toBe("tenant_id");
    expect(badTenantRevoke.status).toBe(400);
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(404);
  });

  it("does not authorize the operators' API (403)", async () => {
    // Prepare
    const session = await issueSession(tenantId());

    // Act
    const res = await fetch(`${adminApi().baseUrl}${sessionsPath(session.tenant_id)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenOf(session.url)}`, "content-type": "application/json" },
      body: "{}",
    });

    // Assess
    expect(res.status).toBe(403);
  });
});
