import { RetryScheduleError } from "./errors";

/**
 * When each delivery attempt is due, as offsets from the first attempt.
 * The default follows the Snov.io seed: 0, 20 min, 1 h, 2 h, 6 h, 14 h, 38 h.
 */
export type RetrySchedule = readonly number[];

export const DEFAULT_RETRY_SCHEDULE = "0s,20m,1h,2h,6h,14h,38h";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const OFFSET = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
/** Scheduler keeps a one-time schedule for at most a year ahead; a longer plan is a typo. */
const MAX_OFFSET_MS = 365 * UNIT_MS.d;
const MAX_ATTEMPTS = 20;

/** Parses "0s,20m,1h" into offsets in ms: first 0, never decreasing. */
export function parseRetrySchedule(text: string): RetrySchedule {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length > MAX_ATTEMPTS) {
    throw new RetryScheduleError(`retry schedule has ${parts.length} attempts; at most ${MAX_ATTEMPTS}`);
  }
  const offsets = parts.map((part) => {
    const match = OFFSET.exec(part);
    if (!match)
      throw new RetryScheduleError(`retry offset "${part}" is not a duration like 30s, 20m, 1h or 2d`);
    return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  });
  if (offsets[0] !== 0) throw new RetryScheduleError("the first attempt of a retry schedule is at 0s");
  offsets.forEach((offset, i) => {
    if (i > 0 && offset < (offsets[i - 1] ?? 0)) {
      throw new RetryScheduleError(`retry offsets must not decrease: ${parts[i - 1]} then ${parts[i]}`);
    }
    if (offset > MAX_OFFSET_MS) throw new RetryScheduleError(`retry offset ${parts[i]} is over a year`);
  });
  return offsets;
}
