import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface PlatformAlarmsProps {
  /** Dead-letter queues by construct id: any message in one is an event or retry that was lost. */
  readonly deadLetterQueues: Record<string, IQueue>;
  readonly deliveryFunction: IFunction;
  /** Notified when an alarm fires. */
  readonly alarmTopic?: ITopic;
}

const FIVE_MINUTES = Duration.minutes(5);

/** The alarms that mean a webhook may not be delivered unless someone looks. */
export class PlatformAlarms extends Construct {
  constructor(scope: Construct, id: string, props: PlatformAlarmsProps) {
    super(scope, id);

    const addAlarm = (alarmId: string, description: string, metric: IMetric): void => {
      const alarm = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // No data means an idle queue or function, not a failure.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic) alarm.addAlarmAction(new SnsAction(props.alarmTopic));
    };

    for (const [queueId, queue] of Object.entries(props.deadLetterQueues)) {
      addAlarm(
        `${queueId}NotEmpty`,
        `${queueId} holds events or retries that could not be processed: inspect them and redrive`,
        queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: "Maximum" }),
      );
    }
    // A failed delivery is reported as a batch item failure, not an error: errors are bugs or outages.
    addAlarm(
      "DeliveryWorkerErrors",
      "The delivery worker failed whole invocations",
      props.deliveryFunction.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" }),
    );
  }
}
