import { describe, expect, it } from "vitest";
import {
  type ApiKeyRecord,
  type ApiKeyStore,
  authenticate,
  bearerToken,
  hashApiKey,
  issueApiKey,
} from "../../../lambdas/core/api-keys";

/** The ApiKeyStore port's contract in memory, recording each lookup. */
class InMemoryApiKeyStore implements ApiKeyStore {
  readonly records = new Map<string, ApiKeyRecord>();
  readonly lookups: string[] = [];

  async find(keyHash: string): Promise<ApiKeyRecord | undefined> {
    this.lookups.push(keyHash);
    return this.records.get(keyHash);
  }

  async save(record: ApiKeyRecord): Promise<void> {
    this.records.set(record.key_hash, record);
  }
}

describe("issueApiKey", () => {
  it("issues an hk_ key whose hash is what the record stores", () => {
    // Prepare
    const now = new Date("2026-02-15T10:30:00Z");

    // Act
    const { key, record } = issueApiKey("acme", now);

    // Assess
    expect(key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    expect(record).toEqual({
      key_hash: hashApiKey(key),
      tenant_id: "acme",
      key_id: hashApiKey(key).slice(0, 12),
      created_at: "2026-02-15T10:30:00.000Z",
    });
  });

  it("never stores the key itself", () => {
    // Act
    const { key, record } = issueApiKey("acme");

    // Assess
    expect(JSON.stringify(record)).not.toContain(key);
    expect(JSON.stringify(record)).not.toContain(key.slice(3));
  });

  it("issues a different key each time", () => {
    // Act
    const first = issueApiKey("acme");
    const second = issueApiKey("acme");

    // Assess
    expect(first.key).not.toBe(second.key);
    expect(first.record.key_hash).not.toBe(second.record.key_hash);
  });

  it.each(["", "acme corp", "a/b", "x".repeat(65)])("refuses the tenant id %j", (tenantId) => {
    // Act
    const issue = () => issueApiKey(tenantId);

    // Assess
    expect(issue).toThrow(/tenant id/);
  });
});

describe("hashApiKey", () => {
  it("is a stable 64-character hex hash", () => {
    // Act
    const hash = hashApiKey("hk_example");

    // Assess
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey("hk_example")).toBe(hash);
    expect(hashApiKey("hk_other")).not.toBe(hash);
  });
});

describe("bearerToken", () => {
  it.each([
    ["Bearer hk_abc", "hk_abc"],
    ["bearer hk_abc", "hk_abc"],
    ["BEARER hk_abc", "hk_abc"],
    ["Bearer    hk_abc   ", "hk_abc"],
  ])("reads %j as the token %j", (header, expected) => {
    // Act
    const token = bearerToken(header);

    // Assess
    expect(token).toBe(expected);
  });

  it.each([
    ["no header", undefined],
    ["an empty header", ""],
    ["Basic credentials", "Basic x"],
    ["Bearer without a token", "Bearer"],
    ["Bearer with only spaces", "Bearer   "],
    ["a token with a space in it", "Bearer hk_a hk_b"],
    ["a bare token", "hk_abc"],
  ])("gives undefined for %s", (_, header) => {
    // Act
    const token = bearerToken(header);

    // Assess
    expect(token).toBeUndefined();
  });
});

describe("authenticate", () => {
  it("returns the record for a known key", async () => {
    // Prepare
    const store = new InMemoryApiKeyStore();
    const { key, record } = issueApiKey("acme");
    await store.save(record);

    // Act
    const found = await authenticate(store, `Bearer ${key}`);

    // Assess
    expect(found).toEqual(record);
    expect(store.lookups).toEqual([hashApiKey(key)]);
  });

  it("returns undefined for an unknown key", async () => {
    // Prepare
    const store = new InMemoryApiKeyStore();
    await store.save(issueApiKey("acme").record);

    // Act
    const found = await authenticate(store, `Bearer ${issueApiKey("acme").key}`);

    // Assess
    expect(found).toBeUndefined();
  });

  it("returns undefined without a lookup when the header is missing or not a bearer token", async () => {
    // Prepare
    const store = new InMemoryApiKeyStore();

    // Act
    const missing = await authenticate(store, undefined);
    const basic = await authenticate(store, "Basic YWxhZGRpbjpvcGVuc2VzYW1l");

    // Assess
    expect(missing).toBeUndefined();
    expect(basic).toBeUndefined();
    expect(store.lookups).toEqual([]);
  });

  it("returns undefined without a lookup for an over-long token", async () => {
    // Prepare
    const store = new InMemoryApiKeyStore();
    const token = `hk_${"a".repeat(300)}`;
    await store.save({ key_hash: hashApiKey(token), tenant_id: "acme", key_id: "x", created_at: "" });

    // Act
    const found = await authenticate(store, `Bearer ${token}`);

    // Assess
    expect(found).toBeUndefined();
    expect(store.lookups).toEqual([]);
  });
});
