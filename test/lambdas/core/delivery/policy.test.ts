import { describe, expect, it } from "vitest";
import { nextStep } from "../../../../lambdas/core/delivery/policy";
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from "../../../../lambdas/core/retry-schedule";
import type { AttemptResult } from "../../../../lambdas/core/webhook-sender";

const schedule = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE);
const first = new Date("2026-02-15T10:00:00Z");
const minutes = (n: number) => n * 60_000;
const answered = (status: number, extra: Partial<AttemptResult> = {}): AttemptResult => ({
  status_code: status,
  error: null,
  duration_ms: 12,
  response_body: "",
  ...extra,
});
const at = (attempt: number, nowOffsetMs: number, result: AttemptResult) =>
  nextStep(result, {
    attempt,
    firstAttemptAt: first,
    now: new Date(first.getTime() + nowOffsetMs),
    schedule,
  });

describe("nextStep", () => {
  it("ends a delivery on any 2xx", () => {
    expect(at(1, 0, answered(204))).toEqual({ kind: "succeeded" });
  });

  it.each([
    [1, minutes(20)],
    [2, minutes(60)],
    [3, minutes(120)],
    [4, minutes(360)],
    [5, minutes(14 * 60)],
    [6, minutes(38 * 60)],
  ])("schedules attempt %i+1 at its offset from the first attempt", (attempt, offset) => {
    expect(at(attempt, 1000, answered(500))).toEqual({
      kind: "retry",
      at: new Date(first.getTime() + offset),
    });
  });

  it("fails the delivery when the seventh attempt fails", () => {
    expect(at(7, minutes(38 * 60), answered(500))).toEqual({ kind: "failed" });
  });

  it("gives up at once on 410 Gone", () => {
    expect(at(1, 0, answered(410))).toEqual({ kind: "gone" });
  });

  it("treats redirects, timeouts and refused connections as failures to retry", () => {
    for (const result of [
      answered(302, { error: "redirect" }),
      { ...answered(0), status_code: null, error: "timeout" as const },
      { ...answered(0), status_code: null, error: "connection_refused" as const },
    ]) {
      expect(at(1, 0, result).kind).toBe("retry");
    }
  });

  it("lets Retry-After push the next attempt later, never earlier", () => {
    const later = at(1, 1000, answered(429, { retry_after_ms: minutes(45) }));
    const sooner = at(1, 1000, answered(503, { retry_after_ms: 5000 }));

    expect(later).toEqual({ kind: "retry", at: new Date(first.getTime() + 1000 + minutes(45)) });
    expect(sooner).toEqual({ kind: "retry", at: new Date(first.getTime() + minutes(20)) });
  });
});
