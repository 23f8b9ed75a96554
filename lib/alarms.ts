import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  type AlarmProps,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** Where the delivery worker's Powertools Metrics (EMF) land. */
export interface DeliveryMetricsSource {
  /** POWERTOOLS_METRICS_NAMESPACE of the delivery worker. */
  readonly namespace: string;
  /** POWERTOOLS_SERVICE_NAME: Powertools adds it to every metric as the dimension `service`. */
  readonly serviceName: string;
}

export interface PlatformAlarmsProps {
  /** Dead-letter queues by construct id: any message in one is an event or retry that was lost. */
  readonly deadLetterQueues: Record<string, IQueue>;
  /** The delivery workers by alarm id prefix (the main lane's and the slow lane's). */
  readonly deliveryFunctions: Record<string, IFunction>;
  readonly deliveryMetrics: DeliveryMetricsSource;
  /** Share of failed delivery attempts (0..1) above which the failure-rate alarm fires. */
  readonly deliveryFailureRateThreshold: number;
  /** Notified when an alarm fires. */
  readonly alarmTopic?: ITopic;
}

const FIVE_MINUTES = Duration.minutes(5);
const FAILURE_RATE_PERIOD = Duration.minutes(15);

/** The alarms that mean a webhook may not be delivered unless someone looks. */
export class PlatformAlarms extends Construct {
  readonly deliveryFailureRate: Alarm;

  constructor(scope: Construct, id: string, props: PlatformAlarmsProps) {
    super(scope, id);

    const addAlarm = (
      alarmId: string,
      description: string,
      metric: IMetric,
      when: Pick<
        AlarmProps,
        "threshold" | "comparisonOperator" | "evaluationPeriods" | "datapointsToAlarm"
      > = {
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      },
    ): Alarm => {
      const alarm = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        ...when,
        // No data means an idle queue or function, not a failure.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic) alarm.addAlarmAction(new SnsAction(props.alarmTopic));
      return alarm;
    };

    for (const [queueId, queue] of Object.entries(props.deadLetterQueues)) {
      addAlarm(
        `${queueId}NotEmpty`,
        `${queueId} holds messages that could not be processed. Invalid events carry a failure_reason attribute: fix the producer, do not redrive them; redrive the rest once the fault is fixed`,
        queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: "Maximum" }),
      );
    }
    // A failed delivery is reported as a batch item failure, not an error: errors are bugs or outages.
    for (const [functionId, fn] of Object.entries(props.deliveryFunctions)) {
      addAlarm(
        `${functionId}Errors`,
        `The ${functionId} function failed whole invocations`,
        fn.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" }),
      );
    }

    // Every delivery attempt counts exactly one of these three outcomes; skipped and cancelled
    // deliveries never reach a receiver and stay out of the rate.
    const attempts = (metricName: string): Metric =>
      new Metric({
        namespace: props.deliveryMetrics.namespace,
        metricName,
        dimensionsMap: { service: props.deliveryMetrics.serviceName },
        statistic: "Sum",
        period: FAILURE_RATE_PERIOD,
      });
    const failureRate = new MathExpression({
      // A period without attempts has no data points: FILL makes each series 0 there, and the IF
      // keeps the division from running on 0 attempts (the rate is then 0, not an error).
      expression:
        "IF(FILL(succeeded, 0) + FILL(retried, 0) + FILL(failed, 0) > 0, " +
        "(FILL(retried, 0) + FILL(failed, 0)) / (FILL(succeeded, 0) + FILL(retried, 0) + FILL(failed, 0)), 0)",
      usingMetrics: {
        succeeded: attempts("DeliveriesSucceeded"),
        retried: attempts("DeliveriesRetried"),
        failed: attempts("DeliveriesFailed"),
      },
      label: "Failed delivery attempts (share)",
      period: FAILURE_RATE_PERIOD,
    });
    const threshold = props.deliveryFailureRateThreshold;
    this.deliveryFailureRate = addAlarm(
      "DeliveryFailureRate",
      `More than ${Number((threshold * 100).toFixed(2))}% of delivery attempts failed (retried or given up) ` +
        "in 2 of the last 3 15-minute periods: check the receivers' replies in the delivery log and the worker's logs",
      failureRate,
      {
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      },
    );
  }
}
