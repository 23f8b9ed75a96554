import { randomBytes } from "node:crypto";
import * as z from "zod";
import { sha256Hex } from "./signing";
import { parseInput } from "./validation";

/**
 * Tenant API keys. A key is 32 random bytes, so a plain SHA-256 is a safe
 * stored form (no salt or slow hash needed: there is nothing to guess).
 */
const KEY_PREFIX = "hk_";

export const tenantIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "a tenant id is 1-64 letters, digits, _ or -");

export interface ApiKeyRecord {
  readonly key_hash: string;
  readonly tenant_id: string;
  /** A short, non-secret handle for logs and revocation. */
  readonly key_id: string;
  readonly created_at: string;
}

export interface ApiKeyStore {
  find(keyHash: string): Promise<ApiKeyRecord | undefined>;
  save(record: ApiKeyRecord): Promise<void>;
}

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

export function issueApiKey(tenantId: string, now = new Date()): { key: string; record: ApiKeyRecord } {
  const tenant = parseInput(tenantIdSchema, tenantId, "tenant id");
  const key = KEY_PREFIX + randomBytes(32).toString("base64url");
  const keyHash = hashApiKey(key);
  return {
    key,
    record: {
      key_hash: keyHash,
      tenant_id: tenant,
      key_id: keyHash.slice(0, 12),
      created_at: now.toISOString(),
    },
  };
}

/** The bearer token of an Authorization header, or undefined when it has none. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** The key's record when the header carries a known key. */
export async function authenticate(
  store: ApiKeyStore,
  header: string | undefined,
): Promise<ApiKeyRecord | undefined> {
  const token = bearerToken(header);
  // Keys are ~46 characters; anything far longer is not worth hashing or a lookup.
  if (!token || token.length > 200) return undefined;
  return store.find(hashApiKey(token));
}
