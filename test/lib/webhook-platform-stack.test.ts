import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { App, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { Topic } from "aws-cdk-lib/aws-sns";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ADMIN_BASE_PATH,
  apiRoutes,
  type LambdaFunctionName,
  lambdaFunctions,
  routeKey,
} from "../../lambdas/functions";
import { Hookline } from "../../lib/hookline";
import { WebhookPlatformStack, type WebhookPlatformStackProps } from "../../lib/webhook-platform-stack";

type Resources = ReturnType<Template["findResources"]>;
type Resource = Resources[string];
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

const functionNames = Object.keys(lambdaFunctions) as LambdaFunctionName[];
const catalogReaders = functionNames.filter((name) =>
  (lambdaFunctions[name].config as readonly string[]).includes("catalog"),
);

// The stack is built against a scratch project of handlers that answer their own file name, so
// these tests do not depend on the real handlers, and one of them can bundle it quickly.
let projectRoot: string;
beforeAll(() => {
  projectRoot = mkdtempSync(join(tmpdir(), "hookline-stack-"));
  for (const { entry } of Object.values(lambdaFunctions)) {
    mkdirSync(dirname(join(projectRoot, entry)), { recursive: true });
    writeFileSync(join(projectRoot, entry), `export const handler = async () => ${JSON.stringify(entry)};\n`);
  }
});
afterAll(() => rmSync(projectRoot, { recursive: true, force: true }));

function newApp(): App {
  // No esbuild run and no built-in CloudFormation validation (about 6 s per synth).
  return new App({ context: { "aws:cdk:bundling-stacks": [] }, builtinCloudFormationValidation: false });
}

function newStack(
  props: WebhookPlatformStackProps = {},
  app = newApp(),
): { app: App; stack: WebhookPlatformStack } {
  return { app, stack: new WebhookPlatformStack(app, "Hookline", { projectRoot, ...props }) };
}

function synthesize(props: WebhookPlatformStackProps = {}): Template {
  return Template.fromStack(newStack(props).stack);
}

function onlyEntry(resources: Resources): [string, Resource] {
  const entries = Object.entries(resources);
  expect(entries).toHaveLength(1);
  return entries[0] as [string, Resource];
}

function lambdaOf(template: Template, name: LambdaFunctionName): [string, Resource] {
  return onlyEntry(
    template.findResources("AWS::Lambda::Function", {
      Properties: { Description: lambdaFunctions[name].description },
    }),
  );
}

function policyStatementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources("AWS::IAM::Policy", {
    Properties: { Roles: [{ Ref: roleLogicalId }] },
  });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

function statementsOf(template: Template, name: LambdaFunctionName): Statement[] {
  const [, fn] = lambdaOf(template, name);
  return policyStatementsOfRole(template, fn.Properties.Role["Fn::GetAtt"][0]);
}

/** The partition-key patterns a statement is limited to (`dynamodb:LeadingKeys`), if it is. */
function leadingKeysOf(statement: Statement): string[] | undefined {
  const condition = statement.Condition as
    { "ForAllValues:StringLike"?: { "dynamodb:LeadingKeys"?: string[] } } | undefined;
  return condition?.["ForAllValues:StringLike"]?.["dynamodb:LeadingKeys"];
}

function actionsOf(statements: Statement[]): string[] {
  return [...new Set(statements.flatMap((statement) => [statement.Action].flat()))].sort();
}

function scheduleGroupName(template: Template): string {
  const [, group] = onlyEntry(template.findResources("AWS::Scheduler::ScheduleGroup"));
  return group.Properties.Name;
}

function logicalIdStartingWith(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

/** The event source mapping that reads the queue with the given logical id. */
function mappingOf(template: Template, queue: string): Resource {
  const [, mapping] = onlyEntry(
    template.findResources("AWS::Lambda::EventSourceMapping", {
      Properties: { EventSourceArn: { "Fn::GetAtt": [queue, "Arn"] } },
    }),
  );
  return mapping;
}

describe("WebhookPlatformStack", () => {
  let template: Template;
  let eventsQueue: string;
  let eventsDlq: string;
  let slowLaneQueue: string;
  let slowLaneDlq: string;
  let schedulerDlq: string;
  let table: string;
  beforeAll(() => {
    template = synthesize();
    eventsQueue = logicalIdStartingWith(template, "AWS::SQS::Queue", "EventIngestQueue");
    eventsDlq = logicalIdStartingWith(template, "AWS::SQS::Queue", "EventIngestDeadLetterQueue");
    slowLaneQueue = logicalIdStartingWith(template, "AWS::SQS::Queue", "EventIngestSlowLaneQueue");
    slowLaneDlq = logicalIdStartingWith(template, "AWS::SQS::Queue", "EventIngestSlowLaneDeadLetterQueue");
    schedulerDlq = logicalIdStartingWith(template, "AWS::SQS::Queue", "RetrySchedulerDeadLetterQueue");
    table = logicalIdStartingWith(template, "AWS::DynamoDB::Table", "DataStoreTable");
  });

  describe("data store", () => {
    it("keeps everything in one on-demand table keyed by pk and sk, with PITR and TTL on expires_at", () => {
      template.resourceCountIs("AWS::DynamoDB::Table", 1);
      template.hasResourceProperties("AWS::DynamoDB::Table", {
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });

    it("retains the table and every log group by default", () => {
      template.hasResource("AWS::DynamoDB::Table", {
        DeletionPolicy: "Retain",
        UpdateReplacePolicy: "Retain",
      });
      for (const logGroup of Object.values(template.findResources("AWS::Logs::LogGroup"))) {
        expect(logGroup.DeletionPolicy).toBe("Retain");
      }
    });
  });

  describe("event ingest", () => {
    /** Each lane's work queue, its dead-letter queue and the worker reading it. */
    const lanes = () =>
      [
        { queue: eventsQueue, dlq: eventsDlq, worker: "deliveryWorker" },
        { queue: slowLaneQueue, dlq: slowLaneDlq, worker: "slowLaneWorker" },
      ] as const;

    it("sends a message of either lane to its lane's dead-letter queue after five failed receives", () => {
      for (const { queue, dlq } of lanes()) {
        expect(template.toJSON().Resources[queue].Properties.RedrivePolicy).toEqual({
          deadLetterTargetArn: { "Fn::GetAtt": [dlq, "Arn"] },
          maxReceiveCount: 5,
        });
      }
    });

    it("keeps a message in any dead-letter queue for 14 days", () => {
      for (const dlq of [eventsDlq, slowLaneDlq, schedulerDlq]) {
        expect(template.toJSON().Resources[dlq].Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      }
    });

    it("hides a batch received from either lane for six timeouts of the worker reading it", () => {
      for (const { queue, worker } of lanes()) {
        const [, fn] = lambdaOf(template, worker);
        const visibilityTimeout = template.toJSON().Resources[queue].Properties.VisibilityTimeout;
        expect(visibilityTimeout).toBe(6 * fn.Properties.Timeout);
      }
    });

    it("refuses unencrypted transport on every queue and encrypts them at rest", () => {
      template.resourceCountIs("AWS::SQS::Queue", 5);
      for (const queue of [eventsQueue, eventsDlq, slowLaneQueue, slowLaneDlq, schedulerDlq]) {
        template.hasResourceProperties("AWS::SQS::QueuePolicy", {
          Queues: [{ Ref: queue }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
            ]),
          },
        });
        expect(template.toJSON().Resources[queue].Properties.SqsManagedSseEnabled).toBe(true);
      }
    });

    it("gives the slow lane its own work queue and dead-letter queue, set up like the main lane's", () => {
      const resources = template.toJSON().Resources;
      expect(new Set([eventsQueue, eventsDlq, slowLaneQueue, slowLaneDlq]).size).toBe(4);
      expect(resources[slowLaneQueue]).toEqual({
        ...resources[eventsQueue],
        Properties: {
          ...resources[eventsQueue].Properties,
          RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [slowLaneDlq, "Arn"] }, maxReceiveCount: 5 },
        },
      });
      expect(resources[slowLaneDlq]).toEqual(resources[eventsDlq]);
    });

    it("feeds the delivery worker in batches as events arrive and lets it report failed records one by one", () => {
      const [worker] = lambdaOf(template, "deliveryWorker");
      template.resourceCountIs("AWS::Lambda::EventSourceMapping", 2);
      const mapping = mappingOf(template, eventsQueue);
      expect(mapping.Properties).toMatchObject({
        FunctionName: { Ref: worker },
        FunctionResponseTypes: ["ReportBatchItemFailures"],
        BatchSize: 10,
        ScalingConfig: { MaximumConcurrency: 20 },
      });
      // docs/delivery.md: no batching window, so an idle platform does not wait one out before delivering.
      expect(mapping.Properties.MaximumBatchingWindowInSeconds).toBeUndefined();
    });

    it("feeds the slow lane worker from the slow lane's queue, at most 5 invocations at once", () => {
      const [worker] = lambdaOf(template, "slowLaneWorker");
      expect(mappingOf(template, slowLaneQueue).Properties).toMatchObject({
        FunctionName: { Ref: worker },
        FunctionResponseTypes: ["ReportBatchItemFailures"],
        BatchSize: 10,
        ScalingConfig: { MaximumConcurrency: 5 },
      });
    });
  });

  describe("retry scheduler", () => {
    it("creates one schedule group for the retries", () => {
      template.resourceCountIs("AWS::Scheduler::ScheduleGroup", 1);
    });

    it("lets Scheduler, acting for this account's group, only send messages to the events queue and its DLQ", () => {
      const [roleId, role] = onlyEntry(
        template.findResources("AWS::IAM::Role", {
          Properties: {
            AssumeRolePolicyDocument: {
              Statement: [Match.objectLike({ Principal: { Service: "scheduler.amazonaws.com" } })],
            },
          },
        }),
      );
      const [trust] = role.Properties.AssumeRolePolicyDocument.Statement;
      expect(trust.Condition.StringEquals["aws:SourceAccount"]).toEqual({ Ref: "AWS::AccountId" });
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();

      const statements = policyStatementsOfRole(template, roleId);
      expect(actionsOf(statements)).toEqual(["sqs:SendMessage"]);
      expect(statements.map((statement) => statement.Resource)).toEqual(
        expect.arrayContaining([
          { "Fn::GetAtt": [eventsQueue, "Arn"] },
          { "Fn::GetAtt": [schedulerDlq, "Arn"] },
        ]),
      );
      expect(statements).toHaveLength(2);
    });

    // The functions that schedule retries: the delivery commands (an early retry) and both workers.
    const retrySchedulers = ["deliveryCommands", "deliveryWorker", "slowLaneWorker"] as const;

    it.each(retrySchedulers)(
      "lets %s manage schedules only inside its group and pass only the scheduler role",
      (name) => {
        const schedulerRole = logicalIdStartingWith(template, "AWS::IAM::Role", "RetrySchedulerRole");
        const statements = statementsOf(template, name);

        const scheduling = statements.find((statement) =>
          [statement.Action].flat().includes("scheduler:CreateSchedule"),
        );
        expect(scheduling?.Action).toBe("scheduler:CreateSchedule");
        expect(JSON.stringify(scheduling?.Resource)).toContain(`:schedule/${scheduleGroupName(template)}/*`);

        const passRole = statements.find((statement) => statement.Action === "iam:PassRole");
        expect(passRole?.Resource).toEqual({ "Fn::GetAtt": [schedulerRole, "Arn"] });
        expect(passRole?.Condition).toEqual({
          StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" },
        });
      },
    );

    it.each(retrySchedulers)("tells %s which group, role, target and DLQ its schedules use", (name) => {
      const [, fn] = lambdaOf(template, name);
      expect(fn.Properties.Environment.Variables).toMatchObject({
        SCHEDULER_GROUP_NAME: scheduleGroupName(template),
        SCHEDULER_ROLE_ARN: {
          "Fn::GetAtt": [logicalIdStartingWith(template, "AWS::IAM::Role", "RetrySchedulerRole"), "Arn"],
        },
        SCHEDULER_TARGET_ARN: { "Fn::GetAtt": [eventsQueue, "Arn"] },
        SCHEDULER_DLQ_ARN: { "Fn::GetAtt": [schedulerDlq, "Arn"] },
        RETRY_SCHEDULE: "0s,20m,1h,2h,6h,14h,38h",
      });
    });
  });

  describe("functions", () => {
    it("creates one Node.js 24 arm64 function per entry of lambdaFunctions, logging JSON to its own log group", () => {
      template.resourceCountIs("AWS::Lambda::Function", functionNames.length);
      for (const name of functionNames) {
        const [, fn] = lambdaOf(template, name);
        expect(fn.Properties).toMatchObject({
          Runtime: "nodejs24.x",
          Architectures: ["arm64"],
          Handler: "index.handler",
          LoggingConfig: { LogFormat: "JSON", LogGroup: { Ref: expect.any(String) } },
        });
        expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe("--enable-source-maps");
      }
    });

    it("bundles each function's own handler into its asset, as index.mjs", () => {
      // Prepare: an app that bundles, unlike the others here
      const outdir = mkdtempSync(join(tmpdir(), "hookline-assets-"));
      const app = new App({ outdir, builtinCloudFormationValidation: false });

      // Act
      const bundled = Template.fromStack(newStack({}, app).stack);

      // Assess
      for (const name of functionNames) {
        const [, fn] = lambdaOf(bundled, name);
        const assetHash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, "");
        const asset = join(outdir, `asset.${assetHash}`);
        const code = readFileSync(join(asset, "index.mjs"), "utf8");
        expect(code).toContain(JSON.stringify(lambdaFunctions[name].entry));
        // The portal function also carries the portal's files, which it reads at run time.
        if (name === "portal") {
          expect(readdirSync(join(asset, "portal")).sort()).toEqual(["app.css", "app.js", "index.html"]);
        } else {
          expect(existsSync(join(asset, "portal"))).toBe(false);
        }
      }
      rmSync(outdir, { recursive: true, force: true });
    });

    it("gives API functions 10 s to stay inside API Gateway's 30 s, and both delivery workers 60 s and 512 MB", () => {
      for (const name of functionNames) {
        const [, fn] = lambdaOf(template, name);
        const expected =
          name === "deliveryWorker" || name === "slowLaneWorker"
            ? { Timeout: 60, MemorySize: 512 }
            : { Timeout: name === "deliveryCommands" ? 29 : 10, MemorySize: 256 };
        expect(fn.Properties).toMatchObject(expected);
      }
    });

    const common = ["NODE_OPTIONS", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_SERVICE_NAME"];
    // What the functions that make delivery attempts read: the table, the event-type catalog, both
    // lanes' queues, retries, endpoint health, the URL policy.
    const attemptMakers = [
      ...common,
      "TABLE_NAME",
      "CATALOG_CACHE_SECONDS",
      "EVENTS_QUEUE_URL",
      "SLOW_LANE_QUEUE_URL",
      "SCHEDULER_GROUP_NAME",
      "SCHEDULER_ROLE_ARN",
      "SCHEDULER_TARGET_ARN",
      "SCHEDULER_DLQ_ARN",
      "SCHEDULER_MIN_LEAD_SECONDS",
      "RETRY_SCHEDULE",
      "DELIVERY_LOG_RETENTION_DAYS",
      "BREAKER_THRESHOLD",
      "DRAIN_RATE_PER_SECOND",
      "MAX_ENDPOINTS_PER_TENANT",
      "ALLOWED_URL_SCHEMES",
      "ALLOW_PRIVATE_ADDRESSES",
      "POWERTOOLS_METRICS_NAMESPACE",
    ];
    const expectedEnvironment: Record<LambdaFunctionName, string[]> = {
      apiAuthorizer: [...common, "TABLE_NAME"],
      webhookQueries: [...common, "TABLE_NAME"],
      webhookCommands: [
        ...common,
        "TABLE_NAME",
        "MAX_ENDPOINTS_PER_TENANT",
        "ALLOWED_URL_SCHEMES",
        "ALLOW_PRIVATE_ADDRESSES",
      ],
      deliveryCommands: attemptMakers,
      // The table for the event-type catalog it checks events against.
      eventsApi: [...common, "TABLE_NAME", "EVENTS_QUEUE_URL", "CATALOG_CACHE_SECONDS"],
      adminApi: [...common, "TABLE_NAME"],
      // Static files and the OpenAPI document: no config section.
      portal: common,
      // The same, and the dead-letter queue they move unreadable messages to.
      deliveryWorker: [...attemptMakers, "EVENTS_DLQ_URL"],
      slowLaneWorker: [...attemptMakers, "EVENTS_DLQ_URL"],
    };
    it.each(functionNames)("passes %s only the environment of its config sections", (name) => {
      const [, fn] = lambdaOf(template, name);
      expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(
        expectedEnvironment[name].sort(),
      );
    });

    it.each(["webhookCommands", "deliveryCommands", "deliveryWorker", "slowLaneWorker"] as const)(
      "gives %s the endpoint policy defaults: 50 endpoints, https only, no private addresses",
      (name) => {
        const [, fn] = lambdaOf(template, name);
        expect(fn.Properties.Environment.Variables).toMatchObject({
          MAX_ENDPOINTS_PER_TENANT: "50",
          ALLOWED_URL_SCHEMES: "https",
          ALLOW_PRIVATE_ADDRESSES: "false",
        });
      },
    );

    it.each(["deliveryWorker", "slowLaneWorker"] as const)(
      "tells %s its DLQ, log retention, schedule lead time and metrics namespace",
      (name) => {
        const [, worker] = lambdaOf(template, name);
        expect(worker.Properties.Environment.Variables).toMatchObject({
          EVENTS_QUEUE_URL: { Ref: eventsQueue },
          EVENTS_DLQ_URL: { Ref: eventsDlq },
          DELIVERY_LOG_RETENTION_DAYS: "30",
          SCHEDULER_MIN_LEAD_SECONDS: "60",
          POWERTOOLS_SERVICE_NAME: "hookline",
          POWERTOOLS_METRICS_NAMESPACE: "Hookline",
        });
      },
    );

    it.each(catalogReaders)("lets %s reuse the event-type catalog it read for 30 s by default", (name) => {
      const [, fn] = lambdaOf(template, name);
      expect(fn.Properties.Environment.Variables.CATALOG_CACHE_SECONDS).toBe("30");
    });

    it.each(["deliveryCommands", "deliveryWorker", "slowLaneWorker"] as const)(
      "tells %s the slow lane's queue and the endpoint health defaults: breaker at 10 failures, drain at 20/s",
      (name) => {
        const [, fn] = lambdaOf(template, name);
        expect(fn.Properties.Environment.Variables).toMatchObject({
          SLOW_LANE_QUEUE_URL: { Ref: slowLaneQueue },
          BREAKER_THRESHOLD: "10",
          DRAIN_RATE_PER_SECOND: "20",
        });
      },
    );
  });

  describe("permissions", () => {
    // Every action a function may take, and on what: "ownLogs" is the function's own log group,
    // "schedulesInGroup" the schedules of the retry schedule group (checked in "retry scheduler"),
    // "table(K, ...)" the table's items whose partition key matches one of K (dynamodb:LeadingKeys).
    const writeLogs = { "logs:CreateLogStream": ["ownLogs"], "logs:PutLogEvents": ["ownLogs"] };
    const onTable = (...actions: string[]) =>
      Object.fromEntries(actions.map((action) => [`dynamodb:${action}`, ["table"]]));
    const onPartitions = (leadingKeys: string[], ...actions: string[]) =>
      Object.fromEntries(
        actions.map((action) => [`dynamodb:${action}`, [`table(${leadingKeys.join(", ")})`]]),
      );
    const expectedGrants: Record<LambdaFunctionName, Record<string, string[]>> = {
      // Looks a key up, and records its last use on the tenant's key list.
      apiAuthorizer: {
        ...writeLogs,
        ...onPartitions(["APIKEY#*"], "GetItem"),
        ...onPartitions(["TENANTKEYS#*"], "UpdateItem"),
      },
      webhookQueries: { ...writeLogs, ...onTable("GetItem", "Query") },
      webhookCommands: {
        ...writeLogs,
        ...onTable("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"),
      },
      deliveryCommands: {
        ...writeLogs,
        ...onTable("GetItem", "Query", "PutItem", "UpdateItem"),
        "scheduler:CreateSchedule": ["schedulesInGroup"],
        "iam:PassRole": ["schedulerRole"],
        // Resends that recover queues, and the notice when an early retry disables the endpoint;
        // the slow lane for the work that waits on a troubled endpoint.
        "sqs:SendMessage": ["eventsQueue", "slowLaneQueue"],
      },
      eventsApi: { ...writeLogs, ...onPartitions(["CATALOG"], "Query"), "sqs:SendMessage": ["eventsQueue"] },
      adminApi: {
        ...writeLogs,
        ...onPartitions(
          ["CATALOG", "APIKEY#*", "TENANTKEYS#*"],
          "GetItem",
          "Query",
          "PutItem",
          "DeleteItem",
          "UpdateItem",
        ),
      },
      // Serves files from its own bundle: its logs and nothing else.
      portal: writeLogs,
      deliveryWorker: {
        ...writeLogs,
        ...onTable("GetItem", "Query", "PutItem", "UpdateItem"),
        "scheduler:CreateSchedule": ["schedulesInGroup"],
        "iam:PassRole": ["schedulerRole"],
        // Consuming the events queue (the event source mapping's grant).
        "sqs:ReceiveMessage": ["eventsQueue"],
        "sqs:ChangeMessageVisibility": ["eventsQueue"],
        "sqs:DeleteMessage": ["eventsQueue"],
        "sqs:GetQueueAttributes": ["eventsQueue"],
        "sqs:GetQueueUrl": ["eventsQueue"],
        // Follow-up events onto the events queue, work for troubled endpoints onto the slow lane;
        // invalid messages straight to the events DLQ.
        "sqs:SendMessage": ["eventsDlq", "eventsQueue", "slowLaneQueue"],
      },
      slowLaneWorker: {
        ...writeLogs,
        ...onTable("GetItem", "Query", "PutItem", "UpdateItem"),
        "scheduler:CreateSchedule": ["schedulesInGroup"],
        "iam:PassRole": ["schedulerRole"],
        // Consuming the slow lane's queue (its event source mapping's grant).
        "sqs:ReceiveMessage": ["slowLaneQueue"],
        "sqs:ChangeMessageVisibility": ["slowLaneQueue"],
        "sqs:DeleteMessage": ["slowLaneQueue"],
        "sqs:GetQueueAttributes": ["slowLaneQueue"],
        "sqs:GetQueueUrl": ["slowLaneQueue"],
        // The worker's follow-ups as on the main lane, and a drain's next part back onto the slow lane.
        "sqs:SendMessage": ["eventsDlq", "eventsQueue", "slowLaneQueue"],
      },
    };

    /** action -> the sorted names of the resources it is allowed on, across the role's statements. */
    function grantsOf(name: LambdaFunctionName): Record<string, string[]> {
      const [, fn] = lambdaOf(template, name);
      const names: Record<string, string> = {
        [fn.Properties.LoggingConfig.LogGroup.Ref]: "ownLogs",
        [table]: "table",
        [eventsQueue]: "eventsQueue",
        [eventsDlq]: "eventsDlq",
        [slowLaneQueue]: "slowLaneQueue",
        [slowLaneDlq]: "slowLaneDlq",
        [schedulerDlq]: "schedulerDlq",
        [logicalIdStartingWith(template, "AWS::IAM::Role", "RetrySchedulerRole")]: "schedulerRole",
      };
      const schedulesInGroup = JSON.stringify({
        "Fn::Join": [
          "",
          [
            "arn:",
            { Ref: "AWS::Partition" },
            ":scheduler:",
            { Ref: "AWS::Region" },
            ":",
            { Ref: "AWS::AccountId" },
            `:schedule/${scheduleGroupName(template)}/*`,
          ],
        ],
      });
      const nameOf = (resource: unknown): string => {
        const getAtt = (resource as { "Fn::GetAtt"?: [string, string] })["Fn::GetAtt"];
        if (getAtt?.[1] === "Arn" && getAtt[0] in names) return names[getAtt[0]] as string;
        if (JSON.stringify(resource) === schedulesInGroup) return "schedulesInGroup";
        return JSON.stringify(resource);
      };
      const grants: Record<string, string[]> = {};
      for (const statement of statementsOf(template, name)) {
        expect(statement).toMatchObject({ Effect: "Allow" });
        const leadingKeys = leadingKeysOf(statement);
        const scoped = (resource: string) =>
          leadingKeys ? `${resource}(${leadingKeys.join(", ")})` : resource;
        for (const action of [statement.Action].flat()) {
          const resources = [statement.Resource].flat().map(nameOf).map(scoped);
          grants[action] = [...new Set([...(grants[action] ?? []), ...resources])].sort();
        }
      }
      return grants;
    }

    it.each(functionNames)(
      "gives %s exactly the IAM actions its job needs, on its resources only",
      (name) => {
        const sorted = (grants: Record<string, string[]>) =>
          Object.fromEntries(
            Object.entries(grants)
              .map(([action, resources]) => [action, [...resources].sort()] as const)
              .sort(([a], [b]) => a.localeCompare(b)),
          );
        expect(sorted(grantsOf(name))).toEqual(sorted(expectedGrants[name]));
      },
    );

    /** The role's statements but the one writing the function's own logs, which every function has. */
    const statementsBesidesLogs = (name: LambdaFunctionName) =>
      statementsOf(template, name).filter(
        (statement) => !actionsOf([statement]).every((action) => action.startsWith("logs:")),
      );
    const onTableItems = (actions: string[], leadingKeys: string[]) => ({
      Effect: "Allow",
      Action: actions.length === 1 ? actions[0] : actions,
      Resource: { "Fn::GetAtt": [table, "Arn"] },
      Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": leadingKeys } },
    });

    it("lets the operators' API touch only the catalog and the API-key partitions, and nothing but the table", () => {
      expect(statementsBesidesLogs("adminApi")).toEqual([
        onTableItems(
          [
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
            "dynamodb:UpdateItem",
          ],
          ["CATALOG", "APIKEY#*", "TENANTKEYS#*"],
        ),
      ]);
    });

    it("lets the authorizer only read API-key lookups and update the tenants' key lists", () => {
      expect(statementsBesidesLogs("apiAuthorizer")).toEqual([
        onTableItems(["dynamodb:GetItem"], ["APIKEY#*"]),
        onTableItems(["dynamodb:UpdateItem"], ["TENANTKEYS#*"]),
      ]);
    });

    it("lets the events API read the event-type catalog and no other part of the table", () => {
      const onTableStatements = statementsBesidesLogs("eventsApi").filter((statement) =>
        actionsOf([statement]).some((action) => action.startsWith("dynamodb:")),
      );
      expect(onTableStatements).toEqual([onTableItems(["dynamodb:Query"], ["CATALOG"])]);
    });

    it("gives the portal function no access to the table, nor to any queue or schedule", () => {
      expect(statementsBesidesLogs("portal")).toEqual([]);
      const [, fn] = lambdaOf(template, "portal");
      expect(fn.Properties.Environment.Variables.TABLE_NAME).toBeUndefined();
    });

    it("limits every partition-scoped statement to the table itself, never its indexes", () => {
      for (const name of functionNames) {
        for (const statement of statementsOf(template, name).filter((s) => leadingKeysOf(s))) {
          expect(statement.Resource).toEqual({ "Fn::GetAtt": [table, "Arn"] });
        }
      }
    });

    it("lets only the delivery workers send to the events DLQ, and no function touch the other DLQs", () => {
      for (const name of functionNames) {
        const grants = grantsOf(name);
        const onDlq = Object.keys(grants).filter((action) => grants[action]?.includes("eventsDlq"));
        const worker = name === "deliveryWorker" || name === "slowLaneWorker";
        expect(onDlq).toEqual(worker ? ["sqs:SendMessage"] : []);
        expect(Object.values(grants).flat()).not.toContain("slowLaneDlq");
        expect(Object.values(grants).flat()).not.toContain("schedulerDlq");
      }
    });

    it("attaches no managed policy to any role", () => {
      for (const role of Object.values(template.findResources("AWS::IAM::Role"))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe("management API", () => {
    it("serves every route of apiRoutes, and no other, from its function", () => {
      const resources = template.toJSON().Resources;
      template.resourceCountIs("AWS::ApiGatewayV2::Route", apiRoutes.length);
      for (const route of apiRoutes) {
        const [, resource] = onlyEntry(
          template.findResources("AWS::ApiGatewayV2::Route", { Properties: { RouteKey: routeKey(route) } }),
        );
        const integration = resource.Properties.Target["Fn::Join"][1][1].Ref;
        const [fn] = lambdaOf(template, route.function);
        expect(resources[integration].Properties).toMatchObject({
          IntegrationType: "AWS_PROXY",
          PayloadFormatVersion: "2.0",
          IntegrationUri: { "Fn::GetAtt": [fn, "Arn"] },
        });
      }
    });

    it("gives each function one integration, shared by its routes", () => {
      const routedFunctions = new Set(apiRoutes.map((route) => route.function));
      template.resourceCountIs("AWS::ApiGatewayV2::Integration", routedFunctions.size);
    });

    const publicRouteKeys = apiRoutes.filter((route) => route.auth === "public").map(routeKey);

    it("authorizes the operators' routes with IAM, and only those", () => {
      const routes = Object.values(template.findResources("AWS::ApiGatewayV2::Route"));
      const admin = routes.filter((route) =>
        route.Properties.RouteKey.split(" ")[1].startsWith(`${ADMIN_BASE_PATH}/`),
      );
      expect(admin.length).toBeGreaterThan(0);
      for (const route of routes) {
        const isAdmin = admin.includes(route);
        const isPublic = publicRouteKeys.includes(route.Properties.RouteKey);
        expect(route.Properties.AuthorizationType, route.Properties.RouteKey).toBe(
          isAdmin ? "AWS_IAM" : isPublic ? "NONE" : "CUSTOM",
        );
        if (isAdmin) expect(route.Properties.AuthorizerId).toBeUndefined();
      }
    });

    it("leaves only the portal's page and assets and the OpenAPI document open, with no authorizer", () => {
      expect(publicRouteKeys.sort()).toEqual(["GET /portal", "GET /portal/{asset}", "GET /v1/openapi.json"]);
      for (const key of publicRouteKeys) {
        const [, route] = onlyEntry(
          template.findResources("AWS::ApiGatewayV2::Route", { Properties: { RouteKey: key } }),
        );
        expect(route.Properties.AuthorizationType, key).toBe("NONE");
        expect(route.Properties.AuthorizerId, key).toBeUndefined();
        const [portal] = lambdaOf(template, "portal");
        const integration = route.Properties.Target["Fn::Join"][1][1].Ref;
        expect(template.toJSON().Resources[integration].Properties.IntegrationUri).toEqual({
          "Fn::GetAtt": [portal, "Arn"],
        });
      }
    });

    it("puts every tenant route behind the API-key Lambda authorizer", () => {
      const [authorizer] = onlyEntry(template.findResources("AWS::ApiGatewayV2::Authorizer"));
      const tenantRoutes = apiRoutes.filter(
        (route) => !route.path.startsWith(`${ADMIN_BASE_PATH}/`) && route.auth !== "public",
      );
      expect(tenantRoutes.length).toBeGreaterThan(0);
      for (const route of tenantRoutes) {
        const [, resource] = onlyEntry(
          template.findResources("AWS::ApiGatewayV2::Route", { Properties: { RouteKey: routeKey(route) } }),
        );
        expect(resource.Properties).toMatchObject({
          AuthorizationType: "CUSTOM",
          AuthorizerId: { Ref: authorizer },
        });
      }
    });

    it("caches the authorizer's simple answers per Authorization header for 1 minute", () => {
      const [authorizer] = lambdaOf(template, "apiAuthorizer");
      template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
        AuthorizerType: "REQUEST",
        EnableSimpleResponses: true,
        AuthorizerPayloadFormatVersion: "2.0",
        IdentitySource: ["$request.header.Authorization"],
        AuthorizerResultTtlInSeconds: 60,
      });
      const [, resource] = onlyEntry(template.findResources("AWS::ApiGatewayV2::Authorizer"));
      expect(JSON.stringify(resource.Properties.AuthorizerUri)).toContain(
        `{"Fn::GetAtt":["${authorizer}","Arn"]}`,
      );
    });

    it("logs every request of the default stage as JSON and throttles the stage", () => {
      const accessLogs = logicalIdStartingWith(template, "AWS::Logs::LogGroup", "ManagementApiAccessLogs");
      const [, stage] = onlyEntry(template.findResources("AWS::ApiGatewayV2::Stage"));
      expect(stage.Properties).toMatchObject({
        StageName: "$default",
        AutoDeploy: true,
        AccessLogSettings: { DestinationArn: { "Fn::GetAtt": [accessLogs, "Arn"] } },
        DefaultRouteSettings: {
          ThrottlingRateLimit: expect.any(Number),
          ThrottlingBurstLimit: expect.any(Number),
        },
      });
      expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toMatchObject({
        requestId: "$context.requestId",
        status: "$context.status",
      });
    });
  });

  describe("dashboard", () => {
    /** The dashboard's body as one text: its JSON with the tokens CloudFormation fills in. */
    const dashboardBody = (): string => {
      const [, dashboard] = onlyEntry(template.findResources("AWS::CloudWatch::Dashboard"));
      return JSON.stringify(dashboard.Properties.DashboardBody);
    };

    it("graphs deliveries by outcome, attempt latency p50/p99, health moves and parked deliveries", () => {
      const body = dashboardBody();
      for (const metric of [
        "DeliveriesSucceeded",
        "DeliveriesRetried",
        "DeliveriesFailed",
        "DeliveriesSkipped",
        "DeliveriesCancelled",
        "DeliveriesParked",
        "EndpointsHealthy",
        "EndpointsSlow",
        "EndpointsOpen",
        "EndpointsDisabled",
      ]) {
        expect(body).toContain(`\\"Hookline\\",\\"${metric}\\",\\"service\\",\\"hookline\\"`);
      }
      expect(body).toContain('\\"AttemptLatency\\"');
      expect(body).toMatch(/\\"stat\\":\\"p50\\"/);
      expect(body).toMatch(/\\"stat\\":\\"p99\\"/);
    });

    it("graphs the depth and the oldest message's age of every queue and dead-letter queue", () => {
      const body = dashboardBody();
      for (const queue of [eventsQueue, eventsDlq, slowLaneQueue, slowLaneDlq, schedulerDlq]) {
        expect(body).toContain(JSON.stringify({ "Fn::GetAtt": [queue, "QueueName"] }));
      }
      expect(body).toContain("ApproximateNumberOfMessagesVisible");
      expect(body).toContain("ApproximateAgeOfOldestMessage");
    });

    it("graphs errors, throttles and duration of every function", () => {
      const body = dashboardBody();
      for (const name of functionNames) {
        const [logicalId] = lambdaOf(template, name);
        expect(body).toContain(JSON.stringify({ Ref: logicalId }));
      }
      for (const metric of ["Errors", "Throttles", "Duration"]) expect(body).toContain(`\\"${metric}\\"`);
    });
  });

  describe("alarms", () => {
    it("alarms as soon as any dead-letter queue holds a message", () => {
      for (const dlq of [eventsDlq, slowLaneDlq, schedulerDlq]) {
        template.hasResourceProperties("AWS::CloudWatch::Alarm", {
          Namespace: "AWS/SQS",
          MetricName: "ApproximateNumberOfMessagesVisible",
          Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [dlq, "QueueName"] } }],
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
          EvaluationPeriods: 1,
        });
      }
    });

    it.each(["deliveryWorker", "slowLaneWorker"] as const)(
      "alarms when %s fails whole invocations",
      (name) => {
        const [worker] = lambdaOf(template, name);
        template.hasResourceProperties("AWS::CloudWatch::Alarm", {
          Namespace: "AWS/Lambda",
          MetricName: "Errors",
          Dimensions: [{ Name: "FunctionName", Value: { Ref: worker } }],
        });
      },
    );

    function failureRateAlarm(from: Template): Resource {
      const [, alarm] = onlyEntry(
        from.findResources("AWS::CloudWatch::Alarm", {
          Properties: { Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.anyValue() })]) },
        }),
      );
      return alarm;
    }
    type MetricDataQuery = {
      Id: string;
      Expression?: string;
      ReturnData: boolean;
      MetricStat?: {
        Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] };
        Period: number;
        Stat: string;
      };
    };
    const attemptMetrics = ["DeliveriesSucceeded", "DeliveriesRetried", "DeliveriesFailed"];

    it("alarms when more than 25% of delivery attempts fail in 2 of 3 periods of 15 minutes", () => {
      const alarm = failureRateAlarm(template);
      expect(alarm.Properties).toMatchObject({
        Threshold: 0.25,
        ComparisonOperator: "GreaterThanThreshold",
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: "notBreaching",
      });
      expect(alarm.Properties.MetricName).toBeUndefined();

      const queries = alarm.Properties.Metrics as MetricDataQuery[];
      const [expression, ...others] = [...queries].sort(
        (a, b) => Number(b.ReturnData) - Number(a.ReturnData),
      );
      expect(expression?.ReturnData).toBe(true);
      const idOf = Object.fromEntries(others.map((query) => [query.MetricStat?.Metric.MetricName, query.Id]));
      const [succeeded, retried, failed] = attemptMetrics.map((metricName) => idOf[metricName]);
      const filled = (id: string | undefined) => `FILL(${id}, 0)`;
      const attempts = `${filled(succeeded)} + ${filled(retried)} + ${filled(failed)}`;
      expect(expression?.Expression).toBe(
        `IF(${attempts} > 0, (${filled(retried)} + ${filled(failed)}) / (${attempts}), 0)`,
      );
      expect(others.map((query) => query.MetricStat?.Metric.MetricName).sort()).toEqual(
        [...attemptMetrics].sort(),
      );
      for (const query of others) {
        expect(query).toMatchObject({
          ReturnData: false,
          MetricStat: {
            Metric: { Namespace: "Hookline", Dimensions: [{ Name: "service", Value: "hookline" }] },
            Period: 900,
            Stat: "Sum",
          },
        });
      }
    });

    // Both workers count their attempts in the same series: one alarm covers both lanes.
    it.each(["deliveryWorker", "slowLaneWorker"] as const)(
      "reads the failure rate from exactly the metrics %s emits",
      async (workerName) => {
        const [, worker] = lambdaOf(template, workerName);
        const env = worker.Properties.Environment.Variables;
        // The worker's own Metrics, configured from the environment the stack gives it.
        vi.stubEnv("POWERTOOLS_METRICS_NAMESPACE", env.POWERTOOLS_METRICS_NAMESPACE);
        vi.stubEnv("POWERTOOLS_SERVICE_NAME", env.POWERTOOLS_SERVICE_NAME);
        vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
        try {
          const { Metrics } = await import("@aws-lambda-powertools/metrics");
          const { PowertoolsDeliveryMetrics } =
            await import("../../lambdas/adapters/powertools-delivery-metrics");
          const emitted = new Set<string>();
          for (const outcome of ["succeeded", "retried", "failed"] as const) {
            const metrics = new Metrics();
            new PowertoolsDeliveryMetrics(metrics).delivery(outcome);
            const emf = metrics.serializeMetrics();
            for (const { Namespace, Dimensions, Metrics: definitions } of emf._aws.CloudWatchMetrics) {
              for (const { Name } of definitions) {
                const dimensions = (Dimensions.flat() as string[]).map((name) => ({
                  Name: name,
                  Value: (emf as unknown as Record<string, string>)[name],
                }));
                emitted.add(JSON.stringify({ Namespace, MetricName: Name, Dimensions: dimensions }));
              }
            }
          }
          const read = (failureRateAlarm(template).Properties.Metrics as MetricDataQuery[])
            .flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric] : []))
            .map(({ Namespace, MetricName, Dimensions }) =>
              JSON.stringify({ Namespace, MetricName, Dimensions }),
            );
          expect(read.sort()).toEqual([...emitted].sort());
        } finally {
          vi.unstubAllEnvs();
        }
      },
    );

    it("notifies no one unless an alarm topic is given", () => {
      for (const alarm of Object.values(template.findResources("AWS::CloudWatch::Alarm"))) {
        expect(alarm.Properties.AlarmActions).toBeUndefined();
      }
    });
  });

  it("outputs the API and admin URLs, the events and slow lane queue URLs and the table name", () => {
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(["ApiUrl", "AdminUrl", "EventsQueueUrl", "SlowLaneQueueUrl", "TableName"]),
    );
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain("execute-api");
    expect(outputs.EventsQueueUrl.Value).toEqual({ Ref: eventsQueue });
    expect(outputs.SlowLaneQueueUrl.Value).toEqual({ Ref: slowLaneQueue });
    expect(outputs.TableName.Value).toEqual({ Ref: table });
  });

  it("outputs the operators' API URL as the stage URL followed by admin/v1", () => {
    const outputs = template.toJSON().Outputs;
    const [, apiUrlParts] = outputs.ApiUrl.Value["Fn::Join"];
    const [, adminUrlParts] = outputs.AdminUrl.Value["Fn::Join"];
    // The $default stage's URL ends with a slash.
    expect(apiUrlParts.at(-1)).toBe("/");
    expect(adminUrlParts).toEqual([...apiUrlParts.slice(0, -1), "/admin/v1"]);
  });
});

describe("WebhookPlatformStack props", () => {
  it("passes the endpoint policy and retry schedule to the functions that enforce them", () => {
    const template = synthesize({
      maxEndpointsPerTenant: 7,
      allowedUrlSchemes: ["https", "http"],
      allowPrivateAddresses: true,
      retrySchedule: "0s,1m",
      deliveryLogRetentionDays: 3,
    });
    expect(lambdaOf(template, "webhookCommands")[1].Properties.Environment.Variables).toMatchObject({
      MAX_ENDPOINTS_PER_TENANT: "7",
      ALLOWED_URL_SCHEMES: "https,http",
      ALLOW_PRIVATE_ADDRESSES: "true",
    });
    expect(lambdaOf(template, "deliveryWorker")[1].Properties.Environment.Variables).toMatchObject({
      RETRY_SCHEDULE: "0s,1m",
      DELIVERY_LOG_RETENTION_DAYS: "3",
    });
  });

  it("refuses at synth a retry schedule the delivery worker could not parse", () => {
    expect(() => newStack({ retrySchedule: "0s,soon" })).toThrow(/retry offset "soon"/);
  });

  it("accepts up to 99 endpoints per tenant, the most one DynamoDB transaction can deliver to", () => {
    const template = synthesize({ maxEndpointsPerTenant: 99 });
    for (const name of ["webhookCommands", "deliveryCommands", "deliveryWorker", "slowLaneWorker"] as const) {
      expect(lambdaOf(template, name)[1].Properties.Environment.Variables.MAX_ENDPOINTS_PER_TENANT).toBe(
        "99",
      );
    }
  });

  it.each([
    [100, "at most 99: one worker invocation sends an event to all its endpoints at once"],
    [0, "Too small: expected number to be >=1"],
    [2.5, "Invalid input: expected int, received number"],
    [Number.NaN, "Invalid input: expected number, received NaN"],
  ])(
    "refuses at synth %s endpoints per tenant, with the Lambdas' own reason",
    (maxEndpointsPerTenant, reason) => {
      expect(() => newStack({ maxEndpointsPerTenant })).toThrow(
        `maxEndpointsPerTenant=${maxEndpointsPerTenant} is invalid: ${reason}`,
      );
    },
  );

  it.each([1, 3651, 7.5])("refuses at synth a delivery log kept %s days", (deliveryLogRetentionDays) => {
    expect(() => newStack({ deliveryLogRetentionDays })).toThrow(
      new RegExp(`^deliveryLogRetentionDays=${deliveryLogRetentionDays} is invalid: `),
    );
  });

  it("refuses at synth any setting the Lambdas' own config parser would refuse at cold start", () => {
    expect(() => newStack({ allowedUrlSchemes: [] })).toThrow(
      'allowedUrlSchemes= is invalid: Invalid option: expected one of "https"|"http"',
    );
  });

  it("passes breakerThreshold to every function that reads endpoint health", () => {
    const template = synthesize({ breakerThreshold: 3 });
    for (const name of ["deliveryCommands", "deliveryWorker", "slowLaneWorker"] as const) {
      expect(lambdaOf(template, name)[1].Properties.Environment.Variables.BREAKER_THRESHOLD).toBe("3");
    }
  });

  it("refuses at synth a breaker that opens before any failure", () => {
    expect(() => newStack({ breakerThreshold: 0 })).toThrow(
      "breakerThreshold=0 is invalid: Too small: expected number to be >=1",
    );
  });

  it("refuses at synth a drain faster than 1000 deliveries a second", () => {
    expect(() => newStack({ drainRatePerSecond: 5000 })).toThrow(
      "drainRatePerSecond=5000 is invalid: Too big: expected number to be <=100",
    );
  });

  it("sets the failure-rate alarm's threshold from deliveryFailureRateThreshold, from 0 to 1", () => {
    for (const threshold of [0, 0.1, 1]) {
      const template = synthesize({ deliveryFailureRateThreshold: threshold });
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Threshold: threshold,
        Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp("^IF\\(") })]),
      });
    }
    for (const threshold of [-0.01, 1.5, 25, Number.NaN]) {
      expect(() => newStack({ deliveryFailureRateThreshold: threshold })).toThrow(
        `deliveryFailureRateThreshold must be a number from 0 to 1 (a share of delivery attempts), got ${threshold}`,
      );
    }
  });

  it("deletes the table and every log group with the stack when removalPolicy is destroy", () => {
    const template = synthesize({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Delete" });
    const logGroups = Object.values(template.findResources("AWS::Logs::LogGroup"));
    expect(logGroups).toHaveLength(functionNames.length + 1);
    for (const logGroup of logGroups) expect(logGroup.DeletionPolicy).toBe("Delete");
  });

  it("passes catalogCacheTtl to every function that reads the catalog, from 0 to 300 s", () => {
    for (const seconds of [0, 300]) {
      const template = synthesize({ catalogCacheTtl: Duration.seconds(seconds) });
      for (const name of catalogReaders) {
        expect(lambdaOf(template, name)[1].Properties.Environment.Variables.CATALOG_CACHE_SECONDS).toBe(
          String(seconds),
        );
      }
    }
  });

  it.each([Duration.seconds(301), Duration.hours(1), Duration.millis(1500)])(
    "refuses at synth a catalog cache TTL of %s, naming the prop",
    (catalogCacheTtl) => {
      expect(() => newStack({ catalogCacheTtl })).toThrow(
        `catalogCacheTtl (in seconds)=${catalogCacheTtl.toSeconds({ integral: false })} is invalid: `,
      );
    },
  );

  it("tunes the authorizer cache and both lanes' delivery batches", () => {
    const template = synthesize({
      authorizerCacheTtl: Duration.seconds(30),
      // SQS hands over more than 10 messages at once only with a batching window.
      deliveryBatchSize: 25,
      deliveryBatchingWindow: Duration.seconds(1),
      deliveryMaxConcurrency: 5,
      slowLaneMaxConcurrency: 8,
    });
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", { AuthorizerResultTtlInSeconds: 30 });
    const queue = (prefix: string) => logicalIdStartingWith(template, "AWS::SQS::Queue", prefix);
    expect(mappingOf(template, queue("EventIngestQueue")).Properties).toMatchObject({
      BatchSize: 25,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    expect(mappingOf(template, queue("EventIngestSlowLaneQueue")).Properties).toMatchObject({
      BatchSize: 25,
      ScalingConfig: { MaximumConcurrency: 8 },
    });
  });

  it("gathers the delivery worker's batches for deliveryBatchingWindow when one is given", () => {
    const template = synthesize({ deliveryBatchingWindow: Duration.seconds(2) });
    const eventsQueue = logicalIdStartingWith(template, "AWS::SQS::Queue", "EventIngestQueue");
    expect(mappingOf(template, eventsQueue).Properties.MaximumBatchingWindowInSeconds).toBe(2);
  });

  it("refuses at synth batches of more than 10 events without a batching window, naming the props", () => {
    expect(() => newStack({ deliveryBatchSize: 25 })).toThrow(
      /deliveryBatchSize 25 needs a deliveryBatchingWindow/,
    );
  });

  it("notifies the alarm topic from every alarm", () => {
    const app = newApp();
    const topicArn = "arn:aws:sns:eu-west-1:123456789012:hookline-alarms";
    const alarmTopic = Topic.fromTopicArn(new Stack(app, "Shared"), "AlarmTopic", topicArn);
    const { stack } = newStack({ alarmTopic }, app);
    const alarms = Object.values(Template.fromStack(stack).findResources("AWS::CloudWatch::Alarm"));
    expect(alarms).toHaveLength(6);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
  });
});

describe("the Hookline construct", () => {
  const resourceTypes = [
    "AWS::Lambda::Function",
    "AWS::SQS::Queue",
    "AWS::DynamoDB::Table",
    "AWS::ApiGatewayV2::Route",
    "AWS::Scheduler::ScheduleGroup",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::IAM::Role",
  ];

  it("adds the whole platform to another app's stack", () => {
    // Prepare
    const app = newApp();
    const theirs = new Stack(app, "TheirApp");

    // Act
    new Hookline(theirs, "Webhooks", { projectRoot, maxEndpointsPerTenant: 20 });

    // Assess: what the platform's own stack has
    const template = Template.fromStack(theirs);
    const ours = synthesize();
    for (const type of resourceTypes) {
      expect(Object.keys(template.findResources(type)).length, type).toBe(
        Object.keys(ours.findResources(type)).length,
      );
    }
    expect(
      lambdaOf(template, "webhookCommands")[1].Properties.Environment.Variables.MAX_ENDPOINTS_PER_TENANT,
    ).toBe("20");
  });

  it("leaves the stack's logical ids as they were when the stack held the resources itself", () => {
    // The construct's id in WebhookPlatformStack is "Default", which CDK leaves out of logical ids;
    // a changed id would make an update replace the table and the queues. These are the ids the
    // stack had before the construct existed (commit 3ffe4f8).
    const ids = Object.keys(synthesize().toJSON().Resources as Record<string, unknown>);
    expect(ids).toEqual(
      expect.arrayContaining([
        "DataStoreTable1E9F5574",
        "EventIngestQueueA4AC0662",
        "EventIngestDeadLetterQueue719B9E8B",
        "EventIngestSlowLaneQueueCC13B9E5",
        "EventIngestSlowLaneDeadLetterQueue44DB4B64",
        "RetrySchedulerDeadLetterQueueCFC0671F",
        "RetrySchedulerGroup1DCAA150",
      ]),
    );
  });

  it("notifies the SNS topic named by alarmTopicArn", () => {
    const arn = "arn:aws:sns:us-east-1:123456789012:hookline-alarms";
    const template = synthesize({ alarmTopicArn: arn });

    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm"));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([arn]);
  });
});

describe("cdk-nag AwsSolutions", () => {
  it("finds no unacknowledged error or warning", () => {
    const { app } = newStack();
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([]);
  });

  it("lets an app with the checks registered synthesize", () => {
    const { app } = newStack();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it("acknowledges only the findings the stack explains, each with a reason", () => {
    const { app, stack } = newStack();
    const group = scheduleGroupName(Template.fromStack(stack));
    const acknowledged = app.node
      .findAll()
      .flatMap((construct: IConstruct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    const scheduleWildcard = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${group}/*]`;
    // The wildcard once for each role that schedules retries: both delivery workers' and delivery
    // commands'; a route without authorization once for each public route.
    expect(acknowledged.map(([id]) => id.replace(/^annotation::/i, "")).sort()).toEqual([
      "AwsSolutions-APIG4",
      "AwsSolutions-APIG4",
      "AwsSolutions-APIG4",
      scheduleWildcard,
      scheduleWildcard,
      scheduleWildcard,
      "AwsSolutions-SQS3",
    ]);
    for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });
});
