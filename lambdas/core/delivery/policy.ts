import type { RetrySchedule } from "../retry-schedule";
import { type AttemptResult, isSuccessfulAttempt } from "../webhook-sender";

/**
 * What follows an attempt (SPEC 5): a value, not an exception. Attempt n is
 * due at schedule[n-1] after the first; a Retry-After on 429/503 can push the
 * next one later, never earlier; 410 Gone disables the endpoint at once; the
 * last attempt failing disables it too.
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
  const scheduled = context.firstAttemptAt.getTime() + nextOffset;
  const notBefore = context.now.getTime() + (result.retry_after_ms ?? 0);
  return { kind: "retry", at: new Date(Math.max(scheduled, notBefore)) };
}
