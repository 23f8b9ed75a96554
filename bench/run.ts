/**
 * @module `npm run bench`: what a delivery costs in the delivery handler, next to a
 * plain undici POST loop to the same receiver in the same run (sections 1-2);
 * healthy endpoints while 10% of endpoints hang, refuse or answer 500, with the
 * main and the slow lane running (3, bench/isolation.ts); an outage parked
 * behind an open breaker and its drain (4, bench/outage.ts); the production
 * handler on DynamoDB Local (5); the local event-to-POST latency (6,
 * bench/local-latency.ts); the bundle sizes (7); what a delivery costs in the
 * AWS bill, counted on the local platform (8, bench/capacity.ts); then every
 * target with its figure. Method and results: docs/performance.md. Options:
 * bench/settings.ts.
 */
import { execFile } from "node:child_process";
import { Console } from "node:console";
import { randomUUID } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { Agent, request } from "undici";
import { PowertoolsDeliveryMetrics } from "../lambdas/adapters/powertools-delivery-metrics";
import { HttpWebhookSender } from "../lambdas/adapters/http-webhook-sender";
import { type EventDelivery, eventDelivery } from "../lambdas/core/delivery";
import { parseQueueMessage } from "../lambdas/core/queue-message";
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from "../lambdas/core/retry-schedule";
import { hexSignature, standardWebhookSignature } from "../lambdas/core/signing";
import { ulid } from "../lambdas/core/ulid";
import { buildWebhookRequest } from "../lambdas/core/webhook-request";
import type { WebhookSender } from "../lambdas/core/webhook-sender";
import { lambdaContext } from "../local/lambda-context";
import { sqsRecord } from "../local/sqs-records";
import { capacity } from "./capacity";
import { deliveredBody, EVENT_DATA, EVENT_TYPE, endpoint, messageFactory, OCCURRED_AT } from "./fixtures";
import {
  cpuPerDelivery,
  fmt,
  median,
  perSecond,
  printTable,
  type ReceiverProcess,
  receiverCpuPerRequest,
  runWindow,
  startReceiverProcess,
  type WindowResult,
} from "./harness";
import { ingestCheckRows } from "./ingest-check";
import { isolation } from "./isolation";
import { localLatency } from "./local-latency";
import {
  laneDefaults,
  CountingMetrics,
  MemoryDeliveryStore,
  MemoryEndpoints,
  NoScheduler,
  noQueue,
  noRecovery,
  silentLog,
} from "./memory-ports";
import { outage } from "./outage";
import { inRounds, roundRatios } from "./rounds";
import {
  BATCH,
  ignoreNodeVersionWarning,
  nextEventId,
  QUICK,
  ROUNDS,
  SKIP_BUNDLES,
  SKIP_DYNAMODB,
  SKIP_LATENCY,
  TIMEOUT_MS,
  WINDOW_MS,
  WORKERS,
} from "./settings";
import { printTargets, type TargetResult, verdict } from "./targets";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The queue the in-memory worker's records say they come from. */
const EVENTS_QUEUE = {
  queueArn: "arn:aws:sqs:us-east-1:123456789012:hookline-events",
  awsRegion: "us-east-1",
};
/** The handler's CPU per delivery, storage excluded, at most this multiple of a plain POST's. */
const MAX_HANDLER_RATIO = 1.5;

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

// Log lines and EMF metrics go where Lambda's go: one write(2) per line, here to /dev/null.
const devNull = openSync("/dev/null", "w");
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    writeSync(devNull, chunk);
    done();
  },
});
const discardingConsole = new Console({ stdout: sink, stderr: sink });
/** Points a Powertools Logger or Metrics at /dev/null (their console is an internal field). */
function quiet(target: Logger | Metrics): void {
  (target as unknown as { console: Console }).console = discardingConsole;
}

function machine(): void {
  const undiciVersion = (createRequire(import.meta.url)("undici/package.json") as { version: string })
    .version;
  console.log(`# hookline delivery benchmark`);
  console.log(
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(1)} GB; ` +
      `node ${process.version}; undici ${undiciVersion}; load average ${loadavg()[0]?.toFixed(2)}`,
  );
  console.log(
    `shape: batches of ${BATCH} messages, ${WORKERS} batches in flight, ${ROUNDS} interleaved rounds of ` +
      `${WINDOW_MS} ms windows, medians reported; delivered body ${Buffer.byteLength(deliveredBody("evt_000000"))} B`,
  );
}

/**
 * The plain POST the baseline makes, on an undici Agent configured as the sender's was when the
 * target was set: its 32 connections per origin are kept so that runs stay comparable. The sender
 * no longer caps connections; with 200 requests in flight that costs it ~10% more per request.
 */
function baselineAgent(): Agent {
  return new Agent({
    connect: { timeout: TIMEOUT_MS },
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
    keepAliveTimeout: 10_000,
    connections: 32,
  });
}

function plainPostBatch(agent: Agent, url: string, size: number): () => Promise<number> {
  const body = deliveredBody("evt_01JM3QK4T6V8Z2W4E6R8T0Y2U4");
  const headers = { "content-type": "application/json" };
  const post = async () => {
    const res = await request(url, { method: "POST", headers, body, dispatcher: agent });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`baseline POST answered ${res.statusCode}`);
  };
  return async () => {
    await Promise.all(Array.from({ length: size }, post));
    return size;
  };
}

/** The sender alone: BATCH sends of one prebuilt, signed request (what the handler adds on top of it is the rest). */
function senderBatch(sender: WebhookSender, url: string, size: number): () => Promise<number> {
  const target = endpoint("sender", 0, url);
  const request = buildWebhookRequest({
    target: {
      url,
      method: target.http_method,
      headers: target.headers,
      field_mapping: {},
      secrets: [target.secret],
    },
    messageId: `msg_${ulid()}`,
    event: { id: "evt_1", type: EVENT_TYPE, created_at: OCCURRED_AT, data: EVENT_DATA },
    attempt: 1,
    now: new Date(),
    mapFields: true,
  });
  const send = async () => {
    const result = await sender.send(request);
    if (result.status_code !== 200) throw new Error(`sender got ${result.status_code ?? result.error}`);
  };
  return async () => {
    await Promise.all(Array.from({ length: size }, send));
    return size;
  };
}

/** One batch of BATCH producer events for `tenant`, each fanning out to `fanOut` endpoints. */
function handlerBatch(delivery: EventDelivery, tenant: string, fanOut: number, after?: () => void) {
  const message = messageFactory(tenant);
  return async () => {
    const results = await Promise.all(
      Array.from({ length: BATCH }, () => {
        const { id, messageId } = nextEventId();
        return delivery.handleMessage(message(id), messageId);
      }),
    );
    after?.();
    if (results.includes("retry_later")) throw new Error("a message was left for later");
    return BATCH * fanOut;
  };
}

interface Scenario {
  readonly name: string;
  readonly batch: () => Promise<number>;
  /** Which baseline (by name) its ratio is against; undefined for a baseline itself. */
  readonly baseline?: string;
  readonly durationMs?: number;
  /** Checks the window really delivered what it counted. */
  readonly check?: (w: WindowResult) => void;
}

/** CPU per delivery over the baseline's, round by round (each window against the baseline window of its round). */
const ratiosTo = (windows: readonly WindowResult[], baseline: readonly WindowResult[]) =>
  roundRatios(windows, baseline, cpuPerDelivery);

/** Runs every scenario once per round, in alternating order to cancel drift, and prints medians. */
async function interleaved(
  title: string,
  receiver: ReceiverProcess,
  scenarios: readonly Scenario[],
  rounds: number,
): Promise<Map<string, WindowResult[]>> {
  const byScenario = await inRounds(scenarios, rounds, async (s) => {
    const w = await runWindow({ workers: WORKERS, durationMs: s.durationMs ?? WINDOW_MS }, receiver, s.batch);
    s.check?.(w);
    return w;
  });
  const results = new Map(scenarios.map((s) => [s.name, byScenario.get(s) ?? []]));
  console.log(`\n## ${title}\n`);
  const rows = scenarios.map((s) => {
    const ws = results.get(s.name) ?? [];
    const base = s.baseline ? (results.get(s.baseline) ?? []) : [];
    // Ratio per round (each against the baseline window next to it), then the median of those.
    const ratios = ratiosTo(ws, base);
    const cpus = ws.map(cpuPerDelivery);
    return [
      s.name,
      fmt(median(ws.map(perSecond))),
      fmt(median(cpus), 1),
      `${fmt(Math.min(...cpus), 1)}-${fmt(Math.max(...cpus), 1)}`,
      ratios.length ? `${fmt(median(ratios), 2)}x` : "1 (baseline)",
      ratios.length ? `${fmt(Math.min(...ratios), 2)}-${fmt(Math.max(...ratios), 2)}` : "",
      fmt(median(ws.map(receiverCpuPerRequest)), 1),
      `${fmt(100 * Math.max(...ws.map((w) => w.otherLoad)), 0)}%`,
    ];
  });
  printTable(
    [
      "scenario",
      "deliveries/s",
      "CPU µs/delivery",
      "(range)",
      "CPU ratio to POST",
      "(range)",
      "receiver µs/req",
      "other load (max)",
    ],
    rows,
  );
  return results;
}

function expectSucceeded(metrics: CountingMetrics, label: string) {
  return (w: WindowResult) => {
    if (metrics.outcomes.succeeded !== w.count || w.receiverRequests < w.count) {
      throw new Error(
        `${label}: counted ${w.count} deliveries but ${metrics.outcomes.succeeded} succeeded ` +
          `and the receiver answered ${w.receiverRequests}`,
      );
    }
    metrics.reset();
  };
}

async function inMemoryHandler(
  receiver: ReceiverProcess,
  sender: HttpWebhookSender,
): Promise<TargetResult[]> {
  const schedule = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE);
  const store = new MemoryDeliveryStore();
  const endpoints = new MemoryEndpoints();
  endpoints.add(endpoint("fo1", 0, `${receiver.healthyOrigin}/hooks/fo1/0`));
  for (let i = 0; i < 10; i++)
    endpoints.add(endpoint("fo10", i, `${receiver.healthyOrigin}/hooks/fo10/${i}`));
  const common = {
    deliveries: store,
    endpoints,
    healthStore: endpoints,
    sender,
    scheduler: new NoScheduler(),
    queue: noQueue,
    recovery: noRecovery,
    schedule,
    ...laneDefaults(),
  };

  const counted = new CountingMetrics();
  const bare = eventDelivery({ ...common, metrics: counted, log: silentLog });

  // As in production: Powertools Logger at INFO with the Lambda context, Powertools Metrics flushed
  // after every invocation (what the logMetrics middleware does), output to /dev/null.
  const logger = new Logger({ serviceName: "hookline", logLevel: "INFO" });
  logger.addContext(lambdaContext("deliveryWorker", 60_000));
  const metrics = new Metrics({ namespace: "Hookline", serviceName: "hookline" });
  quiet(logger);
  quiet(metrics);
  const countedPt = new CountingMetrics(new PowertoolsDeliveryMetrics(metrics));
  const powertools = eventDelivery({ ...common, metrics: countedPt, log: logger });
  const flush = () => metrics.publishStoredMetrics();

  const agent = baselineAgent();
  const postUrl = `${receiver.healthyOrigin}/baseline`;
  const checkBare = (label: string) => {
    const check = expectSucceeded(counted, label);
    return (w: WindowResult) => {
      check(w);
      store.clear();
    };
  };
  const checkPt = (label: string) => {
    const check = expectSucceeded(countedPt, label);
    return (w: WindowResult) => {
      check(w);
      store.clear();
    };
  };
  const scenarios: Scenario[] = [
    { name: "plain POST x10", batch: plainPostBatch(agent, postUrl, BATCH) },
    {
      name: "HttpWebhookSender.send x10",
      batch: senderBatch(sender, `${receiver.healthyOrigin}/hooks/fo1/0`, BATCH),
      baseline: "plain POST x10",
    },
    {
      name: "handler, fan-out 1",
      batch: handlerBatch(bare, "fo1", 1),
      baseline: "plain POST x10",
      check: checkBare("fan-out 1"),
    },
    {
      name: "handler + Powertools, fan-out 1",
      batch: handlerBatch(powertools, "fo1", 1, flush),
      baseline: "plain POST x10",
      check: checkPt("fan-out 1 + Powertools"),
    },
    { name: "plain POST x100", batch: plainPostBatch(agent, postUrl, BATCH * 10) },
    {
      name: "handler, fan-out 10",
      batch: handlerBatch(bare, "fo10", 10),
      baseline: "plain POST x100",
      check: checkBare("fan-out 10"),
    },
    {
      name: "handler + Powertools, fan-out 10",
      batch: handlerBatch(powertools, "fo10", 10, flush),
      baseline: "plain POST x100",
      check: checkPt("fan-out 10 + Powertools"),
    },
  ];

  // Warm-up: JIT, connection pools, the receiver's JIT. The handler needs seconds, not milliseconds,
  // before its cost settles (its first 2 s cost ~25% more than the next ones).
  for (const s of scenarios) {
    const ms = s.baseline === undefined ? 500 : 1500;
    await runWindow({ workers: WORKERS, durationMs: QUICK ? ms / 5 : ms }, receiver, s.batch);
    counted.reset();
    countedPt.reset();
    store.clear();
  }
  const results = await interleaved(
    "1. Delivery handler (in-memory storage, real Node HTTP sender) vs plain undici POST, same receiver",
    receiver,
    scenarios,
    ROUNDS,
  );
  const ratio = (name: string, baseline: string) =>
    median(ratiosTo(results.get(name) ?? [], results.get(baseline) ?? []));
  const r1 = ratio("handler, fan-out 1", "plain POST x10");
  const r10 = ratio("handler, fan-out 10", "plain POST x100");
  console.log(
    `\ntarget (handler CPU per delivery, storage excluded, within ${MAX_HANDLER_RATIO}x of the plain POST): ` +
      `fan-out 1 ${fmt(r1, 2)}x, fan-out 10 ${fmt(r10, 2)}x: ` +
      verdict(r1 <= MAX_HANDLER_RATIO && r10 <= MAX_HANDLER_RATIO),
  );
  await agent.close();
  await pieces(receiver.healthyOrigin, logger, common);
  const target = (fanOut: number, r: number): TargetResult => ({
    what: `handler CPU per delivery vs plain POST, fan-out ${fanOut}`,
    figure: `${fmt(r, 2)}x`,
    target: `<= ${MAX_HANDLER_RATIO}x`,
    met: r <= MAX_HANDLER_RATIO,
  });
  return [target(1, r1), target(10, r10)];
}

const noop = () => {};

/** µs of CPU per call of `fn`, over `n` calls after a warm-up. */
function cpuPerCall(n: number, fn: (i: number) => unknown): number {
  let kept = 0;
  for (let i = 0; i < n / 10; i++) kept += fn(i) ? 1 : 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) kept += fn(i) ? 1 : 0;
  const cpu = process.cpuUsage(cpu0);
  if (kept < 0) console.log(kept); // keeps the calls observable
  return (cpu.user + cpu.system) / n;
}

/** Where the handler's time goes, piece by piece, without HTTP. */
async function pieces(
  origin: string,
  logger: Logger,
  common: Omit<Parameters<typeof eventDelivery>[0], "metrics" | "log" | "sender">,
) {
  const N = QUICK ? 5_000 : 20_000;
  const target = endpoint("pieces", 0, `${origin}/hooks/pieces/0`);
  const message = messageFactory("fo1")("evt_01JM3QK4T6V8Z2W4E6R8T0Y2U4");
  const event = { id: "evt_1", type: EVENT_TYPE, created_at: OCCURRED_AT, data: EVENT_DATA };
  const now = new Date();
  const input = {
    target: {
      url: target.url,
      method: target.http_method,
      headers: target.headers,
      field_mapping: {},
      secrets: [target.secret],
    },
    messageId: `msg_${ulid()}`,
    event,
    attempt: 1,
    now,
    mapFields: true,
  };
  const body = deliveredBody("evt_1");
  const rows: [string, number][] = [
    ["parseQueueMessage (JSON.parse + zod), per message", cpuPerCall(N, () => parseQueueMessage(message))],
    [
      "buildWebhookRequest, a new event (JSON + both signatures + headers)",
      cpuPerCall(N, () => buildWebhookRequest({ ...input, event: { ...event } })),
    ],
    [
      "buildWebhookRequest, the same event again (a fan-out: body reused)",
      cpuPerCall(N, () => buildWebhookRequest(input)),
    ],
    [
      "  standardWebhookSignature (1 secret)",
      cpuPerCall(N, () =>
        standardWebhookSignature([target.secret], { messageId: input.messageId, timestamp: 1, body }),
      ),
    ],
    ["  hexSignature", cpuPerCall(N, () => hexSignature(target.secret, body))],
    ["  JSON.stringify of the delivered body", cpuPerCall(N, () => JSON.stringify(event))],
    ...(await ingestCheckRows(N)),
    ["ulid()", cpuPerCall(N, () => ulid())],
    ["randomUUID() (the store's lease)", cpuPerCall(N, () => randomUUID())],
    ["new URL(endpoint url) (sender)", cpuPerCall(N, () => new URL(target.url))],
    [
      "setTimeout + clearTimeout (sender's deadline per attempt)",
      cpuPerCall(N, () => {
        clearTimeout(setTimeout(noop, TIMEOUT_MS));
        return 1;
      }),
    ],
    [
      "AbortSignal.timeout(3000) (what the sender used before)",
      cpuPerCall(N, () => AbortSignal.timeout(TIMEOUT_MS)),
    ],
    [
      "Powertools logger.info, to /dev/null",
      cpuPerCall(N, () => {
        logger.info("delivery attempt", { delivery_id: input.messageId, webhook_id: target.id, attempt: 1 });
        return 1;
      }),
    ],
  ];

  // The whole use case per delivery with a sender that answers 200 at once: all but the HTTP.
  const nullSender: WebhookSender = {
    async send() {
      return { status_code: 200, error: null, duration_ms: 0, response_body: '{"ok":true}' };
    },
  };
  const store = common.deliveries as MemoryDeliveryStore;
  const endpoints = new MemoryEndpoints();
  endpoints.add(endpoint("n1", 0, target.url));
  for (let i = 0; i < 10; i++) endpoints.add(endpoint("n10", i, `${origin}/hooks/n10/${i}`));
  const counted = new CountingMetrics();
  const noHttp = eventDelivery({
    ...common,
    endpoints,
    healthStore: endpoints,
    sender: nullSender,
    metrics: counted,
    log: silentLog,
  });
  for (const [tenant, fanOut] of [
    ["n1", 1],
    ["n10", 10],
  ] as const) {
    const batch = handlerBatch(noHttp, tenant, fanOut);
    const batches = Math.ceil(N / 10 / fanOut);
    for (let i = 0; i < batches / 10; i++) await batch();
    store.clear();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < batches; i++) await batch();
    const cpu = process.cpuUsage(cpu0);
    rows.push([
      `handler without HTTP (null sender), fan-out ${fanOut}, per delivery`,
      (cpu.user + cpu.system) / (batches * BATCH * fanOut),
    ]);
    store.clear();
  }
  console.log("\n## 2. Pieces (CPU µs per call, single-threaded loops)\n");
  printTable(
    ["piece", "µs/call"],
    rows.map(([name, us]) => [name, fmt(us, 2)]),
  );
}

/** The production handler (middy, Powertools, DynamoDB/SQS/Scheduler adapters) on DynamoDB Local. */
async function withDynamoDbLocal(receiver: ReceiverProcess) {
  // As deployed: metrics on, INFO logs (both to /dev/null below).
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  const { startLocalPlatform } = await import("../local/platform");
  const t0 = performance.now();
  const platform = await startLocalPlatform({ port: 0, logLevel: "INFO" });
  const startMs = performance.now() - t0;
  // Powertools Metrics warns on stderr through a console of its own when a flush mid-batch leaves
  // nothing for the end of the invocation; that is expected here and not worth a line per batch.
  const stderrWrite = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    String(chunk).includes("No application metrics to publish")
      ? true
      : stderrWrite(chunk, ...rest)) as typeof process.stderr.write;
  try {
    const { logger, metrics } = await import("../lambdas/wiring/clients");
    quiet(logger());
    quiet(metrics());
    const { DynamoDbApiKeyStore } = await import("../lambdas/adapters/dynamodb-api-key-store");
    const { DynamoDbWebhookStore } = await import("../lambdas/adapters/dynamodb-webhook-store");
    const { issueApiKey } = await import("../lambdas/core/api-keys");
    const { localDocumentClient } = await import("../local/clients");
    const { outputs } = platform;
    const documents = localDocumentClient(outputs);
    const keyOf = async (tenant: string) => {
      const { key, record } = issueApiKey(tenant);
      await new DynamoDbApiKeyStore(documents, outputs.TableName).save(record);
      return key;
    };
    const createEndpoint = async (key: string, url: string, n: number): Promise<string> => {
      const res = await fetch(`${outputs.ApiUrl}/v1/webhooks`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: `Receiver ${n}`,
          url,
          events: ["crm.lead.*"],
          headers: { "X-Api-Key": "rk_live_5f1d2c3b4a" },
          verify: false,
        }),
      });
      if (res.status !== 201) throw new Error(`creating an endpoint: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { data: { id: string } }).data.id;
    };
    const key1 = await keyOf("ddb-fo1");
    const key10 = await keyOf("ddb-fo10");
    const firstId = await createEndpoint(key1, `${receiver.healthyOrigin}/hooks/ddb-fo1/0`, 0);
    for (let i = 0; i < 10; i++)
      await createEndpoint(key10, `${receiver.healthyOrigin}/hooks/ddb-fo10/${i}`, i);

    const { handler } = await import("../lambdas/handlers/delivery-worker");
    let failures = 0;
    const lambdaBatch = (tenant: string, fanOut: number) => {
      const message = messageFactory(tenant);
      return async () => {
        const Records = Array.from({ length: BATCH }, (): SQSRecord => {
          const { id, messageId } = nextEventId();
          return sqsRecord(message(id), EVENTS_QUEUE, messageId);
        });
        const event: SQSEvent = { Records };
        const response = (await handler(event, lambdaContext("deliveryWorker", 60_000))) as SQSBatchResponse;
        failures += response.batchItemFailures.length;
        return BATCH * fanOut;
      };
    };
    const checkReceived = (label: string) => (w: WindowResult) => {
      if (failures || w.receiverRequests < w.count)
        throw new Error(
          `${label}: ${failures} batch item failures; receiver got ${w.receiverRequests}/${w.count}`,
        );
    };
    const agent = baselineAgent();
    const postUrl = `${receiver.healthyOrigin}/baseline`;
    const scenarios: Scenario[] = [
      { name: "plain POST x10", batch: plainPostBatch(agent, postUrl, BATCH), durationMs: 1000 },
      {
        name: "production handler + DynamoDB Local, fan-out 1",
        batch: lambdaBatch("ddb-fo1", 1),
        baseline: "plain POST x10",
        durationMs: QUICK ? 1000 : 2500,
        check: checkReceived("DynamoDB fan-out 1"),
      },
      { name: "plain POST x100", batch: plainPostBatch(agent, postUrl, BATCH * 10), durationMs: 1000 },
      {
        name: "production handler + DynamoDB Local, fan-out 10",
        batch: lambdaBatch("ddb-fo10", 10),
        baseline: "plain POST x100",
        durationMs: QUICK ? 1000 : 2500,
        check: checkReceived("DynamoDB fan-out 10"),
      },
    ];
    // The AWS SDK's code and DynamoDB Local's JVM both need seconds of traffic before they settle.
    for (const s of scenarios) {
      const ms = s.baseline === undefined ? 300 : 2000;
      await runWindow({ workers: WORKERS, durationMs: QUICK ? ms / 4 : ms }, receiver, s.batch);
    }
    await interleaved(
      `5. Production handler with storage: DynamoDB Local (started in ${fmt(startMs / 1000, 1)} s)`,
      receiver,
      scenarios,
      2,
    );
    await agent.close();

    // What one storage call costs this process, the handler making 2-4 of them per delivery.
    const store = new DynamoDbWebhookStore(documents, outputs.TableName);
    const calls: [string, () => Promise<unknown>][] = [
      ["DynamoDbWebhookStore.get (GetItem)", () => store.get("ddb-fo1", firstId)],
      ["DynamoDbWebhookStore.list (Query, 10 endpoints)", () => store.list("ddb-fo10")],
    ];
    const rows: string[][] = [];
    for (const [name, call] of calls) {
      const batch = async () => {
        await Promise.all(Array.from({ length: BATCH }, call));
        return BATCH;
      };
      await runWindow({ workers: WORKERS, durationMs: 300 }, receiver, batch);
      const w = await runWindow({ workers: WORKERS, durationMs: QUICK ? 500 : 1000 }, receiver, batch);
      rows.push([name, fmt(perSecond(w)), fmt(cpuPerDelivery(w), 0)]);
    }
    console.log("\nOne storage call through the AWS SDK (20 in flight):\n");
    printTable(["call", "calls/s", "CPU µs/call"], rows);
    documents.destroy();
  } finally {
    await platform.stop();
    process.stderr.write = stderrWrite;
  }
}

function bundleSizes(): Promise<void> {
  console.log("\n## 7. Bundles (bench/bundle-size.ts)\n");
  return new Promise((ok, fail) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "bench/bundle-size.ts"],
      { cwd: ROOT, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) return fail(new Error(`bundle-size failed: ${stderr || error.message}`));
        process.stdout.write(stdout);
        ok();
      },
    );
  });
}

async function main() {
  ignoreNodeVersionWarning();
  machine();
  const targets: TargetResult[] = [];
  const receiver = await startReceiverProcess();
  const sender = new HttpWebhookSender({ allowPrivateAddresses: true, timeoutMs: TIMEOUT_MS });
  try {
    targets.push(...(await inMemoryHandler(receiver, sender)));
    console.log(`(${elapsed()})`);
    targets.push(...(await isolation(receiver, sender)));
    console.log(`(${elapsed()})`);
    targets.push(...(await outage(receiver, sender)));
    console.log(`(${elapsed()})`);
    if (!SKIP_DYNAMODB) {
      await withDynamoDbLocal(receiver);
      console.log(`(${elapsed()})`);
    }
  } finally {
    await sender.close();
    await receiver.stop();
  }
  if (!SKIP_LATENCY) {
    targets.push(...(await localLatency()));
    console.log(`(${elapsed()})`);
  }
  if (!SKIP_BUNDLES) await bundleSizes();
  // It starts a local platform of its own, in a child process, as section 6 does; it needs DynamoDB Local.
  if (!SKIP_DYNAMODB) {
    targets.push(...(await capacity()));
    console.log(`(${elapsed()})`);
  }
  closeSync(devNull);
  console.log("\n## Targets\n");
  printTargets(targets);
  console.log(`\ntotal ${elapsed()}; load average now ${loadavg()[0]?.toFixed(2)}`);
}

await main();
