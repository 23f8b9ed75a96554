/**
 * @module What every part of delivery is built from: the ports, the settings,
 * and a clock. The parts (fan-out, attempt, follow-ups, endpoint-health,
 * drain) are factories over one `DeliveryContext`, composed in ./index.ts.
 */
import type { EventChecker } from "../catalog/event-check";
import type { RetrySchedule } from "../retry-schedule";
import type { WebhookSender } from "../webhook-sender";
import type { WebhookStore } from "../webhook-store";
import type {
  DeliveryMetrics,
  DeliveryStore,
  EndpointDisabler,
  EndpointHealthStore,
  EventQueue,
  Log,
  RetryScheduler,
  SlowLane,
} from "./ports";
import type { Recovery } from "./recovery";

/** Which queue a worker consumes: the main lane forwards slow work to the slow lane, which sends it. */
export type Lane = "main" | "slow";

export interface EventDeliveryDeps {
  readonly deliveries: DeliveryStore;
  readonly endpoints: Pick<WebhookStore, "get" | "list"> & EndpointDisabler;
  /** The endpoints' health, read with them and written apart from them. */
  readonly healthStore: EndpointHealthStore;
  readonly sender: WebhookSender;
  /** A producer's event must have a type of the catalog and data its schema accepts. */
  readonly eventCheck: Pick<EventChecker, "check">;
  readonly scheduler: RetryScheduler;
  readonly queue: EventQueue;
  readonly slowLane: SlowLane;
  readonly metrics: DeliveryMetrics;
  readonly log: Log;
  readonly schedule: RetrySchedule;
  /** Goes on with a recover too long for one API request. */
  readonly recovery: Pick<Recovery, "continueRecovery">;
  readonly lane: Lane;
  /** Consecutive failed attempts that open an endpoint's breaker (docs/delivery.md). */
  readonly breakerThreshold: number;
  /** Parked deliveries a drain sends per second, at most. */
  readonly drainRatePerSecond: number;
  readonly clock?: () => Date;
}

export interface DeliveryContext extends EventDeliveryDeps {
  readonly now: () => Date;
}

export function deliveryContext(deps: EventDeliveryDeps): DeliveryContext {
  const clock = deps.clock ?? (() => new Date());
  return { ...deps, now: clock };
}

/** docs/events.md: the same (tenant, event id) within 24 h is not fanned out again. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
/** How long a worker owns an attempt: the 3 s send plus bookkeeping, with room to spare. */
export const ATTEMPT_LEASE_MS = 20_000;

/** An event as delivery reads it, stored or just received. */
export interface EventToDeliver {
  readonly tenant_id: string;
  readonly id: string;
  readonly type: string;
  readonly created_at: string;
  readonly data: unknown;
}

export type MessageResult = "done" | "retry_later";

export const worst = (results: readonly MessageResult[]): MessageResult =>
  results.includes("retry_later") ? "retry_later" : "done";
