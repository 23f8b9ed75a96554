/**
 * @module The one place that maps an attempt to what follows it (docs/delivery.md): the
 * next step of the delivery, the status it is recorded with, how the endpoint's
 * health changes, and where the next delivery to the endpoint goes. Values, not
 * exceptions; the rest of the delivery code asks these functions.
 */
import type { RetrySchedule } from "../retry-schedule";
import type { DisabledReason, EndpointHealth, HealthState } from "../webhook-endpoint";
import { type AttemptResult, isSuccessfulAttempt } from "../webhook-sender";
import type { DeliveryStatus } from "./model";

/**
 * Attempt n is due at schedule[n-1] after the first; a Retry-After on 429/503
 * can push the next one later, never earlier; 410 Gone disables the endpoint at
 * once; the last attempt failing disables it too.
 */
export type NextStep =
  | { readonly kind: "succeeded" }
  | { readonly kind: "retry"; readonly at: Date }
  | { readonly kind: "failed" }
  | { readonly kind: "gone" };

export interface AttemptContext {
  readonly attempt: number;
  readonly firstAttemptAt: Date;
  readonly now: Date;
  readonly schedule: RetrySchedule;
}

export function nextStep(result: AttemptResult, context: AttemptContext): NextStep {
  if (isSuccessfulAttempt(result)) return { kind: "succeeded" };
  if (result.status_code === 410) return { kind: "gone" };
  const nextOffset = context.schedule[context.attempt];
  if (nextOffset === undefined) return { kind: "failed" };
  const now = context.now.getTime();
  let scheduled = context.firstAttemptAt.getTime() + nextOffset;
  // Past already (the delivery was parked behind a breaker for longer): keep the step's gap
  // from now, rather than spend the attempts left a minute apart.
  if (scheduled < now) scheduled = now + nextOffset - (context.schedule[context.attempt - 1] ?? 0);
  const notBefore = now + (result.retry_after_ms ?? 0);
  return { kind: "retry", at: new Date(Math.max(scheduled, notBefore)) };
}

/** The status and due time a delivery is recorded with after a step. */
export function deliveryStatusAfter(step: NextStep): {
  status: DeliveryStatus;
  next_attempt_at: string | null;
} {
  switch (step.kind) {
    case "succeeded":
      return { status: "succeeded", next_attempt_at: null };
    case "retry":
      return { status: "retrying", next_attempt_at: step.at.toISOString() };
    case "failed":
    case "gone":
      return { status: "failed", next_attempt_at: null };
  }
}

/**
 * Whether a delivery's failed attempt `attempt` disables its endpoint: a 410 always; any other
 * failure only as the schedule's last attempt. One past it is a resend (recover's, parked and
 * drained), sent once like every resend, and disables nothing.
 */
export function disabledBy(
  kind: "gone" | "failed",
  attempt: number,
  schedule: RetrySchedule,
): DisabledReason | undefined {
  if (kind === "gone") return "gone";
  return attempt === schedule.length ? "delivery_failed" : undefined;
}

/** An answer slower than this moves the endpoint to the slow lane (docs/delivery.md). */
export const SLOW_ATTEMPT_MS = 1000;

/** Where a delivery to an endpoint goes now. */
export type Route = "send" | "slow_lane" | "park";

/**
 * Whether the endpoint's breaker is open and still probing, so that its deliveries are
 * parked. A breaker whose last probe failed parks nothing more: its endpoint is being
 * disabled, and should a tenant re-enable it first, it is sent to as a slow one.
 */
export const isParking = (health: EndpointHealth): boolean =>
  health.state === "open" && health.next_probe_at !== null;

export function routeFor(health: EndpointHealth): Route {
  if (isParking(health)) return "park";
  return health.state === "healthy" ? "send" : "slow_lane";
}

/**
 * How an attempt changes its endpoint's health. A fast success to a healthy
 * endpoint changes nothing, so it costs no write. Any failure counts; a timeout
 * or an answer over a second also makes the endpoint slow; a success resets the
 * count and puts the endpoint in the lane its answer time earned.
 */
export type HealthChange =
  | { readonly kind: "none" }
  | { readonly kind: "failure"; readonly slow: boolean }
  | { readonly kind: "success"; readonly state: Exclude<HealthState, "open"> };

export function healthChange(health: EndpointHealth, result: AttemptResult): HealthChange {
  const slow = result.error === "timeout" || result.duration_ms > SLOW_ATTEMPT_MS;
  if (!isSuccessfulAttempt(result)) return { kind: "failure", slow };
  const state = slow ? "slow" : "healthy";
  // An open breaker is closed by its probe alone; a success already in flight when it opened does not.
  if (isParking(health)) return { kind: "none" };
  if (health.state === state && health.consecutive_failures === 0) return { kind: "none" };
  return { kind: "success", state };
}

/** Whether the count after a failure opens the breaker. */
export const opensBreaker = (health: EndpointHealth, threshold: number): boolean =>
  !isParking(health) && health.consecutive_failures >= threshold;

/**
 * Probe n of a breaker (1-based) is due at the schedule's n-th offset from when it
 * opened; there are as many probes as the schedule has steps, and when the last
 * fails the endpoint is disabled. Answers undefined past the last.
 */
export function probeDueAt(openedAt: string, probe: number, schedule: RetrySchedule): Date | undefined {
  const offset = schedule[probe - 1];
  return offset === undefined ? undefined : new Date(Date.parse(openedAt) + offset);
}

/** What a probe's answer does to the breaker. */
export type ProbeOutcome =
  | { readonly kind: "close"; readonly state: Exclude<HealthState, "open"> }
  | { readonly kind: "gone" }
  | { readonly kind: "next_probe"; readonly at: Date }
  | { readonly kind: "disable" };

export function probeOutcome(
  result: AttemptResult,
  context: { openedAt: string; probe: number; schedule: RetrySchedule },
): ProbeOutcome {
  if (isSuccessfulAttempt(result)) {
    return { kind: "close", state: result.duration_ms > SLOW_ATTEMPT_MS ? "slow" : "healthy" };
  }
  if (result.status_code === 410) return { kind: "gone" };
  const at = probeDueAt(context.openedAt, context.probe + 1, context.schedule);
  return at ? { kind: "next_probe", at } : { kind: "disable" };
}
