/** docs/delivery.md: Retry-After on 429/503 pushes the next attempt later. Seconds or an HTTP date. */
const MAX_RETRY_AFTER_MS = 48 * 3_600_000;

export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
