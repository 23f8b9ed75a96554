import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { App, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { Topic } from "aws-cdk-lib/aws-sns";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes, type LambdaFunctionName, lambdaFunctions, routeKey } from "../../lambdas/functions";
import { WebhookPlatformStack, type WebhookPlatformStackProps } from "../../lib/webhook-platform-stack";

type Resources = ReturnType<Template["findResources"]>;
type Resource = Resources[string];
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

const functionNames = Object.keys(lambdaFunctions) as LambdaFunctionName[];

// Bundling is skipped, yet NodejsFunction still requires every entry file and the lock file to
// exist: the stack is built against a scratch project of empty handlers, so these tests do not
// depend on the real handlers.
let projectRoot: string;
beforeAll(() => {
  projectRoot = mkdtempSync(join(tmpdir(), "hookline-stack-"));
  writeFileSync(join(projectRoot, "package-lock.json"), "{}");
  for (const { entry } of Object.values(lambdaFunctions)) {
    mkdirSync(dirname(join(projectRoot, entry)), { recursive: true });
    writeFileSync(join(projectRoot, entry), "export const handler = async () => {};\n");
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

describe("WebhookPlatformStack", () => {
  let template: Template;
  let eventsQueue: string;
  let eventsDlq: string;
  let schedulerDlq: string;
  let table: string;
  beforeAll(() => {
    template = synthesize();
    eventsQueue = logicalIdStartingWith(template, "AWS::SQS::Queue", "EventIngestQueue");
    eventsDlq = logicalIdStartingWith(template, "AWS::SQS::Queue", "EventIngestDeadLetterQueue");
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
    it("sends an event to the dead-letter queue after five failed receives and keeps it there 14 days", () => {
      template.hasResourceProperties("AWS::SQS::Queue", {
        RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [eventsDlq, "Arn"] }, maxReceiveCount: 5 },
      });
      for (const dlq of [eventsDlq, schedulerDlq]) {
        expect(template.toJSON().Resources[dlq].Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      }
    });

    it("hides a received batch for six delivery timeouts", () => {
      const [, worker] = lambdaOf(template, "deliveryWorker");
      const queue = template.toJSON().Resources[eventsQueue];
      expect(queue.Properties.VisibilityTimeout).toBe(6 * worker.Properties.Timeout);
    });

    it("refuses unencrypted transport on every queue and encrypts them at rest", () => {
      template.resourceCountIs("AWS::SQS::Queue", 3);
      for (const queue of [eventsQueue, eventsDlq, schedulerDlq]) {
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

    it("feeds the delivery worker in batches and lets it report failed records one by one", () => {
      const [worker] = lambdaOf(template, "deliveryWorker");
      template.resourceCountIs("AWS::Lambda::EventSourceMapping", 1);
      template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        EventSourceArn: { "Fn::GetAtt": [eventsQueue, "Arn"] },
        FunctionName: { Ref: worker },
        FunctionResponseTypes: ["ReportBatchItemFailures"],
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        ScalingConfig: { MaximumConcurrency: 20 },
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

    it("lets the delivery worker manage schedules only inside its group and pass only the scheduler role", () => {
      const schedulerRole = logicalIdStartingWith(template, "AWS::IAM::Role", "RetrySchedulerRole");
      const statements = statementsOf(template, "deliveryWorker");

      const scheduling = statements.find((statement) =>
        [statement.Action].flat().includes("scheduler:CreateSchedule"),
      );
      expect(scheduling?.Action).toEqual([
        "scheduler:CreateSchedule",
        "scheduler:GetSchedule",
        "scheduler:DeleteSchedule",
      ]);
      expect(JSON.stringify(scheduling?.Resource)).toContain(`:schedule/${scheduleGroupName(template)}/*`);

      const passRole = statements.find((statement) => statement.Action === "iam:PassRole");
      expect(passRole?.Resource).toEqual({ "Fn::GetAtt": [schedulerRole, "Arn"] });
      expect(passRole?.Condition).toEqual({
        StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" },
      });
    });

    it("tells the delivery worker which group, role, target and DLQ its schedules use", () => {
      const [, worker] = lambdaOf(template, "deliveryWorker");
      expect(worker.Properties.Environment.Variables).toMatchObject({
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

    it("gives API functions 10 s to stay inside API Gateway's 30 s, and the delivery worker 60 s and 512 MB", () => {
      for (const name of functionNames) {
        const [, fn] = lambdaOf(template, name);
        const expected =
          name === "deliveryWorker" ? { Timeout: 60, MemorySize: 512 } : { Timeout: 10, MemorySize: 256 };
        expect(fn.Properties).toMatchObject(expected);
      }
    });

    const common = ["NODE_OPTIONS", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_SERVICE_NAME"];
    const expectedEnvironment: Record<LambdaFunctionName, string[]> = {
      apiAuthorizer: [...common, "TABLE_NAME"],
      webhookQueries: [...common, "TABLE_NAME", "DELIVERY_LOG_RETENTION_DAYS"],
      webhookCommands: [
        ...common,
        "TABLE_NAME",
        "MAX_ENDPOINTS_PER_TENANT",
        "ALLOWED_URL_SCHEMES",
        "ALLOW_PRIVATE_ADDRESSES",
      ],
      eventsApi: [...common, "EVENTS_QUEUE_URL"],
      deliveryWorker: [
        ...common,
        "TABLE_NAME",
        "EVENTS_QUEUE_URL",
        "SCHEDULER_GROUP_NAME",
        "SCHEDULER_ROLE_ARN",
        "SCHEDULER_TARGET_ARN",
        "SCHEDULER_DLQ_ARN",
        "RETRY_SCHEDULE",
        "POWERTOOLS_METRICS_NAMESPACE",
        "DELIVERY_LOG_RETENTION_DAYS",
      ],
    };
    it.each(functionNames)("passes %s only the environment of its config sections", (name) => {
      const [, fn] = lambdaOf(template, name);
      expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(
        expectedEnvironment[name].sort(),
      );
    });

    it("applies the endpoint policy defaults: 50 endpoints, https only, no private addresses", () => {
      const [, fn] = lambdaOf(template, "webhookCommands");
      expect(fn.Properties.Environment.Variables).toMatchObject({
        MAX_ENDPOINTS_PER_TENANT: "50",
        ALLOWED_URL_SCHEMES: "https",
        ALLOW_PRIVATE_ADDRESSES: "false",
      });
    });
  });

  describe("permissions", () => {
    const writeLogs = ["logs:CreateLogStream", "logs:PutLogEvents"];
    const expectedActions: Record<LambdaFunctionName, string[]> = {
      apiAuthorizer: [...writeLogs, "dynamodb:GetItem"],
      webhookQueries: [...writeLogs, "dynamodb:GetItem", "dynamodb:Query"],
      webhookCommands: [
        ...writeLogs,
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ],
      eventsApi: [...writeLogs, "sqs:SendMessage"],
      deliveryWorker: [
        ...writeLogs,
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "iam:PassRole",
        "scheduler:CreateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
        // Consuming the events queue (the event source mapping's grant).
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
        // Follow-up events onto the same queue.
        "sqs:SendMessage",
      ],
    };
    it.each(functionNames)("gives %s exactly the IAM actions its job needs", (name) => {
      expect(actionsOf(statementsOf(template, name))).toEqual(expectedActions[name].sort());
    });

    it("gives the authorizer read access to API keys only", () => {
      const actions = actionsOf(statementsOf(template, "apiAuthorizer"));
      expect(actions.filter((action) => action.startsWith("dynamodb:"))).toEqual(["dynamodb:GetItem"]);
      expect(actions).not.toContain("dynamodb:PutItem");
    });

    it("keeps the events API away from DynamoDB", () => {
      expect(
        actionsOf(statementsOf(template, "eventsApi")).some((action) => action.startsWith("dynamodb:")),
      ).toBe(false);
    });

    it("scopes table access to the table and queue access to the events queue", () => {
      for (const name of functionNames) {
        for (const statement of statementsOf(template, name)) {
          const actions = [statement.Action].flat();
          if (actions.some((action) => action.startsWith("dynamodb:"))) {
            expect([statement.Resource].flat()).toEqual([{ "Fn::GetAtt": [table, "Arn"] }]);
          }
          if (actions.some((action) => action.startsWith("sqs:"))) {
            expect([statement.Resource].flat()).toEqual([{ "Fn::GetAtt": [eventsQueue, "Arn"] }]);
          }
        }
      }
    });

    it("attaches no managed policy to any role", () => {
      for (const role of Object.values(template.findResources("AWS::IAM::Role"))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe("management API", () => {
    it("serves every route of apiRoutes, and no other, from its function behind the Lambda authorizer", () => {
      const [authorizer] = onlyEntry(template.findResources("AWS::ApiGatewayV2::Authorizer"));
      const resources = template.toJSON().Resources;
      template.resourceCountIs("AWS::ApiGatewayV2::Route", apiRoutes.length);
      for (const route of apiRoutes) {
        const [, resource] = onlyEntry(
          template.findResources("AWS::ApiGatewayV2::Route", { Properties: { RouteKey: routeKey(route) } }),
        );
        expect(resource.Properties).toMatchObject({
          AuthorizationType: "CUSTOM",
          AuthorizerId: { Ref: authorizer },
        });
        const integration = resource.Properties.Target["Fn::Join"][1][1].Ref;
        const [fn] = lambdaOf(template, route.function);
        expect(resources[integration].Properties).toMatchObject({
          IntegrationType: "AWS_PROXY",
          PayloadFormatVersion: "2.0",
          IntegrationUri: { "Fn::GetAtt": [fn, "Arn"] },
        });
      }
    });

    it("caches the authorizer's simple answers per Authorization header for 5 minutes", () => {
      const [authorizer] = lambdaOf(template, "apiAuthorizer");
      template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
        AuthorizerType: "REQUEST",
        EnableSimpleResponses: true,
        AuthorizerPayloadFormatVersion: "2.0",
        IdentitySource: ["$request.header.Authorization"],
        AuthorizerResultTtlInSeconds: 300,
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

  describe("alarms", () => {
    it("alarms as soon as either dead-letter queue holds a message", () => {
      for (const dlq of [eventsDlq, schedulerDlq]) {
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

    it("alarms when the delivery worker fails whole invocations", () => {
      const [worker] = lambdaOf(template, "deliveryWorker");
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: worker } }],
      });
    });

    it("notifies no one unless an alarm topic is given", () => {
      for (const alarm of Object.values(template.findResources("AWS::CloudWatch::Alarm"))) {
        expect(alarm.Properties.AlarmActions).toBeUndefined();
      }
    });
  });

  it("outputs the API URL, the events queue URL and the table name", () => {
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(["ApiUrl", "EventsQueueUrl", "TableName"]));
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain("execute-api");
    expect(outputs.EventsQueueUrl.Value).toEqual({ Ref: eventsQueue });
    expect(outputs.TableName.Value).toEqual({ Ref: table });
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

  it("deletes the table and every log group with the stack when removalPolicy is destroy", () => {
    const template = synthesize({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Delete" });
    const logGroups = Object.values(template.findResources("AWS::Logs::LogGroup"));
    expect(logGroups).toHaveLength(functionNames.length + 1);
    for (const logGroup of logGroups) expect(logGroup.DeletionPolicy).toBe("Delete");
  });

  it("tunes the authorizer cache and the delivery batches", () => {
    const template = synthesize({
      authorizerCacheTtl: Duration.seconds(30),
      deliveryBatchSize: 25,
      deliveryMaxConcurrency: 5,
    });
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", { AuthorizerResultTtlInSeconds: 30 });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 25,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it("notifies the alarm topic from every alarm", () => {
    const app = newApp();
    const topicArn = "arn:aws:sns:eu-west-1:123456789012:hookline-alarms";
    const alarmTopic = Topic.fromTopicArn(new Stack(app, "Shared"), "AlarmTopic", topicArn);
    const { stack } = newStack({ alarmTopic }, app);
    const alarms = Object.values(Template.fromStack(stack).findResources("AWS::CloudWatch::Alarm"));
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
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
    expect(acknowledged.map(([id]) => id.replace(/^annotation::/i, "")).sort()).toEqual([
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${group}/*]`,
      "AwsSolutions-SQS3",
    ]);
    for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });
});
