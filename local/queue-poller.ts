import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { lambdaContext } from "./lambda-context";
import { parseQueueArn, type SqsRecordSource, toSqsRecord } from "./sqs-records";

// The same return type as aws-lambda's SQSHandler (void allowed), so real handlers fit.
export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface QueuePollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsBatchHandler;
  /** Messages per invocation, 1 to 10 (one ReceiveMessage). Default 10. */
  batchSize?: number;
  /** Batches in flight at once, like the event source mapping's maxConcurrency. Default 2. */
  concurrency?: number;
  /** Long-poll wait on an idle queue, 0 to 20 s; 0 short-polls with a pause. Default 20 s, as Lambda polls. */
  waitTimeSeconds?: number;
  /** Overrides the queue's visibility timeout on each receive. */
  visibilityTimeoutSeconds?: number;
  /** Reported in the Lambda context. Default "local-queue-consumer". */
  functionName?: string;
  /** The function timeout: drives getRemainingTimeInMillis, and a batch still running after it fails. Default 60 s. */
  timeoutSeconds?: number;
  log?: (line: string) => void;
}

/** `received` = `deleted` + `failed` once every batch has settled; `failed` counts messages left on the queue. */
export interface QueuePollerStats {
  batches: number;
  received: number;
  deleted: number;
  failed: number;
}

export interface QueuePoller {
  /** Stops polling and resolves when every batch in flight (receive, handler, delete) has finished. */
  stop(): Promise<void>;
  stats(): QueuePollerStats;
}

interface PollerSettings {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly source: SqsRecordSource;
  readonly handler: SqsBatchHandler;
  readonly batchSize: number;
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number | undefined;
  readonly functionName: string;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  readonly stats: QueuePollerStats;
  readonly stopSignal: AbortSignal;
}

/** The SQS API takes at most 10 entries in a batch call and 10 messages per receive. */
const sqsBatchLimit = 10;
const firstBackoffMs = 250;
const maxBackoffMs = 5_000;
/** Only used with waitTimeSeconds 0: a short poll on an empty queue returns at once, and a loop would spin. */
const emptyShortPollPauseMs = 50;

/**
 * Emulates Lambda's SQS event source mapping with ReportBatchItemFailures: receive a batch, invoke the
 * handler, delete what it did not report as failed, and leave the rest to the visibility timeout and the
 * queue's redrive policy.
 */
export function startQueuePoller(options: QueuePollerOptions): QueuePoller {
  const abort = new AbortController();
  const settings = toSettings(options, abort.signal);
  const concurrency = options.concurrency ?? 2;
  assertInteger("concurrency", concurrency, 1, 1000);
  const loops = Array.from({ length: concurrency }, () =>
    pollUntilStopped(settings).catch((error: unknown) =>
      settings.log(`poll loop ended by an unexpected error: ${describe(error)}`),
    ),
  );
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      if (!stopped) {
        abort.abort();
        stopped = Promise.all(loops).then(() => undefined);
      }
      return stopped;
    },
    stats: () => ({ ...settings.stats }),
  };
}

function toSettings(options: QueuePollerOptions, stopSignal: AbortSignal): PollerSettings {
  const batchSize = options.batchSize ?? sqsBatchLimit;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const timeoutSeconds = options.timeoutSeconds ?? 60;
  assertInteger("batchSize", batchSize, 1, sqsBatchLimit);
  assertInteger("waitTimeSeconds", waitTimeSeconds, 0, 20);
  if (!(timeoutSeconds > 0)) throw new RangeError(`timeoutSeconds must be positive, got ${timeoutSeconds}`);
  const { region, queueName } = parseQueueArn(options.queueArn);
  const write = options.log ?? ((line: string) => console.log(line));
  return {
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    source: { queueArn: options.queueArn, awsRegion: region },
    handler: options.handler,
    batchSize,
    waitTimeSeconds,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    functionName: options.functionName ?? "local-queue-consumer",
    timeoutMs: timeoutSeconds * 1000,
    log: (line) => write(`[queue-poller ${queueName}] ${line}`),
    stats: { batches: 0, received: 0, deleted: 0, failed: 0 },
    stopSignal,
  };
}

function assertInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

async function pollUntilStopped(settings: PollerSettings): Promise<void> {
  let backoffMs = 0;
  // Start by draining: a queue that already holds messages gives them as one batch.
  let idle = false;
  while (!settings.stopSignal.aborted) {
    let messages: Message[];
    try {
      messages = await receiveBatch(settings, idle);
      backoffMs = 0;
    } catch (error) {
      if (settings.stopSignal.aborted) break;
      backoffMs = Math.min(maxBackoffMs, backoffMs * 2 || firstBackoffMs);
      settings.log(`ReceiveMessage failed, retrying in ${backoffMs} ms: ${describe(error)}`);
      await pause(backoffMs, settings.stopSignal);
      continue;
    }
    // A batch received while stopping is still processed: dropping it would hide it for a visibility timeout.
    if (messages.length > 0) await processBatch(settings, messages);
    else if (settings.waitTimeSeconds === 0) await pause(emptyShortPollPauseMs, settings.stopSignal);
    idle = messages.length === 0 && settings.waitTimeSeconds > 0;
  }
}

/**
 * While messages keep coming, a short receive takes up to a batch of what is there; once one comes back
 * empty, a long poll waits for a single message. AWS ends a long poll as soon as any message is there, but
 * local-aws-sqs holds it open until it has MaxNumberOfMessages or the wait is over (`Queue#collectedRecords`
 * in its dist/index.js), so only a poll for one message ends when the first arrives. Lambda, too, invokes
 * with what one poll returned; the next receive drains what came meanwhile.
 *
 * stop() aborts the receive in flight instead of waiting out a long poll. Messages already taken for it
 * come back after their visibility timeout, as from a poller that crashed (local-aws-sqs goes on
 * collecting for an aborted poll until its wait is over).
 */
async function receiveBatch(settings: PollerSettings, idle: boolean): Promise<Message[]> {
  const { Messages } = await settings.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: settings.queueUrl,
      MaxNumberOfMessages: idle ? 1 : settings.batchSize,
      WaitTimeSeconds: idle ? settings.waitTimeSeconds : 0,
      VisibilityTimeout: settings.visibilityTimeoutSeconds,
      MessageSystemAttributeNames: ["All"],
      // local-aws-sqs only reads this older field; AWS accepts both.
      AttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
    { abortSignal: settings.stopSignal },
  );
  return Messages ?? [];
}

async function processBatch(settings: PollerSettings, messages: Message[]): Promise<void> {
  const records = toRecords(settings, latestCopies(settings, messages));
  const { stats } = settings;
  stats.received += records.length;
  if (records.length === 0) return;
  stats.batches += 1;
  const failedIds = await invokeHandler(settings, records);
  const deleted = await deleteMessages(
    settings,
    records.filter((record) => !failedIds.has(record.messageId)),
  );
  stats.deleted += deleted;
  stats.failed += records.length - deleted;
}

/**
 * local-aws-sqs keeps collecting for the whole receive (40 ms even for a short one), so a message whose
 * visibility timeout ends within it comes more than once in one response. Keep the newest copy: on AWS
 * only the newest receipt handle deletes.
 */
function latestCopies(settings: PollerSettings, messages: Message[]): Message[] {
  const byId = new Map<string | undefined, Message>();
  for (const message of messages) {
    const key = message.MessageId ?? message.ReceiptHandle;
    byId.delete(key);
    byId.set(key, message);
  }
  if (byId.size < messages.length) {
    settings.log(
      `${messages.length - byId.size} repeated copies of a message came in one receive; kept the newest of each`,
    );
  }
  return [...byId.values()];
}

function toRecords(settings: PollerSettings, messages: Message[]): SQSRecord[] {
  const records: SQSRecord[] = [];
  for (const message of messages) {
    try {
      records.push(toSqsRecord(message, settings.source));
    } catch (error) {
      // Left on the queue: it comes back after the visibility timeout and ends in the DLQ like any failure.
      settings.stats.received += 1;
      settings.stats.failed += 1;
      settings.log(describe(error));
    }
  }
  return records;
}

/** Returns the ids of the messages to leave on the queue, following Lambda's rules for partial batch responses. */
async function invokeHandler(settings: PollerSettings, records: SQSRecord[]): Promise<ReadonlySet<string>> {
  const everyId = new Set(records.map((record) => record.messageId));
  const context = lambdaContext(settings.functionName, settings.timeoutMs);
  let response: unknown;
  try {
    response = await withTimeout(
      (async () => settings.handler({ Records: records }, context))(),
      settings.timeoutMs,
    );
  } catch (error) {
    settings.log(
      `${settings.functionName} (request ${context.awsRequestId}) failed; all ${records.length} messages ` +
        `stay on the queue: ${describe(error, { withStack: true })}`,
    );
    return everyId;
  }
  const verdict = readBatchResponse(response, everyId);
  if ("invalid" in verdict) {
    settings.log(
      `${settings.functionName} (request ${context.awsRequestId}) returned an invalid batch response, so ` +
        `Lambda would fail the whole batch of ${records.length}: ${verdict.invalid}`,
    );
    return everyId;
  }
  return verdict.failedIds;
}

type BatchVerdict = { failedIds: ReadonlySet<string> } | { invalid: string };

/**
 * Lambda's success and failure conditions for SQS partial batch responses: no response, or no or an empty
 * batchItemFailures list, is a complete success; a malformed response, or an itemIdentifier that is empty,
 * missing or not a message of the batch, is a complete failure.
 */
function readBatchResponse(response: unknown, batchIds: ReadonlySet<string>): BatchVerdict {
  if (response === undefined || response === null) return { failedIds: new Set() };
  if (typeof response !== "object") return { invalid: `the response is a ${typeof response}, not an object` };
  const failures: unknown = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { failedIds: new Set() };
  if (!Array.isArray(failures)) return { invalid: "batchItemFailures is not a list" };
  const failedIds = new Set<string>();
  for (const failure of failures) {
    const id: unknown = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || id === "") {
      return {
        invalid: `batchItemFailures has an entry without an itemIdentifier: ${JSON.stringify(failure)}`,
      };
    }
    if (!batchIds.has(id)) {
      return { invalid: `itemIdentifier ${id} is not the messageId of a record in the batch` };
    }
    failedIds.add(id);
  }
  return { failedIds };
}

/** Returns how many messages were deleted; the others come back after the visibility timeout. */
async function deleteMessages(settings: PollerSettings, records: SQSRecord[]): Promise<number> {
  let deleted = 0;
  for (let start = 0; start < records.length; start += sqsBatchLimit) {
    const chunk = records.slice(start, start + sqsBatchLimit);
    try {
      const { Successful, Failed } = await settings.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: settings.queueUrl,
          Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      deleted += Successful?.length ?? 0;
      for (const failure of Failed ?? []) {
        const messageId = chunk[Number(failure.Id)]?.messageId;
        settings.log(
          `could not delete message ${messageId} (${failure.Code}: ${failure.Message}); it will be delivered again`,
        );
      }
    } catch (error) {
      settings.log(
        `DeleteMessageBatch failed; ${chunk.length} messages will be delivered again: ${describe(error)}`,
      );
    }
  }
  return deleted;
}

/** Lambda ends an invocation at the function timeout and counts it as an error; here the handler keeps running. */
async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`, or at once when the poller stops. */
function pause(ms: number, stopSignal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stopSignal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      stopSignal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stopSignal.addEventListener("abort", done, { once: true });
  });
}

function describe(error: unknown, { withStack = false } = {}): string {
  if (!(error instanceof Error)) return String(error);
  return (withStack && error.stack) || `${error.name}: ${error.message}`;
}
