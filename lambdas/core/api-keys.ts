/**
 * @module Tenants' API keys: issued by the operator (with an optional name and
 * expiry), listed without the key, revoked, and checked by the authorizer. A
 * key is 32 random bytes, so a plain SHA-256 is a safe stored form (no salt or
 * slow hash needed: there is nothing to guess); the key itself is shown once.
 * A portal session (core/portal-sessions.ts) is a credential of the same
 * store and form, of its own kind: never listed or revoked as a key.
 */
import { randomBytes } from "node:crypto";
import * as z from "zod/mini";
import { NotFoundError, ValidationError } from "./errors";
import { sha256Hex } from "./signing";
import { lazySchema, noParametersSchema, parseInput, parsePathParameter, trimmedText } from "./validation";

/**
 * What a stored credential is. Both act for their tenant alike at the authorizer; only the
 * operator's routes tell them apart. A record stored before kinds existed is an API key.
 */
export const CREDENTIAL_KINDS = ["api_key", "portal_session"] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** The prefix tells a key from a session at a glance: in a support ticket, or to a secret scanner. */
export const TOKEN_PREFIX: Readonly<Record<CredentialKind, string>> = {
  api_key: "hk_",
  portal_session: "hps_",
};

/** How stale `last_used_at` may get: the authorizer records a use at most this often per key. */
export const LAST_USED_PRECISION_MS = 60_000;

export const tenantIdSchema = lazySchema(() =>
  z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "a tenant id is 1-64 letters, digits, _ or -")),
);

/** A key's or a session's id, as the operator's routes take it: the first 12 hex digits of its hash. */
export const CREDENTIAL_ID = /^[0-9a-f]{12}$/;

export interface ApiKeyRecord {
  readonly key_hash: string;
  readonly tenant_id: string;
  readonly kind: CredentialKind;
  /** A short, non-secret handle for logs and revocation: the start of the key's hash. */
  readonly key_id: string;
  readonly name: string | null;
  readonly created_at: string;
  /** After this instant the key answers 401; null: it does not expire. */
  readonly expires_at: string | null;
  readonly last_used_at: string | null;
}

export interface ApiKeyStore {
  /** The key with this hash, unless it was revoked. */
  find(keyHash: string): Promise<ApiKeyRecord | undefined>;
  save(record: ApiKeyRecord): Promise<void>;
  /** Every credential of the tenant, of either kind. */
  list(tenantId: string): Promise<ApiKeyRecord[]>;
  /** Answers false when the tenant has no credential of that kind with that id. */
  revoke(tenantId: string, keyId: string, kind: CredentialKind): Promise<boolean>;
  /** Sets last_used_at to `at` unless it is already at or after `notBefore`. */
  recordUse(record: ApiKeyRecord, at: string, notBefore: string): Promise<void>;
}

export interface ApiKeyView {
  readonly key_id: string;
  readonly name: string | null;
  readonly created_at: string;
  readonly expires_at: string | null;
  readonly last_used_at: string | null;
}

export type IssuedApiKey = ApiKeyView & { readonly key: string; readonly tenant_id: string };

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

export interface IssueOptions {
  /** An API key unless said otherwise. */
  readonly kind?: CredentialKind;
  readonly name?: string | null;
  readonly expiresAt?: string | null;
  readonly now?: Date;
}

export function issueApiKey(
  tenantId: string,
  options: IssueOptions = {},
): { key: string; record: ApiKeyRecord } {
  const tenant = parseInput(tenantIdSchema, tenantId, "tenant id");
  const kind = options.kind ?? "api_key";
  const key = TOKEN_PREFIX[kind] + randomBytes(32).toString("base64url");
  const keyHash = hashApiKey(key);
  return {
    key,
    record: {
      key_hash: keyHash,
      tenant_id: tenant,
      kind,
      key_id: keyHash.slice(0, 12),
      name: options.name ?? null,
      created_at: (options.now ?? new Date()).toISOString(),
      expires_at: options.expiresAt ?? null,
      last_used_at: null,
    },
  };
}

export function toApiKeyView(record: ApiKeyRecord): ApiKeyView {
  return {
    key_id: record.key_id,
    name: record.name,
    created_at: record.created_at,
    expires_at: record.expires_at,
    last_used_at: record.last_used_at,
  };
}

/** The bearer token of an Authorization header, or undefined when it has none. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/**
 * The key's record when the header carries a key that is known, not revoked and not expired.
 * A use is recorded at most once a minute per key; failing to record it does not refuse the key.
 */
export async function authenticate(
  store: ApiKeyStore,
  header: string | undefined,
  now: Date = new Date(),
  onRecordFailure: (error: unknown) => void = () => {},
): Promise<ApiKeyRecord | undefined> {
  const token = bearerToken(header);
  // Keys and sessions are ~47 characters; anything far longer is not worth hashing or a lookup.
  if (!token || token.length > 200) return undefined;
  const record = await store.find(hashApiKey(token));
  if (!record) return undefined;
  if (record.expires_at !== null && record.expires_at <= now.toISOString()) return undefined;
  const notBefore = new Date(now.getTime() - LAST_USED_PRECISION_MS).toISOString();
  if (record.last_used_at === null || record.last_used_at < notBefore) {
    await store.recordUse(record, now.toISOString(), notBefore).catch(onRecordFailure);
  }
  return record;
}

export const createKeySchema = lazySchema(() =>
  z.strictObject({
    name: z.optional(z.nullable(trimmedText("name", 100))),
    expires_at: z.optional(
      z.nullable(
        z.iso.datetime({
          offset: true,
          message: "expires_at is an ISO 8601 date-time, like 2027-01-01T00:00:00Z",
        }),
      ),
    ),
  }),
);

/** The `tenant_id` of an operators' route, or a 400 naming it. */
export const tenantPathParameter = (raw: string): string =>
  parsePathParameter(tenantIdSchema, "tenant_id", raw);

const CREDENTIAL_NAME: Readonly<Record<CredentialKind, string>> = {
  api_key: "API key",
  portal_session: "portal session",
};

/**
 * Revokes the tenant's credential of `kind` with this id, or answers 404: an id of the other kind
 * is not found either. The credential answers 401 once the authorizer's cached answer expires.
 */
export async function revokeCredential(
  store: ApiKeyStore,
  rawTenant: string,
  id: string,
  kind: CredentialKind,
): Promise<void> {
  const tenantId = tenantPathParameter(rawTenant);
  if (!CREDENTIAL_ID.test(id) || !(await store.revoke(tenantId, id, kind))) {
    throw new NotFoundError(`tenant ${tenantId} has no ${CREDENTIAL_NAME[kind]} ${id}`);
  }
}

/** The operators' key routes: create, list, revoke. */
export function apiKeyAdmin({ store, clock = () => new Date() }: { store: ApiKeyStore; clock?: () => Date }) {
  return {
    async create(rawTenant: string, body: unknown): Promise<IssuedApiKey> {
      const tenantId = tenantPathParameter(rawTenant);
      const input = parseInput(createKeySchema, body, "api key");
      const now = clock();
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt <= now) {
        const message = "expires_at is in the past";
        throw new ValidationError(message, { details: [{ field: "expires_at", message }] });
      }
      const { key, record } = issueApiKey(tenantId, {
        name: input.name ?? null,
        expiresAt: expiresAt?.toISOString() ?? null,
        now,
      });
      await store.save(record);
      return { key, tenant_id: tenantId, ...toApiKeyView(record) };
    },

    /** Oldest first. Never the key or its hash, and never a portal session: it is no key. */
    async list(rawTenant: string, query: unknown): Promise<ApiKeyView[]> {
      const tenantId = tenantPathParameter(rawTenant);
      parseInput(noParametersSchema, query, "query");
      const records = (await store.list(tenantId)).filter((r) => r.kind === "api_key");
      return records.sort((a, b) => a.created_at.localeCompare(b.created_at)).map(toApiKeyView);
    },

    async revoke(rawTenant: string, keyId: string): Promise<{ key_id: string; revoked: true }> {
      await revokeCredential(store, rawTenant, keyId, "api_key");
      return { key_id: keyId, revoked: true };
    },
  };
}

export type ApiKeyAdmin = ReturnType<typeof apiKeyAdmin>;
