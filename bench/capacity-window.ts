/**
 * @module One metered window of the production delivery handler, for
 * bench/capacity-cases.ts: the counters reset, SQS-shaped batches worked one
 * invocation at a time, and what the window used read back (DynamoDB units and
 * calls, SQS requests, Scheduler calls, wall time per invocation), with a check
 * that every attempt in it was its own.
 */
import { setTimeout } from "node:timers/promises";
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { handler as deliveryWorker } from "../lambdas/handlers/delivery-worker";
import { lambdaContext } from "../local/lambda-context";
import type { LocalPlatform } from "../local/platform";
import { sqsRecord } from "../local/sqs-records";
import type { DynamoDbCounts, Meter } from "./capacity-meter";
import type { ReceiverProcess } from "./harness";
import { sqsBilledRequests } from "./prices";
import type { StatusServer } from "./status-server";

export interface CaseCounts {
  readonly name: string;
  readonly fanOut: number;
  /** Messages the handler worked, and the HTTP attempts the receivers answered. */
  readonly messages: number;
  readonly attempts: number;
  /** Bytes of one message as the queue holds it. */
  readonly messageBytes: number;
  /** Handler invocations, and the wall time of each (ms). */
  readonly batches: number;
  readonly batchWallMs: readonly number[];
  readonly dynamoDb: DynamoDbCounts;
  /** Requests of the production SQS client, as billed, by operation and queue. */
  readonly handlerSqs: Readonly<Record<string, number>>;
  /** Requests around the handler, from the message sizes: each message's send, Lambda's receive and delete. */
  readonly eventSourceSqs: Readonly<Record<"SendMessage" | "ReceiveMessage" | "DeleteMessageBatch", number>>;
  /** Scheduler API calls by operation, from the emulator's request log. */
  readonly scheduler: Readonly<Record<string, number>>;
}

/** What a window runs on. */
export interface Rig {
  readonly platform: LocalPlatform;
  readonly handler: typeof deliveryWorker;
  readonly receiver: ReceiverProcess;
  readonly failing: StatusServer;
  readonly dynamoDb: Meter<DynamoDbCounts>;
  readonly sqs: Meter<Record<string, number>>;
  /** A client of the local SQS server, unmetered: it only looks at the queues. */
  readonly queues: SQSClient;
}

const bytes = (body: string) => Buffer.byteLength(body);
const countBy = <T>(items: readonly T[], key: (item: T) => string) => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

let sequence = 0;
function recordFor({ platform: { outputs } }: Rig, body: string): SQSRecord {
  const messageId = `sqs-cost-${String(sequence++).padStart(6, "0")}`;
  const queueName = outputs.EventsQueueUrl.split("/").pop();
  const queueArn = `arn:aws:sqs:${outputs.Region}:123456789012:${queueName}`;
  return sqsRecord(body, { queueArn, awsRegion: outputs.Region }, messageId);
}

/** Works `bodies` in invocations of up to `perBatch` records, one after another; answers each one's wall time. */
export async function invoke(rig: Rig, bodies: readonly string[], perBatch: number): Promise<number[]> {
  const wallMs: number[] = [];
  for (let i = 0; i < bodies.length; i += perBatch) {
    const event: SQSEvent = { Records: bodies.slice(i, i + perBatch).map((body) => recordFor(rig, body)) };
    const started = performance.now();
    const response = (await rig.handler(event, lambdaContext("deliveryWorker", 60_000))) as SQSBatchResponse;
    wallMs.push(performance.now() - started);
    if (response.batchItemFailures.length > 0)
      throw new Error(`${response.batchItemFailures.length} messages were left on the queue`);
  }
  return wallMs;
}

/** One window: counters reset, the bodies worked, the counts read. */
export async function measureCase(
  rig: Rig,
  name: string,
  fanOut: number,
  bodies: readonly string[],
  perBatch: number,
) {
  const { scheduler } = rig.platform;
  const answered = async () => (await rig.receiver.stats()).requests + rig.failing.requests;
  rig.dynamoDb.reset();
  rig.sqs.reset();
  const schedulerFrom = scheduler.requests.length;
  const answeredBefore = await answered();
  const wallMs = await invoke(rig, bodies, perBatch);
  const batchBytes = wallMs.map((_, b) => bodies.slice(b * perBatch, (b + 1) * perBatch).map(bytes));
  const counts: CaseCounts = {
    name,
    fanOut,
    messages: bodies.length,
    attempts: (await answered()) - answeredBefore,
    messageBytes: bytes(bodies[0] ?? ""),
    batches: wallMs.length,
    batchWallMs: wallMs,
    dynamoDb: rig.dynamoDb.read(),
    handlerSqs: rig.sqs.read(),
    eventSourceSqs: {
      SendMessage: bodies.reduce((sum, body) => sum + sqsBilledRequests(bytes(body)), 0),
      ReceiveMessage: batchBytes.reduce(
        (sum, batch) => sum + sqsBilledRequests(batch.reduce((a, b) => a + b)),
        0,
      ),
      DeleteMessageBatch: wallMs.length,
    },
    scheduler: countBy(scheduler.requests.slice(schedulerFrom), (r) =>
      r.errorType ? `${r.operation} (${r.errorType})` : r.operation,
    ),
  };
  return counts;
}

/** Waits until the events queue and the slow lane's hold nothing, in flight or not. */
export async function settle({ platform: { outputs }, queues }: Rig): Promise<void> {
  const depth = async (QueueUrl: string) => {
    const { Attributes = {} } = await queues.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    const { ApproximateNumberOfMessages: visible, ApproximateNumberOfMessagesNotVisible: inFlight } =
      Attributes;
    return Number(visible ?? 0) + Number(inFlight ?? 0);
  };
  while ((await depth(outputs.EventsQueueUrl)) + (await depth(outputs.SlowLaneQueueUrl)) > 0)
    await setTimeout(200);
}

/**
 * Clean: every attempt was this window's, and none went to the slow lane. An attempt over a second
 * (SLOW_ATTEMPT_MS) moves its endpoint there, and the platform's slow-lane poller then works the
 * forwarded deliveries inside the window; on this shared machine a cold connection can take that long.
 */
export const isClean = (rig: Rig, c: CaseCounts) => {
  const slowLane = rig.platform.outputs.SlowLaneQueueUrl.split("/").pop() ?? "";
  const forwarded = Object.keys(c.handlerSqs).some((request) => request.endsWith(` to ${slowLane}`));
  return c.attempts === c.messages * c.fanOut && !forwarded;
};
export const describe = (c: CaseCounts) =>
  `${c.attempts} attempts for ${c.messages} messages at fan-out ${c.fanOut}, ` +
  `handler SQS ${JSON.stringify(c.handlerSqs)}`;
