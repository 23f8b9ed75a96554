import { describe, expect, it } from "vitest";
import { RetryScheduleError } from "../../../lambdas/core/errors";
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from "../../../lambdas/core/retry-schedule";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("parseRetrySchedule", () => {
  it("parses the default into 0, 20 min, 1 h, 2 h, 6 h, 14 h and 38 h in ms", () => {
    // Act
    const schedule = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE);

    // Assess
    expect(schedule).toEqual([0, 20 * MINUTE, HOUR, 2 * HOUR, 6 * HOUR, 14 * HOUR, 38 * HOUR]);
  });

  it("parses a fast local schedule of seconds", () => {
    // Act
    const schedule = parseRetrySchedule("0s,1s,2s");

    // Assess
    expect(schedule).toEqual([0, 1000, 2000]);
  });

  it("accepts ms and d units, decimals, spaces around offsets and repeated offsets", () => {
    // Act
    const schedule = parseRetrySchedule("0ms, 500ms, 1.5s, 1.5s, 1d");

    // Assess
    expect(schedule).toEqual([0, 500, 1500, 1500, 24 * HOUR]);
  });

  it("accepts an offset of exactly a year", () => {
    // Act
    const schedule = parseRetrySchedule("0s,365d");

    // Assess
    expect(schedule).toEqual([0, 365 * 24 * HOUR]);
  });

  it.each([
    ["a first offset that is not 0", "1s,2s", /first attempt .* at 0s/],
    ["decreasing offsets", "0s,2h,1h", /must not decrease: 2h then 1h/],
    ["an unknown unit", "0s,3w", /"3w" is not a duration/],
    ["a missing unit", "0,10", /"0" is not a duration/],
    ["an empty entry", "0s,,1m", /"" is not a duration/],
    ["an offset over a year", "0s,366d", /366d is over a year/],
    [
      "more than 20 attempts",
      Array.from({ length: 21 }, (_, i) => `${i}s`).join(","),
      /21 attempts; at most 20/,
    ],
  ])("refuses %s with a message naming the problem", (_, text, message) => {
    // Act
    const parse = () => parseRetrySchedule(text);

    // Assess
    expect(parse).toThrow(RetryScheduleError);
    expect(parse).toThrow(message);
  });

  it("accepts exactly 20 attempts", () => {
    // Prepare
    const text = Array.from({ length: 20 }, (_, i) => `${i}m`).join(",");

    // Act
    const schedule = parseRetrySchedule(text);

    // Assess
    expect(schedule).toHaveLength(20);
    expect(schedule[19]).toBe(19 * MINUTE);
  });
});
