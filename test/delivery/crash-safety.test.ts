import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, expect, it, onTestFailed } from "vitest";
import { keys } from "../../lambdas/adapters/table-keys";
import { waitFor } from "../../local/wait-for";
import { deliveriesOf, sqs } from "../support/delivery";
import { documentClient, newTenant, platform, type TestTenant } from "../support/platform";
import { type Receiver, startReceiver } from "../support/receiver";

/**
 * docs/delivery.md: delivery is at least once; a crash anywhere re-sends, never loses, and receivers dedupe on
 * webhook-id. A delivery worker runs in a process of its own on a queue of its own, is killed with
 * SIGKILL while its batches are in flight (some deliveries recorded, others still waiting on the
 * receiver), and a second worker takes over the queue. Every event must reach every endpoint, the
 * copies a re-send makes must carry the first copy's webhook-id, and nothing may be dead-lettered.
 *
 * Timing: the queue's visibility timeout is 3 s, so the dead worker's messages come back within
 * seconds; a delivery it had claimed stays leased for ATTEMPT_LEASE_MS (20 s) and is sent again once
 * the lease has expired. maxReceiveCount 10 (about 30 s of redeliveries) outlasts the lease.
 */
const EVENTS = 30;
const VISIBILITY_TIMEOUT_SECONDS = 3;
const MAX_RECEIVE_COUNT = 10;
const fixture = fileURLToPath(new URL("../fixtures/delivery-worker-process.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The first few requests are answered at once, so deliveries are recorded while the rest of the batch waits. */
const replyDelayMs = (n: number) => (n <= 3 ? 150 : 1000 + (n % 6) * 100);

interface Worker {
  readonly name: string;
  readonly child: ChildProcess;
}

const receivers: Receiver[] = [];
const workers: Worker[] = [];
const queuesToDelete: string[] = [];
const workerOutput: string[] = [];
let client: SQSClient | undefined;

afterAll(async () => {
  await Promise.all(workers.map(stopForGood));
  await Promise.all(receivers.map((r) => r.close()));
  for (const url of queuesToDelete) {
    await client?.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
  }
  client?.destroy();
  documents?.destroy();
});

it("delivers every event at least once when a worker is killed mid-batch", async () => {
  onTestFailed(() => console.log(`worker output:\n${workerOutput.join("\n")}`));
  // Prepare
  expect(process.env.TABLE_NAME, "the platform's environment reaches the test").toBe(platform().TableName);
  const started = Date.now();
  const tenant = await newTenant("crash");
  const [first, second] = await Promise.all([receiver(), receiver()]);
  const endpoints: Endpoint[] = [
    { receiver: first, id: await endpoint(tenant, `${first.url}/a`) },
    { receiver: second, id: await endpoint(tenant, `${second.url}/b`) },
  ];
  const queue = await dedicatedQueue();
  const sent = Array.from({ length: EVENTS }, (_, i) => `evt_crash_${i}_${randomUUID()}`);
  await sendEvents(queue.url, tenant, sent);
  const expectedRequests = EVENTS * endpoints.length;

  // Act
  const workerA = await startWorker("worker A", queue);
  const midBatch = await waitFor(
    async () =>
      endpoints.reduce((n, e) => n + e.receiver.requests.length, 0) >= 3 &&
      (await succeededDeliveries(endpoints.map((e) => e.id))) >= 1,
    { timeoutMs: 20_000, intervalMs: 20 },
  );
  expect(midBatch, "worker A recorded a delivery").toBe(true);
  const killedAt = Date.now();
  workerA.child.kill("SIGKILL");
  await once(workerA.child, "exit");
  const atKill = {
    received: endpoints.reduce((n, e) => n + e.receiver.requests.length, 0),
    // Requests whose answer was not due yet when the worker died: their attempts cannot have been recorded.
    inFlight: endpoints.reduce(
      (n, e) => n + e.receiver.requests.filter((r, i) => r.time + replyDelayMs(i + 1) > killedAt + 50).length,
      0,
    ),
    succeeded: await succeededDeliveries(endpoints.map((e) => e.id)),
  };
  await startWorker("worker B", queue);

  // Assess: wait until every delivery is recorded as succeeded. An attempt the crash cut off was
  // never recorded, so that takes a re-send once its lease (20 s) has expired; waiting only for
  // arrivals would pass too early when every request had already arrived once before the kill.
  const everyDeliverySucceeded = await waitFor(
    async () => (await succeededDeliveries(endpoints.map((e) => e.id))) === expectedRequests,
    { timeoutMs: 70_000, intervalMs: 200 },
  );
  const received = endpoints.reduce((n, e) => n + e.receiver.requests.length, 0);
  console.log(
    `crash safety: ${atKill.received}/${expectedRequests} requests had arrived when worker A was killed ` +
      `(${atKill.inFlight} in flight, ${atKill.succeeded} recorded as succeeded); ${received} requests in ` +
      `all, ${received - expectedRequests} more than one per delivery; the queue is ` +
      `${(await messagesIn(queue.url)) === 0 ? "empty" : "not empty"}, the DLQ holds ` +
      `${await messagesIn(queue.dlqUrl)}; ${Date.now() - started} ms`,
  );
  expect(everyDeliverySucceeded, "every delivery ends succeeded").toBe(true);
  expect(atKill.inFlight, "killed while requests were in flight").toBeGreaterThan(0);
  expect(atKill.succeeded, "killed after some deliveries were recorded").toBeGreaterThan(0);
  // At least once: every event reached every endpoint, and nothing else did.
  expect(await lostDeliveries(tenant, endpoints, sent), "deliveries that never arrived").toEqual([]);
  for (const e of endpoints) {
    expect([...new Set(e.receiver.requests.map((r) => r.json?.id))].sort()).toEqual([...sent].sort());
  }
  // An attempt the crash cut off was never recorded, so its delivery had to be sent again.
  expect(received - expectedRequests, "copies re-sent after the crash").toBeGreaterThanOrEqual(
    atKill.inFlight,
  );

  const stored = await Promise.all(sent.map((id) => deliveriesOf(tenant.tenantId, id)));
  const mismatches: string[] = [];
  sent.forEach((eventId, i) => {
    const deliveries = stored[i] ?? [];
    expect(deliveries.map((d) => [d.webhook_id, d.status]).sort()).toEqual(
      endpoints.map((e) => [e.id, "succeeded"]).sort(),
    );
    for (const e of endpoints) {
      const deliveryId = deliveries.find((d) => d.webhook_id === e.id)?.id;
      for (const copy of e.receiver.requests.filter((r) => r.json?.id === eventId)) {
        if (copy.headers["webhook-id"] !== deliveryId) {
          mismatches.push(
            `${eventId} to ${e.id}: webhook-id ${copy.headers["webhook-id"]}, not ${deliveryId}`,
          );
        }
      }
    }
  });
  // Receivers dedupe on webhook-id: every copy of a delivery carries its delivery's id.
  expect(mismatches).toEqual([]);

  const drained = await waitFor(async () => (await messagesIn(queue.url)) === 0, {
    timeoutMs: 15_000,
    intervalMs: 200,
  });
  expect(drained, "the dedicated queue is drained").toBe(true);
  expect(await messagesIn(queue.dlqUrl), "nothing dead-lettered").toBe(0);
}, 90_000);

interface Endpoint {
  readonly receiver: Receiver;
  readonly id: string;
}

const arrived = (e: Endpoint, eventId: string) => e.receiver.requests.some((r) => r.json?.id === eventId);

/** The (event, endpoint) pairs the receiver never got, with what the store holds for each. */
async function lostDeliveries(
  t: TestTenant,
  endpoints: readonly Endpoint[],
  sent: readonly string[],
): Promise<string[]> {
  const lost: string[] = [];
  for (const eventId of sent) {
    const missing = endpoints.filter((e) => !arrived(e, eventId));
    if (missing.length === 0) continue;
    const stored = await deliveriesOf(t.tenantId, eventId);
    for (const e of missing) {
      const d = stored.find((x) => x.webhook_id === e.id);
      lost.push(
        `${eventId} to ${e.id}: stored ${d ? `${d.status}, attempt_count ${d.attempt_count}` : "no delivery"}`,
      );
    }
  }
  return lost;
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver((_request, n) => ({ delayMs: replyDelayMs(n) }));
  receivers.push(r);
  return r;
}

async function endpoint(t: TestTenant, url: string): Promise<string> {
  const res = await t.api("POST", "/v1/webhooks", {
    body: { name: "Crash receiver", url, events: ["crm.lead.created"], verify: false },
  });
  expect(res.status, res.text).toBe(201);
  return res.json.data.id as string;
}

interface DedicatedQueue {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
}

function sqsClient(): SQSClient {
  client ??= sqs();
  return client;
}

async function createQueue(name: string, attributes?: Record<string, string>): Promise<string> {
  const { QueueUrl } = await sqsClient().send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  if (!QueueUrl) throw new Error(`no queue ${name} was created`);
  queuesToDelete.push(QueueUrl);
  return QueueUrl;
}

async function queueArn(url: string): Promise<string> {
  const { Attributes } = await sqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`queue ${url} has no ARN`);
  return Attributes.QueueArn;
}

/** A queue of the test's own on the platform's SQS server, so the platform's poller never takes its messages. */
async function dedicatedQueue(): Promise<DedicatedQueue> {
  const name = `crash-safety-${randomBytes(4).toString("hex")}`;
  const dlqUrl = await createQueue(`${name}-dlq`);
  const url = await createQueue(name, {
    VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: await queueArn(dlqUrl),
      maxReceiveCount: MAX_RECEIVE_COUNT,
    }),
  });
  return { url, arn: await queueArn(url), dlqUrl };
}

async function sendEvents(queueUrl: string, t: TestTenant, ids: readonly string[]): Promise<void> {
  for (let start = 0; start < ids.length; start += 10) {
    const chunk = ids.slice(start, start + 10);
    const { Failed } = await sqsClient().send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((id, i) => ({
          Id: String(i),
          MessageBody: JSON.stringify({
            tenant_id: t.tenantId,
            type: "crm.lead.created",
            id,
            occurred_at: "2026-02-15T10:30:00Z",
            data: { lead: { id, name: "Crash Ltda" } },
          }),
        })),
      }),
    );
    expect(Failed ?? []).toEqual([]);
  }
}

/** Messages on a queue, visible or in flight: 0 only when none is left. */
async function messagesIn(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqsClient().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

let documents: ReturnType<typeof documentClient> | undefined;

/** How many deliveries to these endpoints are recorded as succeeded (one Query per endpoint). */
async function succeededDeliveries(webhookIds: readonly string[]): Promise<number> {
  const counts = await Promise.all(
    webhookIds.map(async (webhookId) => {
      const { pk, sk } = keys.delivery(webhookId, "");
      documents ??= documentClient();
      const { Items = [] } = await documents.send(
        new QueryCommand({
          TableName: platform().TableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :sk)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":pk": pk, ":sk": sk },
          ProjectionExpression: "#status",
          ConsistentRead: true,
        }),
      );
      return Items.filter((item) => item.status === "succeeded").length;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** Spawns the worker fixture on the queue and resolves once it polls. */
async function startWorker(name: string, queue: DedicatedQueue): Promise<Worker> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture], {
    cwd: repoRoot,
    env: { ...process.env, WORKER_QUEUE_URL: queue.url, WORKER_QUEUE_ARN: queue.arn },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const worker = { name, child };
  workers.push(worker);
  const record = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (line) workerOutput.push(`[${name}] ${line}`);
  };
  child.stderr?.on("data", record);
  child.stdout?.on("data", record);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} was not ready within 20 s`)), 20_000);
    const onData = (chunk: Buffer) => {
      if (!chunk.toString("utf8").includes("worker ready")) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve();
    };
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(
        new Error(`${name} exited (${code ?? signal}) before it was ready:\n${workerOutput.join("\n")}`),
      );
    };
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
  return worker;
}

async function stopForGood({ child }: Worker): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}
