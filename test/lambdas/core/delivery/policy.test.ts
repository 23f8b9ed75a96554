import { describe, expect, it } from "vitest";
import {
  deliveryStatusAfter,
  healthChange,
  nextStep,
  opensBreaker,
  probeDueAt,
  probeOutcome,
  routeFor,
} from "../../../../lambdas/core/delivery/policy";
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from "../../../../lambdas/core/retry-schedule";
import { type EndpointHealth, HEALTHY } from "../../../../lambdas/core/webhook-endpoint";
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

const compressed = parseRetrySchedule("0s,1s,2s,3s,4s,5s,6s");
const openedAt = "2026-02-15T10:00:00.000Z";
const health = (fields: Partial<EndpointHealth> = {}): EndpointHealth => ({ ...HEALTHY, ...fields });
/** An open breaker still probing: its next probe is due. */
const probing = { state: "open", opened_at: openedAt, next_probe_at: "2026-02-15T10:20:00.000Z" } as const;
const timedOut: AttemptResult = { status_code: null, error: "timeout", duration_ms: 3000, response_body: "" };

describe("nextStep after a long park", () => {
  it("keeps the step's gap from now when the schedule's time has passed", () => {
    // Attempt 2 made a day after the first (it was parked): attempt 3 is due 40 min later, not at once.
    expect(at(2, minutes(24 * 60), answered(500))).toEqual({
      kind: "retry",
      at: new Date(first.getTime() + minutes(24 * 60) + minutes(40)),
    });
  });
});

describe("routeFor", () => {
  it.each([
    ["healthy", "send"],
    ["slow", "slow_lane"],
  ] as const)("routes a delivery to a %s endpoint to %s", (state, route) => {
    expect(routeFor(health({ state }))).toBe(route);
  });

  it("parks the deliveries of an open breaker that still probes", () => {
    expect(routeFor(health(probing))).toBe("park");
  });

  it("parks nothing more once the breaker's last probe failed: it goes to the slow lane", () => {
    expect(routeFor(health({ ...probing, next_probe_at: null }))).toBe("slow_lane");
  });
});

describe("healthChange", () => {
  it("changes nothing after a fast 2xx to a healthy endpoint", () => {
    expect(healthChange(health(), answered(200))).toEqual({ kind: "none" });
  });

  it("counts a timeout as a slow failure", () => {
    expect(healthChange(health(), timedOut)).toEqual({ kind: "failure", slow: true });
  });

  it("counts an error answer over a second as a slow failure", () => {
    expect(healthChange(health(), answered(500, { duration_ms: 1001 }))).toEqual({
      kind: "failure",
      slow: true,
    });
  });

  it("counts a fast error answer as a failure that is not slow", () => {
    expect(healthChange(health(), answered(500))).toEqual({ kind: "failure", slow: false });
  });

  it("moves a healthy endpoint to the slow lane on a 2xx over a second", () => {
    expect(healthChange(health(), answered(200, { duration_ms: 1500 }))).toEqual({
      kind: "success",
      state: "slow",
    });
  });

  it("makes a slow endpoint healthy again on a fast 2xx", () => {
    expect(healthChange(health({ state: "slow" }), answered(200))).toEqual({
      kind: "success",
      state: "healthy",
    });
  });

  it("resets the failure count of a healthy endpoint on a fast 2xx", () => {
    expect(healthChange(health({ consecutive_failures: 2 }), answered(204))).toEqual({
      kind: "success",
      state: "healthy",
    });
  });

  it("changes nothing on a success while the breaker is open: only its probe closes it", () => {
    expect(healthChange(health(probing), answered(200))).toEqual({ kind: "none" });
  });
});

describe("opensBreaker", () => {
  it("opens at the threshold of consecutive failures, not before", () => {
    expect(opensBreaker(health({ consecutive_failures: 2 }), 3)).toBe(false);
    expect(opensBreaker(health({ consecutive_failures: 3 }), 3)).toBe(true);
    expect(opensBreaker(health({ state: "slow", consecutive_failures: 4 }), 3)).toBe(true);
  });

  it("does not open a breaker that is open already", () => {
    expect(opensBreaker(health({ ...probing, consecutive_failures: 9 }), 3)).toBe(false);
  });
});

describe("probeDueAt", () => {
  it.each([1, 2, 3, 4, 5, 6, 7])(
    "puts probe %i at its schedule step from when the breaker opened",
    (probe) => {
      expect(probeDueAt(openedAt, probe, compressed)).toEqual(
        new Date(Date.parse(openedAt) + (probe - 1) * 1000),
      );
    },
  );

  it("answers no time past the last step", () => {
    expect(probeDueAt(openedAt, 8, compressed)).toBeUndefined();
  });

  it("follows the default schedule's steps from the opening", () => {
    expect(probeDueAt(openedAt, 2, schedule)).toEqual(new Date(Date.parse(openedAt) + minutes(20)));
    expect(probeDueAt(openedAt, 7, schedule)).toEqual(new Date(Date.parse(openedAt) + minutes(38 * 60)));
  });
});

describe("probeOutcome", () => {
  const context = (probe: number) => ({ openedAt, probe, schedule: compressed });

  it("closes the breaker to healthy on a fast 2xx", () => {
    expect(probeOutcome(answered(200), context(1))).toEqual({ kind: "close", state: "healthy" });
  });

  it("closes the breaker to the slow lane on a 2xx over a second", () => {
    expect(probeOutcome(answered(200, { duration_ms: 2500 }), context(3))).toEqual({
      kind: "close",
      state: "slow",
    });
  });

  it("answers gone on 410", () => {
    expect(probeOutcome(answered(410), context(2))).toEqual({ kind: "gone" });
  });

  it("schedules the next probe at the next step from the opening after a failure", () => {
    expect(probeOutcome(timedOut, context(1))).toEqual({
      kind: "next_probe",
      at: new Date(Date.parse(openedAt) + 1000),
    });
    expect(probeOutcome(answered(503), context(6))).toEqual({
      kind: "next_probe",
      at: new Date(Date.parse(openedAt) + 6000),
    });
  });

  it("disables the endpoint when the last probe fails", () => {
    expect(probeOutcome(answered(500), context(7))).toEqual({ kind: "disable" });
  });
});

describe("deliveryStatusAfter", () => {
  it("records each step with its status and, while retrying, when the next attempt is due", () => {
    const due = new Date("2026-02-15T10:20:00.000Z");

    expect(deliveryStatusAfter({ kind: "succeeded" })).toEqual({
      status: "succeeded",
      next_attempt_at: null,
    });
    expect(deliveryStatusAfter({ kind: "retry", at: due })).toEqual({
      status: "retrying",
      next_attempt_at: due.toISOString(),
    });
    expect(deliveryStatusAfter({ kind: "failed" })).toEqual({ status: "failed", next_attempt_at: null });
    expect(deliveryStatusAfter({ kind: "gone" })).toEqual({ status: "failed", next_attempt_at: null });
  });
});
