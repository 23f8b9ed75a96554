/**
 * @module The composition root, part three: delivery over the production
 * adapters (the workers' lanes, and the API's test, resend and recover).
 */
import { PowertoolsDeliveryMetrics } from "../adapters/powertools-delivery-metrics";
import { loadConfig } from "../config";
import type { Lane } from "../core/delivery/context";
import type { EventQueue } from "../core/delivery/ports";
import { deliveryOperations as createDeliveryOperations } from "../core/delivery/operations";
import { eventDelivery as createEventDelivery, type EventDeliveryDeps } from "../core/delivery";
import { recovery as createRecovery } from "../core/delivery/recovery";
import {
  currentCatalog,
  deliveryLogStore,
  deliveryStore,
  endpointHealthStore,
  eventPublisher,
  eventQueue,
  fanOutEndpoints,
  logger,
  metrics,
  once,
  retryScheduler,
  slowLane,
  webhookStore,
} from "./clients";
import { eventCheck } from "./event-check";
import { webhookSender } from "./endpoints";

// Resends run in the slow lane (a recovery is often thousands, to an endpoint that just had
// trouble): queued there directly, not through the events queue.
const recovery = /* @__PURE__ */ once(() =>
  createRecovery({ deliveries: deliveryLogStore(), queue: slowLane() }),
);

/** What delivery is built from in production: the adapters, the settings, and `queue`. */
export function deliveryDependencies(queue: EventQueue, lane: Lane): EventDeliveryDeps {
  return {
    deliveries: deliveryStore(),
    endpoints: fanOutEndpoints(),
    healthStore: endpointHealthStore(),
    sender: webhookSender(),
    eventCheck: eventCheck(),
    scheduler: retryScheduler(),
    queue,
    metrics: new PowertoolsDeliveryMetrics(metrics()),
    log: logger(),
    schedule: loadConfig("retries").RETRY_SCHEDULE,
    recovery: recovery(),
    slowLane: slowLane(),
    lane,
    breakerThreshold: loadConfig("endpointHealth").BREAKER_THRESHOLD,
    drainRatePerSecond: loadConfig("endpointHealth").DRAIN_RATE_PER_SECOND,
  };
}

const mainLane = /* @__PURE__ */ once(() => createEventDelivery(deliveryDependencies(eventQueue(), "main")));
const slowLaneDelivery = /* @__PURE__ */ once(() =>
  createEventDelivery(deliveryDependencies(eventQueue(), "slow")),
);
const slowLaneQueueName = /* @__PURE__ */ once(() =>
  loadConfig("slowLane").SLOW_LANE_QUEUE_URL.split("/").pop(),
);

/**
 * The delivery worker's, for a record from the queue `eventSourceArn` names: a record from
 * the slow lane's queue is worked by the slow lane (docs/delivery.md). It also dead-letters the
 * messages it cannot read.
 */
export function eventDelivery(eventSourceArn?: string) {
  return eventSourceArn?.split(":").pop() === slowLaneQueueName() ? slowLaneDelivery() : mainLane();
}

/** The API's test, resend and recover: the same delivery code, and a queue to hand work to. */
export const deliveryOperations = /* @__PURE__ */ once(() =>
  createDeliveryOperations({
    endpoints: webhookStore(),
    deliveries: deliveryStore(),
    delivery: createEventDelivery(deliveryDependencies(eventPublisher(), "main")),
    recovery: recovery(),
    catalog: currentCatalog(),
  }),
);
