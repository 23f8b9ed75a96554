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
    const perQueue = (metric: (queue: IQueue) => Metric) =>
      Object.entries(props.queues).map(([name, queue]) =>
        metric(queue).with({ label: name, period: PERIOD }),
      );
    const perFunction = (metric: (fn: IFunction) => Metric) =>
      Object.entries(props.functions).map(([name, fn]) => metric(fn).with({ label: name, period: PERIOD }));

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
          graph(
            "Messages waiting, per queue",
            perQueue((queue) => queue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM })),
          ),
          graph(
            "Age of the oldest message (s), per queue",
            perQueue((queue) => queue.metricApproximateAgeOfOldestMessage({ statistic: Stats.MAXIMUM })),
          ),
        ],
        [
          graph(
            "Lambda errors",
            perFunction((fn) => fn.metricErrors({ statistic: Stats.SUM })),
          ),
          graph(
            "Lambda throttles",
            perFunction((fn) => fn.metricThrottles({ statistic: Stats.SUM })),
          ),
        ],
        [
          graph(
            "Lambda duration p99 (ms)",
            perFunction((fn) => fn.metricDuration({ statistic: Stats.p(99) })),
          ),
        ],
      ],
    });
  }
}
