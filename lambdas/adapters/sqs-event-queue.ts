import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { EventQueue, SlowLane, WorkQueue } from "../core/delivery/ports";
import type { EventPublisher } from "../core/event-ingest";
import type { EventMessage } from "../core/event-message";
import type { PlatformEventMessage, PlatformMessage } from "../core/queue-message";

/** SQS takes at most ten messages per SendMessageBatch. */
const BATCH_SIZE = 10;
const MAX_BATCH_ROUNDS = 3;

/**
 * docs/delivery.md: every message the platform queues names its tenant as the message group, so SQS
 * fair queues keep one tenant's burst from delaying the others.
 */
const groupOf = (message: { readonly tenant_id: string }) => ({ MessageGroupId: message.tenant_id });

/**
 * A work queue: the events queue (producers' events and the platform's own messages; bad ones
 * go to its DLQ) or the slow lane's (deliveries to slow endpoints, probes, drains, resends).
 */
export class SqsEventQueue implements EventPublisher, EventQueue, WorkQueue, SlowLane {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterUrl?: string,
  ) {}

  async publish(message: EventMessage | PlatformEventMessage): Promise<void> {
    await this.send(message);
  }

  /** `delaySeconds` (0-900) holds the message back, as a drain does to keep its pace. */
  async send(message: EventMessage | PlatformMessage, delaySeconds = 0): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        ...groupOf(message),
        ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
      }),
    );
  }

  async publishAll(messages: readonly PlatformMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += BATCH_SIZE) {
      let entries = messages
        .slice(start, start + BATCH_SIZE)
        .map((message, i) => ({ Id: String(i), MessageBody: JSON.stringify(message), ...groupOf(message) }));
      // Entries SQS could not take this time (throttling, a server fault) are sent again.
      for (let round = 1; entries.length > 0; round++) {
        const { Failed = [] } = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
        );
        if (Failed.length > 0 && round === MAX_BATCH_ROUNDS) {
          const first = Failed[0];
          throw new Error(
            `${Failed.length} messages were not queued: ${first?.Code} ${first?.Message ?? ""}`,
          );
        }
        const failedIds = new Set(Failed.map((f) => f.Id));
        entries = entries.filter((e) => failedIds.has(e.Id));
      }
    }
  }

  async deadLetter(body: string, reason: string, sourceMessageId: string): Promise<void> {
    if (!this.deadLetterUrl) throw new Error("no dead-letter queue configured");
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterUrl,
        MessageBody: body,
        MessageAttributes: {
          // SQS caps an attribute at 256 KB with the body; a reason is a line or two.
          failure_reason: { DataType: "String", StringValue: reason.slice(0, 4096) },
          source_message_id: { DataType: "String", StringValue: sourceMessageId },
        },
      }),
    );
  }
}
