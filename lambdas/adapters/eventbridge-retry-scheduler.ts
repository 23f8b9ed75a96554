import { ConflictException, CreateScheduleCommand, type SchedulerClient } from "@aws-sdk/client-scheduler";
import type { RetryScheduler } from "../core/delivery/ports";
import type { ProbeMessage, RetryMessage } from "../core/queue-message";

export interface RetrySchedulerSettings {
  readonly groupName: string;
  /** The role Scheduler assumes to send to the queue. */
  readonly roleArn: string;
  /** The events queue: a due retry arrives there as an ordinary message. */
  readonly targetArn: string;
  readonly deadLetterArn?: string;
  /**
   * The soonest a schedule may be due. AWS fires one-time schedules with
   * one-minute precision and does not document what it does with a time
   * already past, so on AWS a retry is never asked for less than a minute ahead.
   */
  readonly minLeadMs: number;
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the next whole second. */
export function atExpression(when: Date): string {
  const seconds = new Date(Math.ceil(when.getTime() / 1000) * 1000);
  return `at(${seconds.toISOString().slice(0, 19)})`;
}

/**
 * Each pending retry is a one-time EventBridge Scheduler schedule that puts the
 * retry message on the events queue and deletes itself after firing. The
 * schedule's name and ClientToken are derived from (delivery, attempt), so a
 * re-run that schedules the same retry again makes no second schedule.
 */
export class EventBridgeRetryScheduler implements RetryScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: RetrySchedulerSettings,
  ) {}

  async scheduleRetry(message: RetryMessage, at: Date): Promise<void> {
    await this.createOnce(`${message.delivery_id}-${message.attempt}`, message, at);
  }

  /**
   * One schedule per probe of a breaker, named by the endpoint, when the breaker opened (in
   * base 36) and the probe's number: 36 + 1 + 8 + 1 + 2 characters, inside Scheduler's 64.
   */
  async scheduleProbe(message: ProbeMessage, at: Date): Promise<void> {
    const opened = Date.parse(message.opened_at).toString(36);
    await this.createOnce(`${message.webhook_id}-${opened}-${message.probe}`, message, at);
  }

  private async createOnce(name: string, message: RetryMessage | ProbeMessage, at: Date): Promise<void> {
    const when = new Date(Math.max(at.getTime(), Date.now() + this.settings.minLeadMs));
    try {
      await this.client.send(
        new CreateScheduleCommand({
          Name: name,
          ClientToken: name,
          GroupName: this.settings.groupName,
          ScheduleExpression: atExpression(when),
          ScheduleExpressionTimezone: "UTC",
          FlexibleTimeWindow: { Mode: "OFF" },
          ActionAfterCompletion: "DELETE",
          Target: {
            Arn: this.settings.targetArn,
            RoleArn: this.settings.roleArn,
            Input: JSON.stringify(message),
            // Scheduler's own retries if the queue is unreachable when the schedule fires.
            RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 86_400 },
            ...(this.settings.deadLetterArn
              ? { DeadLetterConfig: { Arn: this.settings.deadLetterArn } }
              : {}),
          },
        }),
      );
    } catch (error) {
      // The same message scheduled by an earlier run: it is there, which is all we need.
      if (error instanceof ConflictException) return;
      throw error;
    }
  }
}
