/**
 * @module The whole platform on one machine (docs/local-run.md): DynamoDB Local, a local SQS
 * server, the local Scheduler API and the HTTP front door, running the
 * production handlers with the production SDK clients; only endpoints differ.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { CreateTableCommand, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { CreateScheduleGroupCommand } from "@aws-sdk/client-scheduler";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { createSqsServer } from "local-aws-sqs";
import { DynamoDbApiKeyStore } from "../lambdas/adapters/dynamodb-api-key-store";
import { DynamoDbEventTypeStore } from "../lambdas/adapters/dynamodb-event-type-store";
import type { EventTypeStore } from "../lambdas/core/catalog/catalog";
import { catalogAdmin } from "../lambdas/core/catalog/catalog-admin";
import exampleCatalog from "../catalogs/jurichat.json" with { type: "json" };
import { TABLE_KEY } from "../lambdas/adapters/table-keys";
import { issueApiKey } from "../lambdas/core/api-keys";
import { requireTunable } from "../lambdas/config";
import { DEFAULT_RETRY_SCHEDULE } from "../lambdas/core/retry-schedule";
import { ADMIN_BASE_PATH, apiRoutes, lambdaFunctions } from "../lambdas/functions";
import type { portalHandler } from "../lambdas/handlers/portal";
import { buildPortal } from "../portal/build";
import { LOCAL_CREDENTIALS, localDocumentClient, localDynamoDb, localScheduler, localSqs } from "./clients";
import { type DynamoDbLocal, startDynamoDbLocal } from "./dynamodb-local";
import {
  type Authorizer,
  type FrontDoor,
  type LocalOperator,
  type RouteFunction,
  startFrontDoor,
} from "./front-door";
import { lambdaContext } from "./lambda-context";
import { startQueuePoller } from "./queue-poller";
import { type SchedulerServer, startSchedulerServer } from "./scheduler";

export interface LocalPlatformOptions {
  /** The API's port; 0 picks a free one. */
  readonly port?: number;
  readonly retrySchedule?: string;
  readonly tenantId?: string;
  readonly logLevel?: string;
  /** Consecutive failures that open an endpoint's breaker (BREAKER_THRESHOLD); the stack's default when undefined. */
  readonly breakerThreshold?: number;
  /**
   * The URL policy, as the Lambdas' ALLOWED_URL_SCHEMES and ALLOW_PRIVATE_ADDRESSES read it. By
   * default the local run allows http and private addresses, so receivers on 127.0.0.1 work;
   * "https" and "false" give production's policy.
   */
  readonly allowedUrlSchemes?: string;
  readonly allowPrivateAddresses?: string;
  /**
   * How long the front door keeps the authorizer's answer for an Authorization header,
   * so a revoked key keeps working for up to this long; the stack's default is 60 s.
   */
  readonly authorizerCacheTtlMs?: number;
  /** Where to write outputs.json; nothing is written when undefined. */
  readonly outputsFile?: string;
  readonly log?: (line: string) => void;
}

export interface LocalOutputs {
  readonly ApiUrl: string;
  /** The operators' API (docs/operators-api.md), signed with SigV4 using the local credentials below. */
  readonly AdminUrl: string;
  readonly LocalAccessKeyId: string;
  readonly LocalSecretAccessKey: string;
  readonly ApiKey: string;
  readonly TenantId: string;
  readonly EventsQueueUrl: string;
  readonly EventsDlqUrl: string;
  readonly SlowLaneQueueUrl: string;
  readonly SlowLaneDlqUrl: string;
  readonly TableName: string;
  readonly DynamoDbEndpoint: string;
  readonly SqsEndpoint: string;
  readonly SchedulerEndpoint: string;
  readonly Region: string;
}

export interface LocalPlatform {
  readonly outputs: LocalOutputs;
  readonly scheduler: SchedulerServer;
  stop(): Promise<void>;
}

const REGION = "us-east-1";
const TABLE_NAME = "hookline-local";
const SCHEDULE_GROUP = "hookline-retries";
const ROLE_ARN = "arn:aws:iam::123456789012:role/hookline-scheduler";
/** The IAM user the local run's operators' API takes signatures from, with the local credentials. */
const LOCAL_OPERATOR: LocalOperator = {
  credentials: LOCAL_CREDENTIALS,
  region: REGION,
  accountId: "123456789012",
  userArn: "arn:aws:iam::123456789012:user/local-operator",
  userId: "AIDALOCALOPERATOR",
};
const DEFAULT_AUTHORIZER_CACHE_TTL_MS = 60_000;

/** The local run starts with an example catalog (a deployed stack starts empty): JuriChat's events. */
async function seedCatalog(store: EventTypeStore): Promise<void> {
  const admin = catalogAdmin({ store });
  for (const { type, ...definition } of exampleCatalog.event_types) await admin.put(type, definition);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

async function createTable(endpoint: string): Promise<void> {
  const client = localDynamoDb({ DynamoDbEndpoint: endpoint, Region: REGION });
  await client.send(
    new CreateTableCommand({
      TableName: TABLE_NAME,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: TABLE_KEY.partition, AttributeType: "S" },
        { AttributeName: TABLE_KEY.sort, AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: TABLE_KEY.partition, KeyType: "HASH" },
        { AttributeName: TABLE_KEY.sort, KeyType: "RANGE" },
      ],
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: TABLE_NAME,
      TimeToLiveSpecification: { AttributeName: TABLE_KEY.ttl, Enabled: true },
    }),
  );
  client.destroy();
}

interface LocalQueues {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly slowLaneUrl: string;
  readonly slowLaneArn: string;
  readonly slowLaneDlqUrl: string;
  readonly schedulerDlqArn: string;
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  return Attributes?.QueueArn ?? "";
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes?: Record<string, string>,
): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`the local SQS server created no queue ${name}`);
  return QueueUrl;
}

/** A work queue redriving to its DLQ after five receives, as the stack's do. */
async function createWorkQueue(
  sqs: SQSClient,
  name: string,
): Promise<{ url: string; arn: string; dlqUrl: string }> {
  const dlqUrl = await createQueue(sqs, `${name}-dlq`);
  const url = await createQueue(sqs, name, {
    // Shorter than the stack's 6 minutes so a crashed local batch comes back quickly.
    VisibilityTimeout: "30",
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await queueArn(sqs, dlqUrl), maxReceiveCount: 5 }),
  });
  return { url, arn: await queueArn(sqs, url), dlqUrl };
}

/** The events queue and the slow lane's, each with its DLQ, and the Scheduler's DLQ, shaped like the stack's. */
async function createQueues(sqs: SQSClient): Promise<LocalQueues> {
  const schedulerDlqUrl = await createQueue(sqs, "hookline-scheduler-dlq");
  const events = await createWorkQueue(sqs, "hookline-events");
  const slowLane = await createWorkQueue(sqs, "hookline-slow-lane");
  return {
    queueUrl: events.url,
    queueArn: events.arn,
    dlqUrl: events.dlqUrl,
    slowLaneUrl: slowLane.url,
    slowLaneArn: slowLane.arn,
    slowLaneDlqUrl: slowLane.dlqUrl,
    schedulerDlqArn: await queueArn(sqs, schedulerDlqUrl),
  };
}

/**
 * The URL policy's variables for the Lambdas: the local run's (http, private addresses) unless
 * given, and refused before anything starts when the Lambdas would refuse them.
 */
function urlPolicyEnvironment(options: LocalPlatformOptions) {
  const given = {
    ALLOWED_URL_SCHEMES: options.allowedUrlSchemes ?? "https,http",
    ALLOW_PRIVATE_ADDRESSES: options.allowPrivateAddresses ?? "true",
  } as const;
  for (const [name, text] of Object.entries(given) as [keyof typeof given, string][])
    requireTunable(name, text);
  return given;
}

export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const log = options.log ?? (() => {});
  const urlPolicy = urlPolicyEnvironment(options);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((e: unknown) => log(`stop: ${String(e)}`));
  };
  try {
    const dynamoPort = await freePort();
    const dynamoStarting = startDynamoDbLocal(dynamoPort);
    dynamoStarting.then((d) => stops.push(() => d.stop())).catch(() => {});

    // The portal's page and assets, built in memory while the rest starts: no build step to run first.
    const portalBuilding = buildPortal();
    portalBuilding.catch(() => {});

    const sqsPort = await freePort();
    const sqsServer = await createSqsServer({ port: sqsPort, hostname: "127.0.0.1" });
    stops.push(() => new Promise<void>((ok) => sqsServer.close(() => ok())));
    const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
    const sqs = localSqs({ SqsEndpoint: sqsEndpoint, Region: REGION });
    const queues = await createQueues(sqs);

    const scheduler = await startSchedulerServer({
      port: 0,
      sendToQueue: async (queueArn, body) => {
        const queueName = queueArn.split(":").pop() ?? "";
        const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
        await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
      },
      log,
    });
    stops.push(() => scheduler.close());
    const schedulerClient = localScheduler({ SchedulerEndpoint: scheduler.endpoint, Region: REGION });
    await schedulerClient.send(new CreateScheduleGroupCommand({ Name: SCHEDULE_GROUP }));
    schedulerClient.destroy();

    const dynamo: DynamoDbLocal = await dynamoStarting;
    await createTable(dynamo.endpoint);

    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_SCHEDULER: scheduler.endpoint,
      TABLE_NAME,
      EVENTS_QUEUE_URL: queues.queueUrl,
      EVENTS_DLQ_URL: queues.dlqUrl,
      SLOW_LANE_QUEUE_URL: queues.slowLaneUrl,
      ...(options.breakerThreshold === undefined
        ? {}
        : { BREAKER_THRESHOLD: String(options.breakerThreshold) }),
      DELIVERY_LOG_RETENTION_DAYS: "30",
      // Ingest reads the catalog for every event here, so an operator's change applies at once;
      // a deployed stack reuses it for catalogCacheTtl (30 s).
      CATALOG_CACHE_SECONDS: "0",
      SCHEDULER_GROUP_NAME: SCHEDULE_GROUP,
      SCHEDULER_ROLE_ARN: ROLE_ARN,
      SCHEDULER_TARGET_ARN: queues.queueArn,
      SCHEDULER_DLQ_ARN: queues.schedulerDlqArn,
      // The emulator fires to the second, so short test schedules keep their shape.
      SCHEDULER_MIN_LEAD_SECONDS: "0",
      RETRY_SCHEDULE: options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE,
      ALLOWED_URL_SCHEMES: urlPolicy.ALLOWED_URL_SCHEMES,
      ALLOW_PRIVATE_ADDRESSES: urlPolicy.ALLOW_PRIVATE_ADDRESSES,
      POWERTOOLS_SERVICE_NAME: "hookline",
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? "WARN",
      POWERTOOLS_METRICS_NAMESPACE: "Hookline",
      // Metrics are CloudWatch EMF lines on stdout: noise locally unless asked for.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
    });

    const load = async (name: keyof typeof lambdaFunctions) =>
      (await import(resolve(lambdaFunctions[name].entry))).handler;
    const functions: Record<string, RouteFunction> = {};
    // The portal function over the files built above, instead of the deployed one's bundled files.
    const portal = (await import(resolve(lambdaFunctions.portal.entry))) as {
      portalHandler: typeof portalHandler;
    };
    const portalAssets = await portalBuilding;
    functions.portal = portal.portalHandler(async () => portalAssets);
    for (const route of apiRoutes) functions[route.function] ??= await load(route.function);
    const authorizer: Authorizer = await load("apiAuthorizer");

    const tenantId = options.tenantId ?? "local";
    const { key, record } = issueApiKey(tenantId);
    const documents = localDocumentClient({ DynamoDbEndpoint: dynamo.endpoint, Region: REGION });
    await new DynamoDbApiKeyStore(documents, TABLE_NAME).save(record);
    await seedCatalog(new DynamoDbEventTypeStore(documents, TABLE_NAME));
    documents.destroy();

    const frontDoor: FrontDoor = await startFrontDoor({
      port: options.port ?? 3000,
      routes: apiRoutes,
      functions,
      authorizer,
      authorizerCacheTtlMs: options.authorizerCacheTtlMs ?? DEFAULT_AUTHORIZER_CACHE_TTL_MS,
      operator: LOCAL_OPERATOR,
      context: (name) => lambdaContext(name, 10_000),
    });
    stops.push(() => frontDoor.close());

    // Lambda's event source mappings on the events queue and the slow lane, with the stack's batch size.
    const worker = await load("deliveryWorker");
    for (const lane of [
      {
        queueUrl: queues.queueUrl,
        queueArn: queues.queueArn,
        functionName: "deliveryWorker",
        concurrency: 4,
      },
      {
        queueUrl: queues.slowLaneUrl,
        queueArn: queues.slowLaneArn,
        functionName: "slowLaneWorker",
        concurrency: 2,
      },
    ]) {
      const poller = startQueuePoller({ sqs, handler: worker, batchSize: 10, log, ...lane });
      stops.push(() => poller.stop());
    }

    const outputs: LocalOutputs = {
      ApiUrl: frontDoor.url,
      AdminUrl: frontDoor.url + ADMIN_BASE_PATH,
      LocalAccessKeyId: LOCAL_CREDENTIALS.accessKeyId,
      LocalSecretAccessKey: LOCAL_CREDENTIALS.secretAccessKey,
      ApiKey: key,
      TenantId: tenantId,
      EventsQueueUrl: queues.queueUrl,
      EventsDlqUrl: queues.dlqUrl,
      SlowLaneQueueUrl: queues.slowLaneUrl,
      SlowLaneDlqUrl: queues.slowLaneDlqUrl,
      TableName: TABLE_NAME,
      DynamoDbEndpoint: dynamo.endpoint,
      SqsEndpoint: sqsEndpoint,
      SchedulerEndpoint: scheduler.endpoint,
      Region: REGION,
    };
    if (options.outputsFile) {
      mkdirSync(dirname(options.outputsFile), { recursive: true });
      writeFileSync(options.outputsFile, `${JSON.stringify(outputs, null, 2)}\n`);
    }
    return { outputs, scheduler, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
