import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { EventQueue } from "../core/delivery-ports";
import type { EventPublisher } from "../core/event-ingest";
import type { EventMessage } from "../core/event-message";
import type { PlatformEventMessage } from "../core/queue-message";

/** The events queue: producers' events and the platform's own messages go in; bad ones go to its DLQ. */
export class SqsEventQueue implements EventPublisher, EventQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterUrl?: string,
  ) {}

  async publish(message: EventMessage | PlatformEventMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }),
    );
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
