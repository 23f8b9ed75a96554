/**
 * @module The platform's CloudWatch dashboard: what an operator looks at first when deliveries
 * slow down or fail. The delivery metrics are the workers' Powertools metrics (EMF); the rest
 * are the metrics SQS and Lambda publish themselves.
 */
import { Duration } from "aws-cdk-lib";
import { Dashboard, GraphWidget, type IMetric, Metric, Stats, TextWidget } from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { DeliveryOutcome } from "../lambdas/core/delivery/ports";
import type { HealthState } from "../lambdas/core/webhook-endpoint";
import type { DeliveryMetricsSource } from "./alarms";

export interface PlatformDashboardProps {
  readonly deliveryMetrics: DeliveryMetricsSource;
  /** Every queue, its dead-letter queues included, by the name the dashboard shows. */
  readonly queues: Record<string, IQueue>;
  /** Every function, by the name the dashboard shows. */
  readonly functions: Record<string, IFunction>;
}

/** Each outcome the workers count (lambdas/adapters/powertools-delivery-metrics.ts names them). */
const OUTCOMES: readonly DeliveryOutcome[] = [
  "succeeded",
  "retried",
  "failed",
  "skipped",
  "cancelled",
  "parked",
];
const HEALTH_STATES: readonly HealthState[] = ["healthy", "slow", "open"];
const PERIOD = Duration.minutes(5);
const WIDTH = 12;
const capitalised = (word: string) => `${word[0]?.toUpperCase() ?? ""}${word.slice(1)}`;

export class PlatformDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PlatformDashboardProps) {
    super(scope, id);
    const { namespace, serviceName } = props.deliveryMetrics;
    const delivery = (metricName: string, statistic: string = Stats.SUM, label = metricName): IMetric =>
      new Metric({
        namespace,
        metricName,
        dimensionsMap: { service: serviceName },
        statistic,
        period: PERIOD,
        label,
      });
    const graph = (title: string, left: IMetric[]) => new GraphWidget({ title, left, width: WIDTH });
    // One line per queue (its maximum) or per function, labelled with the dashboard's name for it.
    const queueGraph = (title: string, metricName: string) =>
      graph(
        title,
        Object.entries(props.queues).map(([label, queue]) =>
          queue.metric(metricName, { statistic: Stats.MAXIMUM, label, period: PERIOD }),
        ),
      );
    const functionGraph = (title: string, metricName: string, statistic: string) =>
      graph(
        title,
        Object.entries(props.functions).map(([label, fn]) =>
          fn.metric(metricName, { statistic, label, period: PERIOD }),
        ),
      );

    this.dashboard = new Dashboard(this, "Dashboard", {
      widgets: [
        [
          new TextWidget({
            markdown:
              "## Hookline\nDeliveries and endpoint health from the delivery workers; queues and functions " +
              "from SQS and Lambda. A dead-letter queue that is not empty is an event or retry that needs a look.",
            width: 24,
            height: 2,
          }),
        ],
        [
          graph(
            "Deliveries by outcome",
            OUTCOMES.map((outcome) => delivery(`Deliveries${capitalised(outcome)}`, Stats.SUM, outcome)),
          ),
          graph("Attempt latency (ms)", [
            delivery("AttemptLatency", Stats.p(50), "p50"),
            delivery("AttemptLatency", Stats.p(99), "p99"),
          ]),
        ],
        [
          graph("Endpoints moving into each health state, and disabled", [
            ...HEALTH_STATES.map((state) => delivery(`Endpoints${capitalised(state)}`, Stats.SUM, state)),
            delivery("EndpointsDisabled", Stats.SUM, "disabled"),
          ]),
          graph("Parked deliveries (breaker open)", [delivery("DeliveriesParked", Stats.SUM, "parked")]),
        ],
        [
          queueGraph("Messages waiting, per queue", "ApproximateNumberOfMessagesVisible"),
          queueGraph("Age of the oldest message (s), per queue", "ApproximateAgeOfOldestMessage"),
        ],
        [
          functionGraph("Lambda errors", "Errors", Stats.SUM),
          functionGraph("Lambda throttles", "Throttles", Stats.SUM),
        ],
        [functionGraph("Lambda duration p99 (ms)", "Duration", Stats.p(99))],
      ],
    });
  }
}
