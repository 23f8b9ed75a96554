import { randomBytes } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { DynamoDbApiKeyStore } from "../../../lambdas/adapters/dynamodb-api-key-store";
import { keys, TABLE_KEY } from "../../../lambdas/adapters/table-keys";
import { type ApiKeyRecord, apiKeyAdmin, authenticate, issueApiKey } from "../../../lambdas/core/api-keys";
import { documentClient, platform } from "../../support/platform";

/** API keys in DynamoDB Local (docs/operators-api.md): the lookup item and the tenant's list item, kept together. */
const store = () => new DynamoDbApiKeyStore(documentClient(), platform().TableName);
/** A tenant of this test alone: the table is shared by every test file. */
const newTenantId = () => `keys-${randomBytes(5).toString("hex")}`;

const created = new Date("2026-02-15T10:30:00.000Z");
const minutesAfter = (minutes: number) => new Date(created.getTime() + minutes * 60_000).toISOString();

async function savedKey(tenantId: string, fields: { name?: string | null; expiresAt?: string | null } = {}) {
  const issued = issueApiKey(tenantId, { ...fields, now: created });
  await store().save(issued.record);
  return issued;
}

async function listItem(record: ApiKeyRecord) {
  return storedItem(keys.tenantKey(record.tenant_id, record.key_id));
}

async function storedItem(key: { pk: string; sk: string }) {
  const { Item } = await documentClient().send(
    new GetCommand({ TableName: platform().TableName, Key: key, ConsistentRead: true }),
  );
  return Item;
}

async function savedSession(tenantId: string, expiresAt = minutesAfter(60)) {
  const issued = issueApiKey(tenantId, { kind: "portal_session", expiresAt, now: created });
  await store().save(issued.record);
  return issued;
}

describe("DynamoDbApiKeyStore", () => {
  it("finds a saved key by its hash, with its name and expiry", async () => {
    // Prepare
    const tenantId = newTenantId();
    const { record } = await savedKey(tenantId, { name: "CRM sync", expiresAt: "2027-01-01T00:00:00.000Z" });

    // Act
    const found = await store().find(record.key_hash);

    // Assess
    expect(found).toEqual({
      key_hash: record.key_hash,
      tenant_id: tenantId,
      kind: "api_key",
      key_id: record.key_id,
      name: "CRM sync",
      created_at: "2026-02-15T10:30:00.000Z",
      expires_at: "2027-01-01T00:00:00.000Z",
      last_used_at: null,
    });
  });

  it("finds a key without a name or expiry as nulls", async () => {
    // Prepare
    const { record } = await savedKey(newTenantId());

    // Act
    const found = await store().find(record.key_hash);

    // Assess
    expect(found).toEqual(record);
  });

  it("finds nothing for an unknown hash", async () => {
    // Act
    const found = await store().find(issueApiKey(newTenantId()).record.key_hash);

    // Assess
    expect(found).toBeUndefined();
  });

  it("refuses to save a key whose hash is already stored", async () => {
    // Prepare
    const { record } = await savedKey(newTenantId());

    // Act
    const save = store().save({ ...record, name: "again" });

    // Assess
    await expect(save).rejects.toThrow();
    expect((await store().find(record.key_hash))?.name).toBeNull();
  });

  it("lists a tenant's keys and no other tenant's", async () => {
    // Prepare
    const tenantId = newTenantId();
    const first = await savedKey(tenantId, { name: "first" });
    const second = await savedKey(tenantId, { name: "second", expiresAt: "2027-01-01T00:00:00.000Z" });
    await savedKey(newTenantId(), { name: "another tenant's" });

    // Act
    const listed = await store().list(tenantId);

    // Assess
    expect(listed).toHaveLength(2);
    expect(listed).toEqual(expect.arrayContaining([first.record, second.record]));
  });

  it("lists nothing for a tenant without keys", async () => {
    // Act
    const listed = await store().list(newTenantId());

    // Assess
    expect(listed).toEqual([]);
  });

  it("revokes a key: it is found no more and listed no more", async () => {
    // Prepare
    const tenantId = newTenantId();
    const revoked = await savedKey(tenantId);
    const kept = await savedKey(tenantId);

    // Act
    const answered = await store().revoke(tenantId, revoked.record.key_id, "api_key");

    // Assess
    expect(answered).toBe(true);
    expect(await store().find(revoked.record.key_hash)).toBeUndefined();
    expect(await store().find(kept.record.key_hash)).toEqual(kept.record);
    expect((await store().list(tenantId)).map((r) => r.key_id)).toEqual([kept.record.key_id]);
  });

  it("answers false when revoking a key twice, an unknown key or another tenant's key", async () => {
    // Prepare
    const tenantId = newTenantId();
    const { record } = await savedKey(tenantId);
    await store().revoke(tenantId, record.key_id, "api_key");
    const another = await savedKey(newTenantId());

    // Act
    const twice = await store().revoke(tenantId, record.key_id, "api_key");
    const unknown = await store().revoke(tenantId, "0123456789ab", "api_key");
    const anothers = await store().revoke(tenantId, another.record.key_id, "api_key");

    // Assess
    expect([twice, unknown, anothers]).toEqual([false, false, false]);
    expect(await store().find(another.record.key_hash)).toEqual(another.record);
  });

  it("records a use on the tenant's list", async () => {
    // Prepare
    const tenantId = newTenantId();
    const { record } = await savedKey(tenantId);

    // Act
    await store().recordUse(record, minutesAfter(1), minutesAfter(0));

    // Assess
    expect(await store().list(tenantId)).toEqual([{ ...record, last_used_at: minutesAfter(1) }]);
  });

  it("records a use at most once a minute", async () => {
    // Prepare
    const tenantId = newTenantId();
    const { record } = await savedKey(tenantId);
    await store().recordUse(record, minutesAfter(10), minutesAfter(9));

    // Act: 30 s later (not before 9.5 min), then 61 s after the first (not before 10.0167 min)
    await store().recordUse(record, minutesAfter(10.5), minutesAfter(9.5));
    const withinTheMinute = (await store().list(tenantId))[0]?.last_used_at;
    await store().recordUse(record, minutesAfter(11 + 1 / 60), minutesAfter(10 + 1 / 60));
    const afterTheMinute = (await store().list(tenantId))[0]?.last_used_at;

    // Assess
    expect(withinTheMinute).toBe(minutesAfter(10));
    expect(afterTheMinute).toBe(minutesAfter(11 + 1 / 60));
  });

  it("keeps a use recorded at notBefore itself", async () => {
    // Prepare
    const tenantId = newTenantId();
    const { record } = await savedKey(tenantId);
    await store().recordUse(record, minutesAfter(5), minutesAfter(4));

    // Act
    await store().recordUse(record, minutesAfter(6), minutesAfter(5));

    // Assess
    expect((await store().list(tenantId))[0]?.last_used_at).toBe(minutesAfter(5));
  });

  it("never recreates a revoked key's item when recording a use", async () => {
    // Prepare
    const tenantId = newTenantId();
    const { record } = await savedKey(tenantId);
    await store().revoke(tenantId, record.key_id, "api_key");

    // Act
    await store().recordUse(record, minutesAfter(1), minutesAfter(0));

    // Assess
    expect(await listItem(record)).toBeUndefined();
    expect(await store().list(tenantId)).toEqual([]);
    expect(await store().find(record.key_hash)).toBeUndefined();
  });

  it("records uses concurrently without failing", async () => {
    // Prepare
    const tenantId = newTenantId();
    const { record } = await savedKey(tenantId);

    // Act
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        store().recordUse(record, minutesAfter(1 + i / 1000), minutesAfter(0)),
      ),
    );

    // Assess
    const [listed] = await store().list(tenantId);
    expect(listed?.last_used_at).toMatch(/^2026-02-15T10:31:00\.\d{3}Z$/);
  });

  it("serves the operators' routes and the authorizer end to end", async () => {
    // Prepare
    const tenantId = newTenantId();
    const admin = apiKeyAdmin({ store: store(), clock: () => created });
    const issued = await admin.create(tenantId, { name: "CRM sync" });
    const usedAt = new Date(minutesAfter(2));

    // Act
    const authenticated = await authenticate(store(), `Bearer ${issued.key}`, usedAt);
    const listed = await admin.list(tenantId, {});
    await admin.revoke(tenantId, issued.key_id);
    const afterRevoke = await authenticate(store(), `Bearer ${issued.key}`, usedAt);

    // Assess
    expect(authenticated).toMatchObject({ tenant_id: tenantId, key_id: issued.key_id, name: "CRM sync" });
    expect(listed).toEqual([
      {
        key_id: issued.key_id,
        name: "CRM sync",
        created_at: created.toISOString(),
        expires_at: null,
        last_used_at: usedAt.toISOString(),
      },
    ]);
    expect(afterRevoke).toBeUndefined();
    expect(await admin.list(tenantId, {})).toEqual([]);
  });
});

describe("DynamoDbApiKeyStore, with portal sessions", () => {
  it("finds and lists a saved session with its kind", async () => {
    // Prepare
    const tenantId = newTenantId();
    const { record } = await savedSession(tenantId);

    // Act
    const found = await store().find(record.key_hash);
    const listed = await store().list(tenantId);

    // Assess
    expect(found).toEqual(record);
    expect(found?.kind).toBe("portal_session");
    expect(listed).toEqual([record]);
  });

  it("reads a key stored before kinds existed as an API key", async () => {
    // Prepare: the two items as they were written before `kind`
    const tenantId = newTenantId();
    const { record } = issueApiKey(tenantId, { now: created });
    const { kind: _kind, expires_at: _expiresAt, last_used_at: _lastUsedAt, ...fields } = record;
    for (const key of [keys.apiKey(record.key_hash), keys.tenantKey(tenantId, record.key_id)]) {
      await documentClient().send(
        new PutCommand({
          TableName: platform().TableName,
          Item: { ...key, ...fields, key_expires_at: null },
        }),
      );
    }

    // Act
    const found = await store().find(record.key_hash);
    const listed = await store().list(tenantId);
    const revoked = await store().revoke(tenantId, record.key_id, "api_key");

    // Assess
    expect(found).toEqual(record);
    expect(listed).toEqual([record]);
    expect(revoked).toBe(true);
  });

  it("revokes a session only as a session, and a key only as a key", async () => {
    // Prepare
    const tenantId = newTenantId();
    const session = await savedSession(tenantId);
    const key = await savedKey(tenantId);

    // Act
    const sessionAsKey = await store().revoke(tenantId, session.record.key_id, "api_key");
    const keyAsSession = await store().revoke(tenantId, key.record.key_id, "portal_session");
    const foundAfterWrongKinds = await Promise.all([
      store().find(session.record.key_hash),
      store().find(key.record.key_hash),
    ]);
    const sessionAsSession = await store().revoke(tenantId, session.record.key_id, "portal_session");

    // Assess
    expect([sessionAsKey, keyAsSession]).toEqual([false, false]);
    expect(foundAfterWrongKinds).toEqual([session.record, key.record]);
    expect(sessionAsSession).toBe(true);
    expect(await store().find(session.record.key_hash)).toBeUndefined();
    expect(await store().list(tenantId)).toEqual([key.record]);
  });

  it("marks a session's items for the table's TTL at its expiry, and no key's", async () => {
    // Prepare
    const tenantId = newTenantId();
    const session = await savedSession(tenantId, "2026-02-15T11:30:00.000Z");
    const key = await savedKey(tenantId, { expiresAt: "2026-02-15T11:30:00.000Z" });

    // Act
    const sessionItems = await Promise.all([
      storedItem(keys.apiKey(session.record.key_hash)),
      listItem(session.record),
    ]);
    const keyItems = await Promise.all([storedItem(keys.apiKey(key.record.key_hash)), listItem(key.record)]);

    // Assess
    const epochSeconds = Date.parse("2026-02-15T11:30:00.000Z") / 1000;
    expect(sessionItems.map((item) => item?.[TABLE_KEY.ttl])).toEqual([epochSeconds, epochSeconds]);
    expect(keyItems.map((item) => item?.[TABLE_KEY.ttl])).toEqual([undefined, undefined]);
  });

  it("serves an expired session to the authorizer as no credential", async () => {
    // Prepare
    const tenantId = newTenantId();
    const live = await savedSession(tenantId, minutesAfter(60));
    const expired = await savedSession(tenantId, minutesAfter(-1));

    // Act
    const liveFound = await authenticate(store(), `Bearer ${live.key}`, created);
    const expiredFound = await authenticate(store(), `Bearer ${expired.key}`, created);

    // Assess
    expect(liveFound).toMatchObject({ tenant_id: tenantId, kind: "portal_session" });
    expect(expiredFound).toBeUndefined();
  });
});
