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
  /** How long the event source gathers a batch before invoking; zero sends each message at once. */
  readonly maxBatchingWindow: Duration;
}

/**
 * The events queue and the slow lane's queue, each with its dead-letter queue,
 * and the delivery functions reading them. The slow lane (docs/delivery.md) carries the
 * work that waits on a troubled endpoint (deliveries to slow endpoints, probes,
 * drains), so no batch of the main lane waits for it.
 */
export class EventIngest extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly slowLaneQueue: Queue;
  readonly slowLaneDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: EventIngestProps) {
    super(scope, id);

    const deadLetterQueue = (id: string) =>
      new Queue(this, id, {
        // The SQS maximum, to leave the most time to inspect and redrive.
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
    this.deadLetterQueue = deadLetterQueue("DeadLetterQueue");
    this.slowLaneDeadLetterQueue = deadLetterQueue("SlowLaneDeadLetterQueue");
    this.queue = this.workQueue("Queue", props.consumerTimeout, this.deadLetterQueue);
    this.slowLaneQueue = this.workQueue("SlowLaneQueue", props.consumerTimeout, this.slowLaneDeadLetterQueue);
  }

  private workQueue(id: string, consumerTimeout: Duration, deadLetterQueue: Queue): Queue {
    return new Queue(this, id, {
      // AWS asks for at least 6x the function timeout, so a batch that is still being
      // retried by the Lambda poller does not become visible to a second consumer.
      visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * 6),
      // SSE-SQS rather than a KMS key: senders (Scheduler among them) need no key permissions.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Delivery retries go through Scheduler, not SQS redelivery: a message that fails
      // five receives is a bug or a poison message and belongs in the DLQ.
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
    });
  }

  /** Attaches a delivery function to the main lane or the slow lane; it reports failed records one by one. */
  addDeliveryConsumer(lane: "main" | "slow", consumer: IFunction, options: DeliveryConsumerOptions): void {
    consumer.addEventSource(
      new SqsEventSource(lane === "main" ? this.queue : this.slowLaneQueue, {
        batchSize: options.batchSize,
        maxConcurrency: options.maxConcurrency,
        // docs/delivery.md: an idle platform delivers within 100 ms; a batching window would wait it out first.
        ...(options.maxBatchingWindow.toMilliseconds() > 0
          ? { maxBatchingWindow: options.maxBatchingWindow }
          : {}),
        reportBatchItemFailures: true,
      }),
    );
  }
}
