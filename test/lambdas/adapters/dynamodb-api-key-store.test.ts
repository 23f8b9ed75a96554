import { randomBytes } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { DynamoDbApiKeyStore } from "../../../lambdas/adapters/dynamodb-api-key-store";
import { keys } from "../../../lambdas/adapters/table-keys";
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
  const { Item } = await documentClient().send(
    new GetCommand({
      TableName: platform().TableName,
      Key: keys.tenantKey(record.tenant_id, record.key_id),
      ConsistentRead: true,
    }),
  );
  return Item;
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
    const answered = await store().revoke(tenantId, revoked.record.key_id);

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
    await store().revoke(tenantId, record.key_id);
    const another = await savedKey(newTenantId());

    // Act
    const twice = await store().revoke(tenantId, record.key_id);
    const unknown = await store().revoke(tenantId, "0123456789ab");
    const anothers = await store().revoke(tenantId, another.record.key_id);

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
    await store().revoke(tenantId, record.key_id);

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
