/**
 * @module The producer's helper: an event put on the events queue as Hookline wants it
 * (docs/events.md): checked against the event message's shape before it is sent, so a mistake
 * fails in the producer with the message the platform would give instead of landing in the
 * dead-letter queue, and sent with its tenant as the SQS message group (fair queues).
 * Whether the catalog has the type, and whether `data` passes the type's schema, is checked by
 * the platform, which holds the catalog.
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { eventMessageSchema } from "../lambdas/core/event-message";
import { parseInput } from "../lambdas/core/validation";

/** An event as a producer writes it (docs/events.md, Fields). */
export interface HooklineEvent {
  readonly tenant_id: string;
  readonly type: string;
  /** The idempotency key: the same (tenant_id, id) within 24 h is not fanned out again. */
  readonly id?: string;
  readonly occurred_at?: string;
  readonly data?: unknown;
}

/**
 * Puts `event` on the events queue at `queueUrl`. Throws a ValidationError naming each bad field,
 * having sent nothing, when the platform would refuse the message's shape.
 */
export async function sendEvent(
  sqs: SQSClient,
  queueUrl: string,
  event: HooklineEvent,
): Promise<{ messageId: string | undefined }> {
  parseInput(eventMessageSchema, event, "event");
  const { MessageId } = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(event),
      MessageGroupId: event.tenant_id,
    }),
  );
  return { messageId: MessageId };
}
