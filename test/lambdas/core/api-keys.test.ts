import { describe, expect, it } from "vitest";
import {
  type ApiKeyRecord,
  type ApiKeyStore,
  apiKeyAdmin,
  authenticate,
  bearerToken,
  type CredentialKind,
  hashApiKey,
  issueApiKey,
  LAST_USED_PRECISION_MS,
} from "../../../lambdas/core/api-keys";
import { NotFoundError, ValidationError } from "../../../lambdas/core/errors";
import { publicBaseUrl } from "../../../lambdas/adapters/api-gateway-request";
import { portalSessionAdmin, portalUrl } from "../../../lambdas/core/portal-sessions";

/** The ApiKeyStore port in memory, recording each lookup and each recorded use. */
class InMemoryApiKeyStore implements ApiKeyStore {
  readonly records = new Map<string, ApiKeyRecord>();
  readonly lookups: string[] = [];
  readonly uses: { key_id: string; at: string; notBefore: string }[] = [];

  async find(keyHash: string): Promise<ApiKeyRecord | undefined> {
    this.lookups.push(keyHash);
    return this.records.get(keyHash);
  }

  async save(record: ApiKeyRecord): Promise<void> {
    if (this.records.has(record.key_hash)) throw new Error(`key ${record.key_id} exists`);
    this.records.set(record.key_hash, record);
  }

  async list(tenantId: string): Promise<ApiKeyRecord[]> {
    return [...this.records.values()].filter((r) => r.tenant_id === tenantId);
  }

  async revoke(tenantId: string, keyId: string, kind: CredentialKind): Promise<boolean> {
    const record = [...this.records.values()].find(
      (r) => r.tenant_id === tenantId && r.key_id === keyId && r.kind === kind,
    );
    return record !== undefined && this.records.delete(record.key_hash);
  }

  async recordUse(record: ApiKeyRecord, at: string, notBefore: string): Promise<void> {
    this.uses.push({ key_id: record.key_id, at, notBefore });
    const current = this.records.get(record.key_hash);
    // Never recreates a revoked key; a use already recorded since notBefore is kept.
    if (!current || (current.last_used_at !== null && current.last_used_at >= notBefore)) return;
    this.records.set(record.key_hash, { ...current, last_used_at: at });
  }

  stored(keyHash: string): ApiKeyRecord | undefined {
    return this.records.get(keyHash);
  }
}

/** A store whose recordUse always fails, as a throttled table would. */
class FailingUseStore extends InMemoryApiKeyStore {
  override async recordUse(): Promise<void> {
    throw new Error("throttled");
  }
}

const now = new Date("2026-02-15T10:30:00Z");
const secondsBefore = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

async function storedKey(store: ApiKeyStore, fields: Partial<ApiKeyRecord> = {}) {
  const { key, record } = issueApiKey("acme", { now: new Date("2026-01-01T00:00:00Z") });
  const stored = { ...record, ...fields };
  await store.save(stored);
  return { key, record: stored };
}

describe("issueApiKey", () => {
  it("issues an hk_ key whose hash is what the record stores", () => {
    // Prepare
    const at = new Date("2026-02-15T10:30:00Z");

    // Act
    const { key, record } = issueApiKey("acme", { now: at });

    // Assess
    expect(key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    expect(record).toEqual({
      key_hash: hashApiKey(key),
      tenant_id: "acme",
      kind: "api_key",
      key_id: hashApiKey(key).slice(0, 12),
      name: null,
      created_at: "2026-02-15T10:30:00.000Z",
      expires_at: null,
      last_used_at: null,
    });
  });

  it("keeps the name and expiry it is given", () => {
    // Act
    const { record } = issueApiKey("acme", { name: "CRM sync", expiresAt: "2027-01-01T00:00:00.000Z", now });

    // Assess
    expect(record).toMatchObject({
      name: "CRM sync",
      expires_at: "2027-01-01T00:00:00.000Z",
      last_used_at: null,
    });
  });

  it("issues an hps_ token of the portal_session kind when asked", () => {
    // Act
    const { key, record } = issueApiKey("acme", { kind: "portal_session", now });

    // Assess
    expect(key).toMatch(/^hps_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({
      key_hash: hashApiKey(key),
      kind: "portal_session",
      key_id: hashApiKey(key).slice(0, 12),
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
    const { key, record } = await storedKey(store);

    // Act
    const found = await authenticate(store, `Bearer ${key}`, now);

    // Assess
    expect(found).toEqual(record);
    expect(store.lookups).toEqual([hashApiKey(key)]);
  });

  it("returns undefined for an unknown key", async () => {
    // Prepare
    const store = new InMemoryApiKeyStore();
    await storedKey(store);

    // Act
    const found = await authenticate(store, `Bearer ${issueApiKey("acme").key}`, now);

    // Assess
    expect(found).toBeUndefined();
    expect(store.uses).toEqual([]);
  });

  it("returns undefined without a lookup when the header is missing or not a bearer token", async () => {
    // Prepare
    const store = new InMemoryApiKeyStore();

    // Act
    const missing = await authenticate(store, undefined, now);
    const basic = await authenticate(store, "Basic YWxhZGRpbjpvcGVuc2VzYW1l", now);

    // Assess
    expect(missing).toBeUndefined();
    expect(basic).toBeUndefined();
    expect(store.lookups).toEqual([]);
  });

  it("returns undefined without a lookup for an over-long token", async () => {
    // Prepare
    const store = new InMemoryApiKeyStore();
    const token = `hk_${"a".repeat(300)}`;
    await store.save({ ...issueApiKey("acme").record, key_hash: hashApiKey(token) });

    // Act
    const found = await authenticate(store, `Bearer ${token}`, now);

    // Assess
    expect(found).toBeUndefined();
    expect(store.lookups).toEqual([]);
  });

  it.each([
    ["expired a second ago", secondsBefore(1)],
    ["expiring this instant", now.toISOString()],
  ])("refuses a key %s and records no use", async (_, expiresAt) => {
    // Prepare
    const store = new InMemoryApiKeyStore();
    const { key } = await storedKey(store, { expires_at: expiresAt });

    // Act
    const found = await authenticate(store, `Bearer ${key}`, now);

    // Assess
    expect(found).toBeUndefined();
    expect(store.uses).toEqual([]);
  });

  it("accepts a key that has not expired yet", async () => {
    // Prepare
    const store = new InMemoryApiKeyStore();
    const { key, record } = await storedKey(store, { expires_at: "2026-02-15T10:30:00.001Z" });

    // Act
    const found = await authenticate(store, `Bearer ${key}`, now);

    // Assess
    expect(found).toEqual(record);
  });

  it("refuses a revoked key", async () => {
    // Prepare
    const store = new InMemoryApiKeyStore();
    const { key, record } = await storedKey(store);
    await store.revoke("acme", record.key_id, "api_key");

    // Act
    const found = await authenticate(store, `Bearer ${key}`, now);

    // Assess
    expect(found).toBeUndefined();
  });

  it.each([
    ["never used", null],
    ["last used 61 s ago", secondsBefore(61)],
  ])("records a use of a key %s", async (_, lastUsedAt) => {
    // Prepare
    const store = new InMemoryApiKeyStore();
    const { key, record } = await storedKey(store, { last_used_at: lastUsedAt });

    // Act
    await authenticate(store, `Bearer ${key}`, now);

    // Assess
    expect(store.uses).toEqual([
      {
        key_id: record.key_id,
        at: now.toISOString(),
        notBefore: new Date(now.getTime() - LAST_USED_PRECISION_MS).toISOString(),
      },
    ]);
    expect(store.stored(record.key_hash)?.last_used_at).toBe(now.toISOString());
  });

  it.each([
    ["30 s ago", secondsBefore(30)],
    ["exactly 60 s ago", secondsBefore(60)],
  ])("records no use of a key last used %s", async (_, lastUsedAt) => {
    // Prepare
    const store = new InMemoryApiKeyStore();
    const { key, record } = await storedKey(store, { last_used_at: lastUsedAt });

    // Act
    const found = await authenticate(store, `Bearer ${key}`, now);

    // Assess
    expect(found).toEqual(record);
    expect(store.uses).toEqual([]);
    expect(store.stored(record.key_hash)?.last_used_at).toBe(lastUsedAt);
  });

  it("accepts the key when recording its use fails, and reports the failure", async () => {
    // Prepare
    const store = new FailingUseStore();
    const { key, record } = await storedKey(store);
    const failures: unknown[] = [];

    // Act
    const found = await authenticate(store, `Bearer ${key}`, now, (error) => failures.push(error));

    // Assess
    expect(found).toEqual(record);
    expect(failures).toEqual([new Error("throttled")]);
  });
});

describe("apiKeyAdmin", () => {
  const setup = () => {
    const store = new InMemoryApiKeyStore();
    let clock = now;
    const admin = apiKeyAdmin({ store, clock: () => clock });
    return { store, admin, advance: (ms: number) => (clock = new Date(clock.getTime() + ms)) };
  };

  it("creates a key without a name or expiry, showing the key once", async () => {
    // Prepare
    const { store, admin } = setup();

    // Act
    const issued = await admin.create("acme", {});

    // Assess
    expect(issued).toEqual({
      key: expect.stringMatching(/^hk_/),
      tenant_id: "acme",
      key_id: hashApiKey(issued.key).slice(0, 12),
      name: null,
      created_at: now.toISOString(),
      expires_at: null,
      last_used_at: null,
    });
    expect(store.stored(hashApiKey(issued.key))).toMatchObject({ tenant_id: "acme", key_id: issued.key_id });
  });

  it("creates a key with a name and an expiry, stored in UTC", async () => {
    // Prepare
    const { admin } = setup();

    // Act
    const issued = await admin.create("acme", {
      name: "  CRM sync ",
      expires_at: "2027-01-01T00:00:00+02:00",
    });

    // Assess
    expect(issued).toMatchObject({ name: "CRM sync", expires_at: "2026-12-31T22:00:00.000Z" });
  });

  it("creates a key that authenticates until it expires", async () => {
    // Prepare
    const { store, admin } = setup();
    const issued = await admin.create("acme", { expires_at: "2026-02-15T11:30:00Z" });

    // Act
    const before = await authenticate(store, `Bearer ${issued.key}`, new Date("2026-02-15T11:29:59Z"));
    const after = await authenticate(store, `Bearer ${issued.key}`, new Date("2026-02-15T11:30:00Z"));

    // Assess
    expect(before?.tenant_id).toBe("acme");
    expect(after).toBeUndefined();
  });

  it.each([
    ["in the past", "2026-02-15T10:29:59Z"],
    ["this instant", "2026-02-15T10:30:00Z"],
  ])("refuses an expires_at %s and stores nothing", async (_, expiresAt) => {
    // Prepare
    const { store, admin } = setup();

    // Act
    const create = admin.create("acme", { expires_at: expiresAt });

    // Assess
    await expect(create).rejects.toBeInstanceOf(ValidationError);
    await expect(create).rejects.toMatchObject({
      details: [{ field: "expires_at", message: expect.stringMatching(/in the past/) }],
    });
    expect(store.records.size).toBe(0);
  });

  it.each(["tomorrow", "2027-01-01", "2027-01-01T00:00:00", 1767225600])(
    "refuses the expires_at %j, naming the field",
    async (expiresAt) => {
      // Prepare
      const { store, admin } = setup();

      // Act
      const create = admin.create("acme", { expires_at: expiresAt });

      // Assess
      await expect(create).rejects.toBeInstanceOf(ValidationError);
      await expect(create).rejects.toMatchObject({
        details: [expect.objectContaining({ field: "expires_at" })],
      });
      expect(store.records.size).toBe(0);
    },
  );

  it.each([
    ["an empty name", { name: "  " }, "name"],
    ["a name over 100 characters", { name: "n".repeat(101) }, "name"],
    ["an unknown field", { scopes: ["events:write"] }, "body"],
  ])("refuses %s", async (_, body, field) => {
    // Prepare
    const { store, admin } = setup();

    // Act
    const create = admin.create("acme", body);

    // Assess
    await expect(create).rejects.toBeInstanceOf(ValidationError);
    await expect(create).rejects.toMatchObject({ details: [expect.objectContaining({ field })] });
    expect(store.records.size).toBe(0);
  });

  it("names the unknown field it refuses", async () => {
    // Prepare
    const { admin } = setup();

    // Act
    const create = admin.create("acme", { name: "ok", scopes: [] });

    // Assess
    await expect(create).rejects.toMatchObject({
      details: [{ field: "body", message: expect.stringContaining("scopes") }],
    });
  });

  it.each(["acme corp", "", "a/b", "x".repeat(65)])(
    "refuses the tenant id %j on every route",
    async (tenantId) => {
      // Prepare
      const { admin } = setup();

      // Act
      const create = admin.create(tenantId, {});
      const list = admin.list(tenantId, {});
      const revoke = admin.revoke(tenantId, "0123456789ab");

      // Assess
      await expect(create).rejects.toThrow(ValidationError);
      await expect(create).rejects.toThrow(/tenant id/);
      await expect(list).rejects.toThrow(ValidationError);
      await expect(revoke).rejects.toThrow(ValidationError);
    },
  );

  it("lists a tenant's keys oldest first, without the key or its hash", async () => {
    // Prepare
    const { admin, advance } = setup();
    const first = await admin.create("acme", { name: "first" });
    advance(1_000);
    const second = await admin.create("acme", { name: "second", expires_at: "2027-01-01T00:00:00Z" });
    await admin.create("globex", { name: "another tenant's" });

    // Act
    const keys = await admin.list("acme", {});

    // Assess
    expect(keys).toEqual([
      {
        key_id: first.key_id,
        name: "first",
        created_at: "2026-02-15T10:30:00.000Z",
        expires_at: null,
        last_used_at: null,
      },
      {
        key_id: second.key_id,
        name: "second",
        created_at: "2026-02-15T10:30:01.000Z",
        expires_at: "2027-01-01T00:00:00.000Z",
        last_used_at: null,
      },
    ]);
    const listed = JSON.stringify(keys);
    expect(listed).not.toContain(first.key);
    expect(listed).not.toContain(hashApiKey(first.key));
    expect(listed).not.toContain(hashApiKey(second.key));
  });

  it("lists when a key was last used", async () => {
    // Prepare
    const { store, admin } = setup();
    const issued = await admin.create("acme", {});
    await authenticate(store, `Bearer ${issued.key}`, now);

    // Act
    const [key] = await admin.list("acme", {});

    // Assess
    expect(key?.last_used_at).toBe(now.toISOString());
  });

  it("refuses query parameters on the list", async () => {
    // Prepare
    const { admin } = setup();

    // Act
    const list = admin.list("acme", { page: "2" });

    // Assess
    await expect(list).rejects.toBeInstanceOf(ValidationError);
  });

  it("revokes a key, which then no longer authenticates or lists", async () => {
    // Prepare
    const { store, admin } = setup();
    const issued = await admin.create("acme", {});
    const kept = await admin.create("acme", {});

    // Act
    const revoked = await admin.revoke("acme", issued.key_id);

    // Assess
    expect(revoked).toEqual({ key_id: issued.key_id, revoked: true });
    expect(await authenticate(store, `Bearer ${issued.key}`, now)).toBeUndefined();
    expect(await authenticate(store, `Bearer ${kept.key}`, now)).toMatchObject({ key_id: kept.key_id });
    expect((await admin.list("acme", {})).map((k) => k.key_id)).toEqual([kept.key_id]);
  });

  it("answers 404 when revoking a key twice, or another tenant's key", async () => {
    // Prepare
    const { store, admin } = setup();
    const issued = await admin.create("acme", {});
    await admin.revoke("acme", issued.key_id);
    const globex = await admin.create("globex", {});

    // Act
    const again = admin.revoke("acme", issued.key_id);
    const another = admin.revoke("acme", globex.key_id);

    // Assess
    await expect(again).rejects.toBeInstanceOf(NotFoundError);
    await expect(another).rejects.toBeInstanceOf(NotFoundError);
    expect(await authenticate(store, `Bearer ${globex.key}`, now)).toMatchObject({ tenant_id: "globex" });
  });

  it.each(["0123456789ab", "", "ABCDEF012345", "0123456789abc", "../../etc", "hk_secret"])(
    "answers 404 when revoking the unknown or malformed key id %j",
    async (keyId) => {
      // Prepare
      const { admin } = setup();
      await admin.create("acme", {});

      // Act
      const revoke = admin.revoke("acme", keyId);

      // Assess
      await expect(revoke).rejects.toBeInstanceOf(NotFoundError);
      expect(await admin.list("acme", {})).toHaveLength(1);
    },
  );
});

describe("publicBaseUrl and portalUrl", () => {
  it.each([
    [
      "https",
      "abc123.execute-api.eu-west-1.amazonaws.com",
      "https://abc123.execute-api.eu-west-1.amazonaws.com",
    ],
    ["http", "127.0.0.1:3000", "http://127.0.0.1:3000"],
    ["HTTP", "127.0.0.1:3000", "http://127.0.0.1:3000"],
    ["http, https", "127.0.0.1:3000", "http://127.0.0.1:3000"],
    [undefined, "api.example.com", "https://api.example.com"],
    ["gopher", "api.example.com", "https://api.example.com"],
  ])("reads x-forwarded-proto %j and the domain %j as %j", (proto, domainName, expected) => {
    // Act
    const base = publicBaseUrl(proto, domainName);

    // Assess
    expect(base).toBe(expected);
  });

  it("puts the token in the fragment of the portal's address", () => {
    // Act
    const url = new URL(portalUrl("https://api.example.com", "hps_abc-_9"));

    // Assess
    expect(url.origin).toBe("https://api.example.com");
    expect(url.pathname).toBe("/portal");
    expect(url.search).toBe("");
    expect(url.hash).toBe("#session=hps_abc-_9");
  });
});

describe("portalSessionAdmin", () => {
  const base = "https://api.example.com";
  const setup = () => {
    const store = new InMemoryApiKeyStore();
    const sessions = portalSessionAdmin({ store, clock: () => now });
    const keys = apiKeyAdmin({ store, clock: () => now });
    return { store, sessions, keys };
  };
  const tokenOf = (url: string) => new URL(url).hash.replace(/^#session=/, "");
  const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

  it("issues a session of an hour by default, stored hashed like a key", async () => {
    // Prepare
    const { store, sessions } = setup();

    // Act
    const session = await sessions.create("acme", {}, base);

    // Assess
    const token = tokenOf(session.url);
    expect(session).toEqual({
      session_id: hashApiKey(token).slice(0, 12),
      tenant_id: "acme",
      expires_at: "2026-02-15T11:30:00.000Z",
      url: `${base}/portal#session=${token}`,
    });
    expect(token).toMatch(/^hps_[A-Za-z0-9_-]{43}$/);
    expect(store.stored(hashApiKey(token))).toEqual({
      key_hash: hashApiKey(token),
      tenant_id: "acme",
      kind: "portal_session",
      key_id: session.session_id,
      name: null,
      created_at: now.toISOString(),
      expires_at: "2026-02-15T11:30:00.000Z",
      last_used_at: null,
    });
    expect(JSON.stringify([...store.records.values()])).not.toContain(token);
  });

  it.each([
    [60, "2026-02-15T10:31:00.000Z"],
    [3600, "2026-02-15T11:30:00.000Z"],
  ])("issues a session of ttl_seconds %j, expiring at %j", async (ttl, expiresAt) => {
    // Prepare
    const { sessions } = setup();

    // Act
    const session = await sessions.create("acme", { ttl_seconds: ttl }, base);

    // Assess
    expect(session.expires_at).toBe(expiresAt);
  });

  it("authenticates as its tenant until it expires", async () => {
    // Prepare
    const { store, sessions } = setup();
    const session = await sessions.create("acme", { ttl_seconds: 60 }, base);
    const header = `Bearer ${tokenOf(session.url)}`;

    // Act
    const live = await authenticate(store, header, later(59));
    const expired = await authenticate(store, header, later(60));

    // Assess
    expect(live).toMatchObject({ tenant_id: "acme", kind: "portal_session", key_id: session.session_id });
    expect(expired).toBeUndefined();
  });

  it.each([
    ["0", { ttl_seconds: 0 }, "ttl_seconds"],
    ["59", { ttl_seconds: 59 }, "ttl_seconds"],
    ["3601", { ttl_seconds: 3601 }, "ttl_seconds"],
    ["a fraction", { ttl_seconds: 90.5 }, "ttl_seconds"],
    ["a string", { ttl_seconds: "120" }, "ttl_seconds"],
    ["null", { ttl_seconds: null }, "ttl_seconds"],
    ["an unknown field", { ttl: 120 }, "body"],
  ])("refuses a ttl of %s, naming the field, and stores nothing", async (_, body, field) => {
    // Prepare
    const { store, sessions } = setup();

    // Act
    const create = sessions.create("acme", body, base);

    // Assess
    await expect(create).rejects.toBeInstanceOf(ValidationError);
    await expect(create).rejects.toMatchObject({ details: [expect.objectContaining({ field })] });
    expect(store.records.size).toBe(0);
  });

  it("says what ttl_seconds may be", async () => {
    // Prepare
    const { sessions } = setup();

    // Act
    const create = sessions.create("acme", { ttl_seconds: 59 }, base);

    // Assess
    await expect(create).rejects.toMatchObject({
      details: [{ field: "ttl_seconds", message: "ttl_seconds is a whole number of seconds, 60 to 3600" }],
    });
  });

  it.each(["acme corp", "", "x".repeat(65)])("refuses the tenant id %j", async (tenantId) => {
    // Prepare
    const { sessions } = setup();

    // Act
    const create = sessions.create(tenantId, {}, base);
    const revoke = sessions.revoke(tenantId, "0123456789ab");

    // Assess
    await expect(create).rejects.toMatchObject({
      details: [expect.objectContaining({ field: "tenant_id" })],
    });
    await expect(revoke).rejects.toBeInstanceOf(ValidationError);
  });

  it("is not listed with the tenant's keys", async () => {
    // Prepare
    const { sessions, keys } = setup();
    const key = await keys.create("acme", { name: "backend" });
    await sessions.create("acme", {}, base);

    // Act
    const listed = await keys.list("acme", {});

    // Assess
    expect(listed.map((k) => k.key_id)).toEqual([key.key_id]);
  });

  it("revokes a session, which then no longer authenticates", async () => {
    // Prepare
    const { store, sessions } = setup();
    const session = await sessions.create("acme", {}, base);

    // Act
    const revoked = await sessions.revoke("acme", session.session_id);
    const again = sessions.revoke("acme", session.session_id);

    // Assess
    expect(revoked).toEqual({ session_id: session.session_id, revoked: true });
    expect(await authenticate(store, `Bearer ${tokenOf(session.url)}`, now)).toBeUndefined();
    await expect(again).rejects.toBeInstanceOf(NotFoundError);
  });

  it("revokes no key as a session, and no session as a key", async () => {
    // Prepare
    const { store, sessions, keys } = setup();
    const key = await keys.create("acme", {});
    const session = await sessions.create("acme", {}, base);

    // Act
    const keyAsSession = sessions.revoke("acme", key.key_id);
    const sessionAsKey = keys.revoke("acme", session.session_id);

    // Assess
    await expect(keyAsSession).rejects.toBeInstanceOf(NotFoundError);
    await expect(sessionAsKey).rejects.toBeInstanceOf(NotFoundError);
    expect(await authenticate(store, `Bearer ${key.key}`, now)).toMatchObject({ kind: "api_key" });
    expect(await authenticate(store, `Bearer ${tokenOf(session.url)}`, now)).toMatchObject({
      kind: "portal_session",
    });
  });

  it.each(["0123456789ab", "", "ABCDEF012345", "../../etc"])(
    "answers 404 when revoking the unknown or malformed session id %j",
    async (sessionId) => {
      // Prepare
      const { sessions } = setup();

      // Act
      const revoke = sessions.revoke("acme", sessionId);

      // Assess
      await expect(revoke).rejects.toBeInstanceOf(NotFoundError);
    },
  );

  it("answers 404 when revoking another tenant's session", async () => {
    // Prepare
    const { store, sessions } = setup();
    const theirs = await sessions.create("globex", {}, base);

    // Act
    const revoke = sessions.revoke("acme", theirs.session_id);

    // Assess
    await expect(revoke).rejects.toBeInstanceOf(NotFoundError);
    expect(await authenticate(store, `Bearer ${tokenOf(theirs.url)}`, now)).toMatchObject({
      tenant_id: "globex",
    });
  });
});
