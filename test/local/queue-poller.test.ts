import { createHash } from "node:crypto";
import type { Server } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { createSqsServer } from "local-aws-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type QueuePoller, type QueuePollerOptions, startQueuePoller } from "../../local/queue-poller";

const dlqAfterReceives = 2;
/** For vi.waitFor: redeliveries take about a second (the visibility timeout), a trip to the DLQ about two. */
const patiently = { timeout: 8_000, interval: 20 };

let server: Server;
let endpoint: string;
let sqs: SQSClient;
let queueCount = 0;
const pollers: QueuePoller[] = [];
const clients: SQSClient[] = [];

beforeAll(async () => {
  server = await createSqsServer({ port: 0, hostname: "127.0.0.1" });
  const { port } = server.address() as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;
  sqs = sqsClient(endpoint);
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
  for (const client of clients.splice(0)) client.destroy();
});

afterAll(async () => {
  sqs?.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe("startQueuePoller", () => {
  it("hands the handler a Lambda-shaped SQSEvent holding the whole batch", async () => {
    // Prepare
    const queue = await createQueueWithDlq();
    const sent = await send(queue.url, ["first", "second", "third"], {
      tenant: { DataType: "String", StringValue: "t-1" },
      blob: { DataType: "Binary", BinaryValue: Buffer.from("raw bytes") },
    });
    const invocation = deferred<{ event: SQSEvent; context: Context }>();

    // Act
    start(queue, {
      concurrency: 1,
      functionName: "delivery-worker",
      handler: async (event, context) => invocation.resolve({ event, context }),
    });
    const { event, context } = await invocation.promise;

    // Assess
    expect(event.Records.map((record) => record.body).sort()).toEqual(["first", "second", "third"]);
    const record = recordWithBody(event.Records, "first");
    expect(Object.keys(record)).toEqual([
      "messageId",
      "receiptHandle",
      "body",
      "attributes",
      "messageAttributes",
      "md5OfMessageAttributes",
      "md5OfBody",
      "eventSource",
      "eventSourceARN",
      "awsRegion",
    ]);
    expect(record).toMatchObject({
      messageId: sent.get("first"),
      receiptHandle: expect.any(String),
      md5OfBody: createHash("md5").update("first").digest("hex"),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: "aws:sqs",
      eventSourceARN: queue.arn,
      awsRegion: "us-east-1",
    });
    expect(record.attributes).toMatchObject({
      ApproximateReceiveCount: "1",
      SentTimestamp: expect.stringMatching(/^\d{13}$/),
      ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      SenderId: expect.any(String),
    });
    expect(record.messageAttributes).toEqual({
      tenant: { stringValue: "t-1", stringListValues: [], binaryListValues: [], dataType: "String" },
      blob: {
        binaryValue: Buffer.from("raw bytes").toString("base64"),
        stringListValues: [],
        binaryListValues: [],
        dataType: "Binary",
      },
    });
    expect(context.awsRequestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(context.functionName).toBe("delivery-worker");
    expect(context.invokedFunctionArn).toBe("arn:aws:lambda:us-east-1:123456789012:function:delivery-worker");
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(50_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(60_000);
  });

  it("deletes every message of a batch the handler completes, with the default long poll", async () => {
    // Prepare
    const queue = await createQueueWithDlq({ visibilityTimeoutSeconds: 30 });
    await send(queue.url, ["a", "b", "c"]);

    // Act
    const poller = start(queue, {
      waitTimeSeconds: undefined,
      handler: async () => ({ batchItemFailures: [] }),
    });
    await vi.waitFor(() => expect(poller.stats().deleted).toBe(3), patiently);

    // Assess
    expect(await messageCounts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
    expect(poller.stats()).toEqual({ batches: 1, received: 3, deleted: 3, failed: 0 });
  });

  it("hands a message sent to an idle queue to the handler without waiting out the long poll", async () => {
    // Prepare: a 20 s long poll; this test's 10 s timeout fails it if the poller waits the poll out.
    const queue = await createQueueWithDlq({ visibilityTimeoutSeconds: 30 });
    const client = trackedClient();
    const longPollStarted = firstLongPoll(client);
    const invocation = deferred<SQSEvent>();
    const poller = start(queue, {
      sqs: client,
      waitTimeSeconds: 20,
      concurrency: 1,
      handler: async (event) => invocation.resolve(event),
    });
    await longPollStarted;

    // Act
    const sent = await send(queue.url, ["sent while idle"]);
    const event = await invocation.promise;

    // Assess
    expect(event.Records.map((record) => record.messageId)).toEqual([sent.get("sent while idle")]);
    await vi.waitFor(
      () => expect(poller.stats()).toEqual({ batches: 1, received: 1, deleted: 1, failed: 0 }),
      patiently,
    );
  }, 10_000);

  it("stop() ends a long poll in flight instead of waiting it out", async () => {
    // Prepare: this test's 10 s timeout fails it if stop() waits for the 20 s poll.
    const queue = await createQueueWithDlq();
    const client = trackedClient();
    const longPollStarted = firstLongPoll(client);
    const lines: string[] = [];
    const poller = start(queue, {
      sqs: client,
      waitTimeSeconds: 20,
      log: (line) => lines.push(line),
      handler: async () => undefined,
    });
    await longPollStarted;

    // Act
    await poller.stop();

    // Assess: an aborted receive is how polling ends, not an SQS error to retry.
    expect(lines).toEqual([]);
    expect(poller.stats()).toEqual({ batches: 0, received: 0, deleted: 0, failed: 0 });
  }, 10_000);

  it("redelivers only the messages the handler reported as failed", async () => {
    // Prepare
    const queue = await createQueueWithDlq();
    await send(queue.url, ["ok", "fails once"]);
    const deliveries: SQSRecord[] = [];

    // Act
    start(queue, {
      handler: async (event) => {
        deliveries.push(...event.Records);
        return failuresFor(event, (record) => record.body === "fails once" && receiveCount(record) === 1);
      },
    });
    await vi.waitFor(() => expect(deliveries).toHaveLength(3), patiently);

    // Assess
    expect(deliveries.map((record) => [record.body, receiveCount(record)]).sort()).toEqual([
      ["fails once", 1],
      ["fails once", 2],
      ["ok", 1],
    ]);
    await vi.waitFor(
      async () => expect(await messageCounts(queue.url)).toEqual({ visible: 0, inFlight: 0 }),
      patiently,
    );
    expect(await messageCounts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it("moves a message the handler keeps failing to the DLQ after maxReceiveCount receives", async () => {
    // Prepare
    const queue = await createQueueWithDlq();
    await send(queue.url, ["poison", "fine"]);
    const deliveries: SQSRecord[] = [];

    // Act
    const poller = start(queue, {
      handler: async (event) => {
        deliveries.push(...event.Records);
        return failuresFor(event, (record) => record.body === "poison");
      },
    });
    await vi.waitFor(async () => expect((await messageCounts(queue.dlqUrl)).visible).toBe(1), patiently);

    // Assess
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl }));
    expect(Messages?.map((message) => message.Body)).toEqual(["poison"]);
    expect(deliveries.filter((record) => record.body === "poison").map(receiveCount)).toEqual([
      1,
      dlqAfterReceives,
    ]);
    expect(deliveries.filter((record) => record.body === "fine")).toHaveLength(1);
    expect(poller.stats()).toMatchObject({ deleted: 1, failed: dlqAfterReceives });
  });

  it("redelivers the whole batch when the handler throws", async () => {
    // Prepare
    const queue = await createQueueWithDlq();
    const sent = await send(queue.url, ["x", "y"]);
    const redelivered = new Map<string, number>();
    const lines: string[] = [];

    // Act
    const poller = start(queue, {
      log: (line) => lines.push(line),
      handler: async (event) => {
        if (event.Records.some((record) => receiveCount(record) === 1)) throw new Error("database is down");
        for (const record of event.Records) redelivered.set(record.messageId, receiveCount(record));
      },
    });
    await vi.waitFor(() => expect(redelivered.size).toBe(2), patiently);

    // Assess
    expect(Object.fromEntries(redelivered)).toEqual({ [sent.get("x") ?? "x"]: 2, [sent.get("y") ?? "y"]: 2 });
    expect(lines).toContainEqual(expect.stringContaining("database is down"));
    await vi.waitFor(() => expect(poller.stats().deleted).toBe(2), patiently);
  });

  it("fails the whole batch when batchItemFailures names a message that is not in it", async () => {
    // Prepare
    const queue = await createQueueWithDlq();
    await send(queue.url, ["one", "two"]);
    const deliveries: SQSRecord[] = [];
    const lines: string[] = [];

    // Act
    const poller = start(queue, {
      log: (line) => lines.push(line),
      handler: async (event) => {
        deliveries.push(...event.Records);
        if (event.Records.every((record) => receiveCount(record) === 1)) {
          return { batchItemFailures: [{ itemIdentifier: "not-a-message-of-this-batch" }] };
        }
      },
    });
    await vi.waitFor(() => expect(deliveries).toHaveLength(4), patiently);

    // Assess
    expect(deliveries.map((record) => [record.body, receiveCount(record)]).sort()).toEqual([
      ["one", 1],
      ["one", 2],
      ["two", 1],
      ["two", 2],
    ]);
    expect(lines).toContainEqual(expect.stringContaining("not-a-message-of-this-batch"));
    await vi.waitFor(() => expect(poller.stats().deleted).toBe(2), patiently);
  });

  it("hands the handler one record per message when local-aws-sqs returns a message more than once in one receive", async () => {
    // Prepare: with a visibility timeout of 0, local-aws-sqs collects the same message on every tick of a poll.
    const queue = await createQueueWithDlq({ maxReceiveCount: 20 });
    const sent = await send(queue.url, ["twice"]);
    const deliveries: SQSRecord[] = [];
    const lines: string[] = [];

    // Act
    const poller = start(queue, {
      concurrency: 1,
      visibilityTimeoutSeconds: 0,
      log: (line) => lines.push(line),
      handler: async (event) => {
        deliveries.push(...event.Records);
      },
    });
    await vi.waitFor(() => expect(poller.stats().deleted).toBe(1), patiently);

    // Assess
    expect(deliveries.map((record) => record.messageId)).toEqual([sent.get("twice")]);
    expect(deliveries.map(receiveCount)[0]).toBeGreaterThan(1);
    expect(lines).toContainEqual(expect.stringContaining("repeated copies of a message came in one receive"));
    expect(await messageCounts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it("fails the whole batch when the handler outlives the function timeout", async () => {
    // Prepare
    const queue = await createQueueWithDlq();
    await send(queue.url, ["stuck", "waiting"]);
    const neverSettles = deferred<void>();
    const redelivered: SQSRecord[] = [];
    const lines: string[] = [];

    // Act
    const poller = start(queue, {
      timeoutSeconds: 0.2,
      log: (line) => lines.push(line),
      handler: async (event) => {
        if (event.Records.some((record) => receiveCount(record) === 1)) return neverSettles.promise;
        redelivered.push(...event.Records);
      },
    });
    try {
      await vi.waitFor(() => expect(redelivered).toHaveLength(2), patiently);
    } finally {
      neverSettles.resolve();
    }

    // Assess
    expect(redelivered.map(receiveCount)).toEqual([2, 2]);
    expect(lines).toContainEqual(expect.stringContaining("Task timed out after 0.20 seconds"));
    await vi.waitFor(() => expect(poller.stats().deleted).toBe(2), patiently);
  });

  it("stop() resolves only after the handler in flight has finished and its messages are deleted", async () => {
    // Prepare
    const queue = await createQueueWithDlq();
    await send(queue.url, ["slow"]);
    const handlerStarted = deferred<void>();
    const releaseHandler = deferred<void>();
    let handlerFinished = false;
    const poller = start(queue, {
      handler: async () => {
        handlerStarted.resolve();
        await releaseHandler.promise;
        handlerFinished = true;
      },
    });
    await handlerStarted.promise;

    // Act
    let stopResolved = false;
    const stopping = poller.stop().then(() => {
      stopResolved = true;
    });
    await turnsOfEventLoop(20);
    const resolvedBeforeRelease = stopResolved;
    releaseHandler.resolve();
    await stopping;

    // Assess
    expect(resolvedBeforeRelease).toBe(false);
    expect(handlerFinished).toBe(true);
    expect(poller.stats()).toMatchObject({ batches: 1, deleted: 1 });
    expect(await messageCounts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it("runs two batches at the same time with concurrency 2", async () => {
    // Prepare
    const queue = await createQueueWithDlq();
    await send(queue.url, ["left", "right"]);
    const bothRunning = deferred<void>();
    let running = 0;
    let mostRunning = 0;

    // Act
    const poller = start(queue, {
      batchSize: 1,
      concurrency: 2,
      handler: async () => {
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        if (running === 2) bothRunning.resolve();
        // Each handler holds its batch until the other one runs too; the timer only ends the wait when one
        // loop runs alone, so the test fails on mostRunning instead of hanging.
        await Promise.race([bothRunning.promise, new Promise((resolve) => setTimeout(resolve, 3_000))]);
        running -= 1;
      },
    });
    await vi.waitFor(() => expect(poller.stats().deleted).toBe(2), patiently);

    // Assess
    expect(mostRunning).toBe(2);
    expect(poller.stats()).toEqual({ batches: 2, received: 2, deleted: 2, failed: 0 });
  });

  it("logs SQS errors and keeps polling until stopped", async () => {
    // Prepare
    const unreachable = sqsClient(`http://127.0.0.1:${await closedPort()}`, 1);
    const lines: string[] = [];

    // Act
    const poller = startQueuePoller({
      sqs: unreachable,
      queueUrl: "http://127.0.0.1/123456789012/gone",
      queueArn: "arn:aws:sqs:us-east-1:123456789012:gone",
      handler: async () => undefined,
      log: (line) => lines.push(line),
    });
    await vi.waitFor(
      () =>
        expect(lines.filter((line) => line.includes("ReceiveMessage failed")).length).toBeGreaterThanOrEqual(
          2,
        ),
      patiently,
    );
    await poller.stop();
    unreachable.destroy();

    // Assess
    expect(lines[0]).toContain("ECONNREFUSED");
    expect(poller.stats()).toEqual({ batches: 0, received: 0, deleted: 0, failed: 0 });
  });
});

function sqsClient(endpoint: string, maxAttempts?: number): SQSClient {
  return new SQSClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    ...(maxAttempts && { maxAttempts }),
  });
}

/** A client of its own for one test, destroyed after the test's pollers have stopped. */
function trackedClient(): SQSClient {
  const client = sqsClient(endpoint);
  clients.push(client);
  return client;
}

/** Resolves when `client` sends a ReceiveMessage that long-polls, so a test can act while the poll is open. */
function firstLongPoll(client: SQSClient): Promise<void> {
  const started = deferred<void>();
  client.middlewareStack.add(
    (next) => async (args) => {
      const { WaitTimeSeconds = 0 } = args.input as { WaitTimeSeconds?: number };
      if (WaitTimeSeconds > 0) started.resolve();
      return next(args);
    },
    { step: "finalizeRequest" },
  );
  return started.promise;
}

interface TestQueue {
  url: string;
  arn: string;
  dlqUrl: string;
}

/** A fresh queue per test; by default a short visibility timeout, so failures come back within a second. */
async function createQueueWithDlq({
  visibilityTimeoutSeconds = 1,
  maxReceiveCount = dlqAfterReceives,
} = {}): Promise<TestQueue> {
  queueCount += 1;
  const name = `poller-${queueCount}`;
  const dlqUrl = await createQueue(`${name}-dlq`);
  const dlqArn = await queueArn(dlqUrl);
  const url = await createQueue(name, {
    VisibilityTimeout: String(visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ maxReceiveCount, deadLetterTargetArn: dlqArn }),
  });
  return { url, arn: await queueArn(url), dlqUrl };
}

async function createQueue(name: string, attributes?: Record<string, string>): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`no URL for queue ${name}`);
  return QueueUrl;
}

async function queueArn(queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`no ARN for queue ${queueUrl}`);
  return Attributes.QueueArn;
}

/** Tests short-poll (waitTimeSeconds 0) unless they are about the long poll, which has tests of its own. */
function start(queue: TestQueue, options: Pick<QueuePollerOptions, "handler"> & Partial<QueuePollerOptions>) {
  const poller = startQueuePoller({
    sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    waitTimeSeconds: 0,
    ...options,
  });
  pollers.push(poller);
  return poller;
}

/** Sends the bodies in one batch; returns their message ids by body. */
async function send(
  queueUrl: string,
  bodies: string[],
  attributes?: Record<string, MessageAttributeValue>,
): Promise<Map<string, string>> {
  const { Successful = [], Failed = [] } = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: bodies.map((body, index) => ({
        Id: `m${index}`,
        MessageBody: body,
        MessageAttributes: attributes,
      })),
    }),
  );
  if (Failed.length > 0) throw new Error(`send failed: ${JSON.stringify(Failed)}`);
  return new Map(
    Successful.map((entry) => [bodies[Number(entry.Id?.slice(1))] ?? "", entry.MessageId ?? ""]),
  );
}

async function messageCounts(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

function recordWithBody(records: SQSRecord[], body: string): SQSRecord {
  const record = records.find((candidate) => candidate.body === body);
  if (!record) throw new Error(`no record with body ${body}`);
  return record;
}

function receiveCount(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount);
}

function failuresFor(event: SQSEvent, failed: (record: SQSRecord) => boolean): SQSBatchResponse {
  return {
    batchItemFailures: event.Records.filter(failed).map((record) => ({ itemIdentifier: record.messageId })),
  };
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Lets pending callbacks and I/O run, to show that something has not happened yet. */
async function turnsOfEventLoop(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** A port nothing listens on, as when the local SQS server has gone away. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
