import { Aws, Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { ScheduleGroup } from "aws-cdk-lib/aws-scheduler";
import { type IQueue, Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface RetrySchedulerProps {
  /** Where a due retry is sent: the events queue. */
  readonly targetQueue: IQueue;
}

/**
 * What EventBridge Scheduler needs to fire delivery retries: the group the
 * one-time schedules live in, the role Scheduler assumes to send a due retry to
 * the events queue, and the dead-letter queue for retries it could not send.
 * The schedules themselves are created at run time by the delivery worker.
 */
export class RetryScheduler extends Construct {
  readonly group: ScheduleGroup;
  readonly role: Role;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: RetrySchedulerProps) {
    super(scope, id);

    // Pending retries are worthless once the queue they target is gone with the stack.
    this.group = new ScheduleGroup(this, "Group", { removalPolicy: RemovalPolicy.DESTROY });

    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself a dead-letter queue: the delivery worker sets it as Target.DeadLetterConfig " +
        "of every retry schedule it creates at run time, which cdk-nag cannot see in the template.",
    });

    this.role = new Role(this, "Role", {
      description: "Assumed by EventBridge Scheduler to send due delivery retries to the events queue",
      // Confused-deputy guard: only Scheduler acting for a schedule of this account's group.
      assumedBy: new ServicePrincipal("scheduler.amazonaws.com", {
        conditions: {
          StringEquals: {
            "aws:SourceAccount": Aws.ACCOUNT_ID,
            "aws:SourceArn": this.group.scheduleGroupArn,
          },
        },
      }),
    });
    props.targetQueue.grant(this.role, "sqs:SendMessage");
    // Scheduler writes dead-letter events with the schedule's own execution role.
    this.deadLetterQueue.grant(this.role, "sqs:SendMessage");
  }

  /**
   * Lets `role` create schedules in the group (the platform only creates them: each one
   * deletes itself once it has fired), and hand Scheduler the execution role (and no other)
   * when it creates one.
   */
  grantScheduling(role: Role): void {
    // Schedule names are chosen at run time (one per pending retry), hence the wildcard, kept inside the group.
    const schedulesInGroup = `arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${this.group.scheduleGroupName}/*`;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["scheduler:CreateSchedule"],
        resources: [schedulesInGroup],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["iam:PassRole"],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
      }),
    );

    // The finding id repeats the resource as cdk-nag flattens it: pseudo parameters become <AWS::Name>;
    // the group name is a plain string here (CDK derives it from the construct path at construction).
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.group.scheduleGroupName}/*]`,
      reason:
        "Each pending retry is a one-time schedule whose name is only known at run time; " +
        "the wildcard is confined to the schedules of this platform's own schedule group.",
    });
  }
}
