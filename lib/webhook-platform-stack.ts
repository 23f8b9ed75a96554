/**
 * @module The stack `cdk deploy` deploys: one Hookline construct (lib/hookline.ts) and the
 * outputs an operator and the producers need.
 */
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { ADMIN_BASE_PATH } from "../lambdas/functions";
import { Hookline, type HooklineProps } from "./hookline";

export interface WebhookPlatformStackProps extends StackProps, HooklineProps {}

export class WebhookPlatformStack extends Stack {
  readonly hookline: Hookline;

  constructor(scope: Construct, id: string, props: WebhookPlatformStackProps = {}) {
    super(scope, id, props);
    // "Default" is left out of the resources' logical ids, so they stay those of the stack that
    // held the resources itself: an update replaces no table or queue.
    const hookline = new Hookline(this, "Default", props);
    this.hookline = hookline;
    const { api, ingest, dataStore, retries } = hookline;

    new CfnOutput(this, "ApiUrl", { value: api.stage.url });
    // The $default stage's URL ends with "/".
    new CfnOutput(this, "AdminUrl", { value: `${api.stage.url}${ADMIN_BASE_PATH.replace(/^\//, "")}` });
    new CfnOutput(this, "EventsQueueUrl", { value: ingest.queue.queueUrl });
    new CfnOutput(this, "EventsQueueArn", { value: ingest.queue.queueArn });
    new CfnOutput(this, "EventsDlqUrl", { value: ingest.deadLetterQueue.queueUrl });
    new CfnOutput(this, "SlowLaneQueueUrl", { value: ingest.slowLaneQueue.queueUrl });
    new CfnOutput(this, "TableName", { value: dataStore.table.tableName });
    new CfnOutput(this, "SchedulerGroupName", { value: retries.group.scheduleGroupName });
  }
}
