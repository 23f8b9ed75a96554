import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { type ITopic, Topic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { PARTITION_PREFIX } from "../lambdas/adapters/table-keys";
import {
  type Config,
  type ConfigSection,
  loadConfig,
  requireTunable,
  TUNABLE_DEFAULTS,
  type Tunable,
} from "../lambdas/config";
import {
  apiRoutes,
  type LambdaFunctionName,
  type LambdaFunctionSpec,
  lambdaFunctions,
} from "../lambdas/functions";
import { PlatformAlarms } from "./alarms";
import { bundlePortalFiles } from "./bundling";
import { PlatformDashboard } from "./dashboard";
import { DataStore } from "./data-store";
import { EventIngest } from "./event-ingest";
import { ManagementApi } from "./management-api";
import { PlatformFunction } from "./platform-function";
import { RetryScheduler } from "./retry-scheduler";

/** Every tunable of the platform: each has a default, so `{}` deploys the defaults. */
export interface HooklineProps {
  /**
   * When each delivery attempt is due, as offsets from the first attempt,
   * comma-separated: one attempt per entry, the first one `0s`. Checked at synth.
   * @default "0s,20m,1h,2h,6h,14h,38h"
   */
  readonly retrySchedule?: string;
  /**
   * Most webhook endpoints one tenant may register, 1 to 99: an event and its
   * deliveries are sent by one worker invocation at once.
   * Checked at synth.
   * @default 50
   */
  readonly maxEndpointsPerTenant?: number;
  /**
   * URL schemes an endpoint may use.
   * @default ["https"]
   */
  readonly allowedUrlSchemes?: readonly ("https" | "http")[];
  /**
   * Whether endpoints may resolve to private, loopback or link-local addresses.
   * @default false
   */
  readonly allowPrivateAddresses?: boolean;
  /**
   * Retention of the function and API access log groups.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the table and the log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long API Gateway caches an authorizer answer per API key: a revoked or
   * expired key keeps working for up to this long.
   * @default Duration.minutes(1)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * How long ingest (POST /v1/events and the delivery workers) reuses the
   * event-type catalog it read: an operator's change to the catalog applies
   * within this time. 0 to 300 whole seconds. Checked at synth.
   * @default Duration.seconds(30)
   */
  readonly catalogCacheTtl?: Duration;
  /**
   * Days a delivery attempt stays in the delivery log before TTL removes it, 2 to 3650.
   * Checked at synth.
   * @default 30
   */
  readonly deliveryLogRetentionDays?: number;
  /**
   * Events a delivery worker (either lane) receives per invocation; over 10
   * only with a `deliveryBatchingWindow`, as Lambda requires. Checked at synth.
   * @default 10
   */
  readonly deliveryBatchSize?: number;
  /**
   * Most concurrent delivery worker invocations the events queue drives; caps
   * the load on DynamoDB and on receivers.
   * @default 20
   */
  readonly deliveryMaxConcurrency?: number;
  /**
   * How long the delivery workers' event sources (both lanes) gather a batch
   * before the worker is invoked. Zero (the default) hands each event over as it arrives, so an idle
   * platform delivers in well under 100 ms; a window trades that latency for
   * fuller batches under light load.
   * @default Duration.seconds(0)
   */
  readonly deliveryBatchingWindow?: Duration;
  /**
   * Consecutive failed attempts, across an endpoint's deliveries, that open its
   * circuit breaker: its deliveries are then parked and it is probed on the
   * retry schedule (docs/delivery.md). 1 to 1000.
   * @default 10
   */
  readonly breakerThreshold?: number;
  /**
   * Parked deliveries a drain sends per second once an endpoint's breaker
   * closes (slower when the endpoint answers Retry-After), in parts of a
   * second's worth. 1 to 100.
   * @default 20
   */
  readonly drainRatePerSecond?: number;
  /**
   * Most concurrent invocations of the slow lane's worker, which sends to slow
   * endpoints, probes open breakers and drains parked deliveries.
   * @default 5
   */
  readonly slowLaneMaxConcurrency?: number;
  /**
   * Share of failed delivery attempts (retried or given up), from 0 to 1, above
   * which the failure-rate alarm fires (in 2 of 3 periods of 15 minutes).
   * Checked at synth.
   * @default 0.25
   */
  readonly deliveryFailureRateThreshold?: number;
  /**
   * SNS topic notified by the platform's alarms.
   * @default - the alarms notify no one
   */
  readonly alarmTopic?: ITopic;
  /**
   * The same, by ARN (what `cdk synth -c alarmTopicArn=...` gives); ignored when `alarmTopic` is set.
   * @default - the alarms notify no one
   */
  readonly alarmTopicArn?: string;
  /**
   * Directory the handler entries of lambdas/functions.ts and their node_modules
   * are resolved against.
   * @default - the root of this repository
   */
  readonly projectRoot?: string;
}

/** Lambda on an HTTP integration; API Gateway gives up after 30 s, and creating an endpoint makes a verification POST of up to 3 s. */
const API_FUNCTION_TIMEOUT = Duration.seconds(10);
const DELIVERY_TIMEOUT = Duration.seconds(60);
/** Just under API Gateway's 30 s integration limit. */
const OPERATIONS_TIMEOUT = Duration.seconds(29);
/** POWERTOOLS_SERVICE_NAME of every function; Powertools Metrics puts it in the `service` dimension. */
const SERVICE_NAME = "hookline";
/** POWERTOOLS_METRICS_NAMESPACE of the functions that make delivery attempts and count them. */
const METRICS_NAMESPACE = "Hookline";

/** The prop that sets each tunable the Lambdas read (lambdas/config.ts defines its default and rule). */
const PROP_OF_TUNABLE: Record<Tunable, string> = {
  DELIVERY_LOG_RETENTION_DAYS: "deliveryLogRetentionDays",
  RETRY_SCHEDULE: "retrySchedule",
  CATALOG_CACHE_SECONDS: "catalogCacheTtl (in seconds)",
  BREAKER_THRESHOLD: "breakerThreshold",
  DRAIN_RATE_PER_SECOND: "drainRatePerSecond",
  MAX_ENDPOINTS_PER_TENANT: "maxEndpointsPerTenant",
  ALLOWED_URL_SCHEMES: "allowedUrlSchemes",
  ALLOW_PRIVATE_ADDRESSES: "allowPrivateAddresses",
};

/**
 * A prop as the Lambdas' environment holds it (its default when unset), refused at synth, naming
 * the prop, when the Lambdas' own rule would refuse it at cold start.
 */
function tunableText(
  name: Tunable,
  value: string | number | boolean | readonly string[] | undefined,
): string {
  const text =
    value === undefined ? TUNABLE_DEFAULTS[name] : Array.isArray(value) ? value.join(",") : String(value);
  requireTunable(name, text, PROP_OF_TUNABLE[name]);
  return text;
}

/** Refuses a prop outside [min, max] (and a fraction where an integer is due) with the reason. */
function checkRange(
  prop: string,
  value: number,
  { min, max, integer, why }: { min: number; max: number; integer: boolean; why: string },
): number {
  if (Number.isNaN(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(
      `${prop} must be ${integer ? "an integer" : "a number"} from ${min} to ${max} (${why}), got ${value}`,
    );
  }
  return value;
}

/**
 * The table actions the adapters call. A TransactWriteItems needs only the actions of the Put,
 * Update and Delete it holds (there is no IAM action for the transaction itself); none of them
 * holds a ConditionCheck, and nothing batches writes.
 */
type TableAction = "GetItem" | "Query" | "PutItem" | "UpdateItem" | "DeleteItem";

/**
 * Table actions allowed only on the items whose partition key matches one of `leadingKeys`
 * (IAM's `dynamodb:LeadingKeys`, `*` a wildcard): for the partitions outside tenants' data.
 */
interface LeadingKeyGrant {
  readonly actions: readonly TableAction[];
  readonly leadingKeys: readonly string[];
}

/** Every partition key starting with `prefix`. */
const keysStartingWith = (prefix: string): string => `${prefix}*`;

/** What one function may do, and what it needs beyond the shared settings. */
interface FunctionSettings {
  /** On every item of the table. */
  readonly tableActions?: readonly TableAction[];
  /** On the items of some partitions only. */
  readonly leadingKeyGrants?: readonly LeadingKeyGrant[];
  readonly sendsEvents?: boolean;
  readonly deadLettersMessages?: boolean;
  readonly schedulesRetries?: boolean;
  readonly sendsToSlowLane?: boolean;
  readonly environment?: Record<string, string>;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  /** Files it reads at run time, written into its bundle beside index.mjs. */
  readonly bundleFiles?: (outputDir: string) => void;
}

/**
 * The serverless webhook platform as one construct: HTTP API, events queue, delivery workers,
 * retries on Scheduler, alarms and a dashboard. WebhookPlatformStack holds one; another CDK app
 * adds it to a stack of its own with `new Hookline(this, "Webhooks", props)`.
 */
export class Hookline extends Construct {
  readonly api: ManagementApi;
  readonly ingest: EventIngest;
  readonly dataStore: DataStore;
  readonly retries: RetryScheduler;

  constructor(scope: Construct, id: string, props: HooklineProps = {}) {
    super(scope, id);

    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const deliveryFailureRateThreshold = checkRange(
      "deliveryFailureRateThreshold",
      props.deliveryFailureRateThreshold ?? 0.25,
      { min: 0, max: 1, integer: false, why: "a share of delivery attempts" },
    );

    const dataStore = new DataStore(this, "DataStore", { removalPolicy });
    const ingest = new EventIngest(this, "EventIngest", { consumerTimeout: DELIVERY_TIMEOUT });
    const retries = new RetryScheduler(this, "RetryScheduler", { targetQueue: ingest.queue });

    const sectionEnvironment: { [S in ConfigSection]: Record<keyof Config<S>, string> } = {
      table: { TABLE_NAME: dataStore.table.tableName },
      eventsQueue: { EVENTS_QUEUE_URL: ingest.queue.queueUrl },
      deadLetters: { EVENTS_DLQ_URL: ingest.deadLetterQueue.queueUrl },
      retention: {
        DELIVERY_LOG_RETENTION_DAYS: tunableText(
          "DELIVERY_LOG_RETENTION_DAYS",
          props.deliveryLogRetentionDays,
        ),
      },
      scheduler: {
        SCHEDULER_GROUP_NAME: retries.group.scheduleGroupName,
        SCHEDULER_ROLE_ARN: retries.role.roleArn,
        SCHEDULER_TARGET_ARN: ingest.queue.queueArn,
        SCHEDULER_DLQ_ARN: retries.deadLetterQueue.queueArn,
        SCHEDULER_MIN_LEAD_SECONDS: "60",
      },
      retries: { RETRY_SCHEDULE: tunableText("RETRY_SCHEDULE", props.retrySchedule) },
      slowLane: { SLOW_LANE_QUEUE_URL: ingest.slowLaneQueue.queueUrl },
      catalog: {
        CATALOG_CACHE_SECONDS: tunableText(
          "CATALOG_CACHE_SECONDS",
          props.catalogCacheTtl?.toSeconds({ integral: false }),
        ),
      },
      endpointHealth: {
        BREAKER_THRESHOLD: tunableText("BREAKER_THRESHOLD", props.breakerThreshold),
        DRAIN_RATE_PER_SECOND: tunableText("DRAIN_RATE_PER_SECOND", props.drainRatePerSecond),
      },
      endpointPolicy: {
        MAX_ENDPOINTS_PER_TENANT: tunableText("MAX_ENDPOINTS_PER_TENANT", props.maxEndpointsPerTenant),
        ALLOWED_URL_SCHEMES: tunableText("ALLOWED_URL_SCHEMES", props.allowedUrlSchemes),
        ALLOW_PRIVATE_ADDRESSES: tunableText("ALLOW_PRIVATE_ADDRESSES", props.allowPrivateAddresses),
      },
    };
    // The tunables were checked one by one, naming their props; this runs every section, the
    // stack's own values included, through the parser the Lambdas use at cold start.
    for (const section of Object.keys(sectionEnvironment) as ConfigSection[]) {
      try {
        loadConfig(section, sectionEnvironment[section]);
      } catch (error) {
        throw new Error(
          `the stack props make a configuration the Lambdas refuse: ${(error as Error).message}`,
        );
      }
    }

    // Every function must be listed: a new entry in lambdas/functions.ts does not compile until its access is decided.
    const settings: Record<LambdaFunctionName, FunctionSettings> = {
      apiAuthorizer: {
        leadingKeyGrants: [
          { actions: ["GetItem"], leadingKeys: [keysStartingWith(PARTITION_PREFIX.apiKey)] },
          // A key's last use, recorded on the tenant's key list at most once a minute.
          { actions: ["UpdateItem"], leadingKeys: [keysStartingWith(PARTITION_PREFIX.tenantKeys)] },
        ],
      },
      webhookQueries: { tableActions: ["GetItem", "Query"] },
      webhookCommands: {
        tableActions: ["GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"],
      },
      deliveryCommands: {
        tableActions: ["GetItem", "Query", "PutItem", "UpdateItem"],
        // Recover queues resends; a retry made early schedules the one after it.
        sendsEvents: true,
        schedulesRetries: true,
        sendsToSlowLane: true,
        environment: { POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE },
        // A test or a resend waits up to 3 s for the receiver; recover pages through the log.
        timeout: OPERATIONS_TIMEOUT,
      },
      // Reads the event-type catalog to check events against it.
      eventsApi: {
        sendsEvents: true,
        leadingKeyGrants: [{ actions: ["Query"], leadingKeys: [PARTITION_PREFIX.catalog] }],
      },
      // The catalog and tenants' API keys, and nothing of tenants' data. Issuing a key writes its
      // lookup item and its entry in the tenant's list in one TransactWriteItems, which needs only
      // the actions of the items inside.
      adminApi: {
        leadingKeyGrants: [
          {
            actions: ["GetItem", "Query", "PutItem", "DeleteItem", "UpdateItem"],
            leadingKeys: [
              PARTITION_PREFIX.catalog,
              keysStartingWith(PARTITION_PREFIX.apiKey),
              keysStartingWith(PARTITION_PREFIX.tenantKeys),
            ],
          },
        ],
      },
      // Static files and the OpenAPI document: no table, no queue, nothing of tenants' data.
      portal: { bundleFiles: bundlePortalFiles },
      deliveryWorker: {
        tableActions: ["GetItem", "Query", "PutItem", "UpdateItem"],
        // Emits follow-up events onto the events queue, and moves invalid messages to its DLQ at once.
        sendsEvents: true,
        deadLettersMessages: true,
        schedulesRetries: true,
        environment: { POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE },
        sendsToSlowLane: true,
        // Signing and many concurrent outbound HTTPS requests: more memory also means more CPU.
        memorySize: 512,
        timeout: DELIVERY_TIMEOUT,
      },
      slowLaneWorker: {
        tableActions: ["GetItem", "Query", "PutItem", "UpdateItem"],
        sendsEvents: true,
        deadLettersMessages: true,
        schedulesRetries: true,
        // A drain queues its next part here, held back to keep its pace.
        sendsToSlowLane: true,
        environment: { POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE },
        memorySize: 512,
        timeout: DELIVERY_TIMEOUT,
      },
    };

    const projectRoot = props.projectRoot ?? fileURLToPath(new URL("..", import.meta.url));
    const functions = {} as Record<LambdaFunctionName, PlatformFunction>;
    for (const name of Object.keys(lambdaFunctions) as LambdaFunctionName[]) {
      const spec: LambdaFunctionSpec = lambdaFunctions[name];
      const own = settings[name];
      const fn = new PlatformFunction(this, name.charAt(0).toUpperCase() + name.slice(1), {
        entry: spec.entry,
        description: spec.description,
        projectRoot,
        // Only the variables of the config sections the function reads.
        environment: {
          POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
          POWERTOOLS_LOG_LEVEL: "INFO",
          ...Object.fromEntries(
            spec.config.flatMap((section) => Object.entries(sectionEnvironment[section])),
          ),
          ...own.environment,
        },
        memorySize: own.memorySize ?? 256,
        timeout: own.timeout ?? API_FUNCTION_TIMEOUT,
        logRetention,
        removalPolicy,
        bundleFiles: own.bundleFiles,
      });
      if (own.tableActions) {
        dataStore.table.grant(fn.role, ...own.tableActions.map((action) => `dynamodb:${action}`));
      }
      for (const { actions, leadingKeys } of own.leadingKeyGrants ?? []) {
        // The table only, not its indexes: a condition on the partition key of the table says
        // nothing about an index's own keys.
        fn.role.addToPrincipalPolicy(
          new PolicyStatement({
            actions: actions.map((action) => `dynamodb:${action}`),
            resources: [dataStore.table.tableArn],
            // Every partition key the request names must match. A request naming none (a Scan) would
            // pass ForAllValues, which is why TableAction has no Scan.
            conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": leadingKeys } },
          }),
        );
      }
      if (own.sendsEvents) ingest.queue.grant(fn.role, "sqs:SendMessage");
      if (own.deadLettersMessages) ingest.deadLetterQueue.grant(fn.role, "sqs:SendMessage");
      if (own.schedulesRetries) retries.grantScheduling(fn.role);
      if (own.sendsToSlowLane) ingest.slowLaneQueue.grant(fn.role, "sqs:SendMessage");
      functions[name] = fn;
    }

    const maxBatchingWindow = props.deliveryBatchingWindow ?? Duration.seconds(0);
    const batchSize = props.deliveryBatchSize ?? 10;
    if (batchSize > 10 && maxBatchingWindow.toSeconds() === 0) {
      // Lambda's SQS event source takes more than 10 messages per batch only with a batching window.
      throw new Error(
        `deliveryBatchSize ${batchSize} needs a deliveryBatchingWindow: without one Lambda batches at most 10 messages`,
      );
    }
    ingest.addDeliveryConsumer("main", functions.deliveryWorker.function, {
      batchSize,
      maxConcurrency: props.deliveryMaxConcurrency ?? 20,
      maxBatchingWindow,
    });
    ingest.addDeliveryConsumer("slow", functions.slowLaneWorker.function, {
      batchSize,
      maxConcurrency: props.slowLaneMaxConcurrency ?? 5,
      maxBatchingWindow,
    });

    const api = new ManagementApi(this, "ManagementApi", {
      routes: apiRoutes,
      handlerOf: (name) => functions[name].function,
      authorizer: functions.apiAuthorizer.function,
      authorizerCacheTtl: props.authorizerCacheTtl ?? Duration.minutes(1),
      logRetention,
      removalPolicy,
    });

    new PlatformAlarms(this, "Alarms", {
      deadLetterQueues: {
        EventsDeadLetterQueue: ingest.deadLetterQueue,
        SlowLaneDeadLetterQueue: ingest.slowLaneDeadLetterQueue,
        SchedulerDeadLetterQueue: retries.deadLetterQueue,
      },
      deliveryFunctions: {
        DeliveryWorker: functions.deliveryWorker.function,
        SlowLaneWorker: functions.slowLaneWorker.function,
      },
      deliveryMetrics: { namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME },
      deliveryFailureRateThreshold,
      alarmTopic:
        props.alarmTopic ??
        (props.alarmTopicArn ? Topic.fromTopicArn(this, "AlarmTopic", props.alarmTopicArn) : undefined),
    });

    new PlatformDashboard(this, "Dashboard", {
      deliveryMetrics: { namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME },
      queues: {
        events: ingest.queue,
        "events DLQ": ingest.deadLetterQueue,
        "slow lane": ingest.slowLaneQueue,
        "slow lane DLQ": ingest.slowLaneDeadLetterQueue,
        "Scheduler DLQ": retries.deadLetterQueue,
      },
      functions: Object.fromEntries(Object.entries(functions).map(([name, fn]) => [name, fn.function])),
    });

    this.api = api;
    this.ingest = ingest;
    this.dataStore = dataStore;
    this.retries = retries;
  }
}
