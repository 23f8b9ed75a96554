/**
 * @module Webhook secrets and signatures. Standard Webhooks: HMAC-SHA256 over
 * `${id}.${timestamp}.${body}` keyed with the base64-decoded secret; plus the
 * Sonar seed's hex HMAC of the raw body keyed with the whole secret string.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";

const SECRET_PREFIX = "whsec_";

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64");
}

function secretKey(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    "base64",
  );
}

export interface SignatureInput {
  readonly messageId: string;
  readonly timestamp: number;
  readonly body: string;
}

/** `v1,<base64>` for each secret, space-separated: two during a rotation. */
export function standardWebhookSignature(secrets: readonly string[], input: SignatureInput): string {
  const signed = `${input.messageId}.${input.timestamp}.${input.body}`;
  return secrets
    .map((secret) => `v1,${createHmac("sha256", secretKey(secret)).update(signed).digest("base64")}`)
    .join(" ");
}

export function hexSignature(secret: string, body: string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
