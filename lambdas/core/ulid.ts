/**
 * @module ULIDs: 26 Crockford base32 characters, a 48-bit millisecond timestamp then
 * 80 random bits. They sort by creation time, so a delivery log keyed by them
 * reads newest first with no index.
 */
import { randomFillSync } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * Random bytes are drawn from the CSPRNG 4 KB at a time and each byte is used
 * once: one call per 256 ids instead of one per id, which cost more than the
 * rest of the id. 256 is a multiple of 32, so `byte % 32` stays uniform.
 */
const RANDOM_CHARS = 16;
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

let lastTime = Number.NaN;
let lastTimePart = "";

function timePart(now: number): string {
  if (now === lastTime) return lastTimePart;
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  lastTime = now;
  lastTimePart = time;
  return time;
}

export function ulid(now: number = Date.now()): string {
  if (poolOffset + RANDOM_CHARS > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let tail = "";
  for (let i = 0; i < RANDOM_CHARS; i++) tail += ALPHABET[(pool[poolOffset + i] as number) % 32];
  poolOffset += RANDOM_CHARS;
  return timePart(now) + tail;
}

/**
 * The smallest ULID of a millisecond: every id made at or after `time` sorts at or above it.
 * Ids count time from 1970, so any earlier time gives the smallest ULID of all.
 */
export function firstUlidAt(time: number): string {
  return timePart(Math.max(0, time)) + "0".repeat(RANDOM_CHARS);
}
