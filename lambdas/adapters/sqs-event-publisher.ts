import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { EventMessage } from "../core/event-message";

/** Puts an event message on the events queue, as a producer would. */
export class SqsEventPublisher {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async publish(message: EventMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }),
    );
  }
}
