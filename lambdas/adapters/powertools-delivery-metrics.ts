import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { DeliveryMetrics, DeliveryOutcome } from "../core/delivery/ports";
import type { DisabledReason, HealthState } from "../core/webhook-endpoint";

/** Delivery metrics as CloudWatch embedded-metric-format lines, via Powertools. */
export class PowertoolsDeliveryMetrics implements DeliveryMetrics {
  constructor(private readonly metrics: Metrics) {}

  delivery(outcome: DeliveryOutcome): void {
    this.metrics.addMetric(`Deliveries${outcome[0]?.toUpperCase()}${outcome.slice(1)}`, MetricUnit.Count, 1);
  }

  attemptLatency(ms: number): void {
    this.metrics.addMetric("AttemptLatency", MetricUnit.Milliseconds, ms);
  }

  endpointDisabled(_reason: DisabledReason): void {
    this.metrics.addMetric("EndpointsDisabled", MetricUnit.Count, 1);
  }

  /** EndpointsHealthy, EndpointsSlow, EndpointsOpen: how many endpoints moved into each state. */
  endpointHealth(state: HealthState): void {
    this.metrics.addMetric(`Endpoints${state[0]?.toUpperCase()}${state.slice(1)}`, MetricUnit.Count, 1);
  }
}
