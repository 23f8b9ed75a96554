import { Duration } from "aws-cdk-lib";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface EventIngestProps {
  /** Timeout of the function that will consume the queue; the visibility timeout is derived from it. */
  readonly consumerTimeout: Duration;
}

export interface DeliveryConsumerOptions {
  readonly batchSize: number;
  /** How many concurrent invocations the queue may drive (Lambda accepts 2-1000). */
  readonly maxConcurrency: number;
}

/** The events queue, its dead-letter queue, and the delivery function reading it. */
export class EventIngest extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: EventIngestProps) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      // The SQS maximum, to leave the most time to inspect and redrive.
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, "Queue", {
      // AWS asks for at least 6x the function timeout, so a batch that is still being
      // retried by the Lambda poller does not become visible to a second consumer.
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      // SSE-SQS rather than a KMS key: senders (Scheduler among them) need no key permissions.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Delivery retries go through Scheduler, not SQS redelivery: a message that fails
      // five receives is a bug or a poison message and belongs in the DLQ.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
  }

  /** Attaches the delivery function, which reports failed records one by one. */
  addDeliveryConsumer(consumer: IFunction, options: DeliveryConsumerOptions): void {
    consumer.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: options.batchSize,
        maxConcurrency: options.maxConcurrency,
        // Short: fresh events should go out promptly, batching is only an optimisation.
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );
  }
}
