import { randomBytes } from "node:crypto";

/**
 * ULIDs: 26 Crockford base32 characters, a 48-bit millisecond timestamp then
 * 80 random bits. They sort by creation time, so a delivery log keyed by them
 * reads newest first with no index.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export function ulid(now: number = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = randomBytes(16);
  let tail = "";
  for (let i = 0; i < 16; i++) tail += ALPHABET[(random[i] ?? 0) % 32];
  return time + tail;
}

/** The smallest ULID of a millisecond: every id made at or after `time` sorts at or above it. */
export function firstUlidAt(time: number): string {
  return ulid(time).slice(0, 10) + "0".repeat(16);
}
