/**
 * @module Fires each schedule at its at() time, never before: sends its Input to its SQS target, retrying as its
 * RetryPolicy allows, then reports a delivery that failed to its dead-letter queue, as AWS does.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Schedule, ScheduleStore } from "./store";

export type SendToQueue = (queueArn: string, body: string) => Promise<void>;

// AWS's defaults: up to 185 retries within 24 h. The pauses between retries are short here, 0.1 s doubling to 1 s.
const DEFAULT_RETRIES = 185;
const DEFAULT_EVENT_AGE_SECONDS = 86_400;
// setTimeout keeps its delay in a signed 32-bit integer, and fires at once past that.
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** How a delivery failed, in the words of AWS's dead-letter message. */
type Failure = {
  ERROR_CODE: string;
  ERROR_MESSAGE: string;
  RETRY_ATTEMPTS: number;
  EXHAUSTED_RETRY_CONDITION: string;
};

export class ScheduleTimer {
  /** `closing` ends every wait, for a schedule's time or between retries, and the firing with it. */
  constructor(
    private readonly sendToQueue: SendToQueue,
    private readonly store: Pick<ScheduleStore, "holds" | "remove">,
    private readonly log: (line: string) => void,
    private readonly closing: AbortSignal,
  ) {}

  /** Fires `schedule` at its time, unless it was deleted by then, or close() came first. */
  arm(schedule: Schedule): void {
    this.fire(schedule).catch((error: unknown) => {
      if (!this.closing.aborted) this.log(`[scheduler] firing failed: ${String(error)}`);
    });
  }

  private async fire(schedule: Schedule): Promise<void> {
    const due = schedule.dueAt.getTime();
    // A timer may wake a little early, or at the end of its range before the time: then it waits again.
    do {
      await this.pause(Math.min(Math.max(due - Date.now(), 0), MAX_TIMER_DELAY_MS));
    } while (Date.now() < due);
    if (!this.store.holds(schedule)) return;
    const failure = await this.deliver(schedule.Target);
    this.closing.throwIfAborted(); // close() came during the last attempt
    const outcome = failure ? await this.deadLetter(schedule, failure) : "delivered";
    if (schedule.ActionAfterCompletion === "DELETE") this.store.remove(schedule);
    this.log(`[scheduler] fired ${schedule.Arn} -> ${schedule.Target.Arn}: ${outcome}`);
  }

  private async deliver({ Arn, Input = "", RetryPolicy }: Schedule["Target"]): Promise<Failure | undefined> {
    const retries = RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRIES;
    const deadline = Date.now() + (RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_EVENT_AGE_SECONDS) * 1000;
    for (let retry = 0; ; retry += 1) {
      const error = await this.send(Arn, Input);
      if (error === undefined) return undefined;
      const failure = { ERROR_CODE: "LocalSendToQueueFailed", ERROR_MESSAGE: error, RETRY_ATTEMPTS: retry };
      if (retry >= retries) return { ...failure, EXHAUSTED_RETRY_CONDITION: "MaximumRetryAttempts" };
      if (Date.now() >= deadline)
        return { ...failure, EXHAUSTED_RETRY_CONDITION: "MaximumEventAgeInSeconds" };
      await this.pause(Math.min(100 * 2 ** retry, 1_000));
    }
  }

  // AWS sends the failure as the dead-letter message's attributes; sendToQueue carries a body only, so here it
  // travels as a JSON body, next to the Input that could not be delivered.
  private async deadLetter(schedule: Schedule, failure: Failure): Promise<string> {
    const { Arn, Input = "", DeadLetterConfig: { Arn: dlqArn } = {} } = schedule.Target;
    if (dlqArn === undefined) return `failed: ${failure.ERROR_MESSAGE}`;
    const report = {
      ...failure,
      SCHEDULE_ARN: schedule.Arn,
      TARGET_ARN: Arn,
      INVOCATION_ID: randomUUID(),
      Input,
    };
    const refused = await this.send(dlqArn, JSON.stringify(report));
    const deadLettered =
      refused === undefined ? `dead-lettered to ${dlqArn}` : `${dlqArn} refused: ${refused}`;
    return `failed: ${failure.ERROR_MESSAGE}; ${deadLettered}`;
  }

  /** The error's text, or undefined once the queue took the message. */
  private send(queueArn: string, body: string): Promise<string | undefined> {
    return this.sendToQueue(queueArn, body).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
  }

  /** Unref'd, so that a wait does not keep the process alive; closing ends it, rejecting. */
  private pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.closing, ref: false });
  }
}
