import type { Delivery, DeliveryAttempt, DeliveryStatus, DeliverySummaryView, StoredEvent } from "./model";
import type {
  PlatformEventMessage,
  PlatformMessage,
  ProbeMessage,
  RetryMessage,
  SlowLaneMessage,
} from "../queue-message";
import type { DisabledReason, EndpointHealth, HealthState, WebhookEndpoint } from "../webhook-endpoint";

export interface DeliveryUpdate {
  readonly status: DeliveryStatus;
  readonly next_attempt_at: string | null;
  readonly first_attempt_at: string;
  readonly updated_at: string;
}

export interface FanOutWrite {
  /** Until when the (tenant, event id) is not fanned out again. */
  readonly idempotentUntil: Date;
  /**
   * The pending deliveries this run sends itself. They are not written now: the event holds
   * this run's lease on their first attempts until `leaseUntil`, and each is written whole, once,
   * with its first attempt (recordFirstAttempt). A successful delivery costs one write.
   */
  readonly leased: ReadonlySet<string>;
  readonly leaseUntil: Date;
}

export type FanOutRecord =
  | { readonly recorded: true; readonly lease: string }
  | { readonly recorded: false; readonly existing: StoredEvent };

/** What the delivery use case needs from the outside world (adapters implement these). */
export interface DeliveryStore {
  /**
   * Records the event, with the ids of all its deliveries and the caller's lease on the
   * first attempts of those in `leased`, unless the same (tenant, event id) was recorded
   * within the idempotency window: then it answers the event already stored and writes
   * nothing. Then it writes the deliveries not in `leased` (skipped, parked, or pending for
   * the slow lane). The event is written first, so a run that dies before the deliveries
   * leaves the event naming them: the redelivered message writes those that are missing.
   */
  recordFanOut(
    event: StoredEvent,
    deliveries: readonly Delivery[],
    write: FanOutWrite,
  ): Promise<FanOutRecord>;
  /**
   * Takes over the lease an event holds on its deliveries' first attempts, for a run that
   * resumes a fan-out with deliveries still unrecorded; false while another run's lease is live.
   */
  claimFanOut(event: StoredEvent, leaseUntil: Date, now: Date): Promise<boolean>;
  /** Writes deliveries that are not stored yet; one stored already is left as it is. */
  recordDeliveries(deliveries: readonly Delivery[]): Promise<void>;
  /**
   * Writes a delivery its fan-out did not store, whole, with its first attempt made (under the
   * event's lease): false when it is stored already (a run that took the lease over wrote it).
   */
  recordFirstAttempt(delivery: Delivery, attempt: DeliveryAttempt, update: DeliveryUpdate): Promise<boolean>;
  getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined>;
  getDelivery(webhookId: string, deliveryId: string): Promise<Delivery | undefined>;
  /**
   * Takes attempt `attempt` for this worker: succeeds only while the delivery
   * has made attempt-1 attempts, is in a state `from` allows (pending or
   * retrying; parked, for a probe or a drain; any, for a resend an operator
   * asked for), and no other worker's lease is live. Answers the lease token,
   * or why not.
   */
  claimAttempt(
    delivery: Delivery,
    attempt: number,
    leaseUntil: Date,
    now: Date,
    from?: ClaimFrom,
  ): Promise<{ claimed: true; lease: string } | { claimed: false; reason: "leased" | "moved_on" }>;
  /** Appends the attempt and sets the new status; false when the lease was lost meanwhile. */
  recordAttempt(
    delivery: Delivery,
    lease: string,
    attempt: DeliveryAttempt,
    update: DeliveryUpdate,
  ): Promise<boolean>;
  /** Ends a pending, retrying or parked delivery without sending: its endpoint is deleted or disabled. */
  close(delivery: Delivery, status: "skipped" | "cancelled", updatedAt: string): Promise<void>;
  /**
   * Parks a delivery that is due (pending, retrying, parked, or failed or
   * skipped and being resent) and not leased; "moved_on" when it is neither.
   */
  park(delivery: Delivery, park: ParkWrite): Promise<"parked" | "moved_on">;
  /** Parked deliveries of an endpoint, oldest first, from delivery id `from` on (inclusive). */
  listParked(webhookId: string, from: string, limit: number): Promise<ParkedPage>;
}

export type ClaimFrom = "open" | "parked" | "any";

export interface ParkWrite {
  readonly nextAttemptAt: string | null;
  readonly updatedAt: string;
  readonly now: Date;
}

export interface ParkedPage {
  readonly items: readonly Delivery[];
  /**
   * Where the next page starts, or undefined when no delivery after these is parked. A store
   * may bound the work of a page: it can then hold fewer than asked (even none) and a `next`.
   */
  readonly next?: string;
}

/**
 * An endpoint's health, kept next to it by the delivery worker (docs/delivery.md). Every
 * change is one conditional write on its own item: the failure count is an
 * atomic increment, so concurrent workers lose no failure, and breaker moves
 * name the breaker (its `opened_at`) they act on.
 */
export interface EndpointHealthStore {
  /** Counts a failed attempt; answers the health after it. */
  recordFailure(endpoint: WebhookEndpoint, at: string): Promise<EndpointHealth>;
  /** Moves a healthy endpoint to the slow lane; leaves any other state as it is. */
  markSlow(endpoint: WebhookEndpoint, at: string): Promise<void>;
  /** After a success: no failures, and `state` (since `at` if that changes it), unless the breaker is open. */
  recordSuccess(endpoint: WebhookEndpoint, state: Exclude<HealthState, "open">, at: string): Promise<void>;
  /** Opens the breaker unless it is open already; true when this call opened it. */
  openBreaker(endpoint: WebhookEndpoint, opening: BreakerOpening): Promise<boolean>;
  /**
   * Records failed probe `probe` of the breaker opened at `openedAt`. A null `nextProbeAt`
   * (the last probe failed) also stops parking. Answers the health after it, or undefined
   * when the breaker moved on meanwhile.
   */
  recordFailedProbe(
    endpoint: WebhookEndpoint,
    openedAt: string,
    probe: number,
    nextProbeAt: string | null,
  ): Promise<EndpointHealth | undefined>;
  /**
   * Moves where the parked deliveries of the breaker opened at `openedAt` start back to
   * `deliveryId`, if that is older and the breaker still parks; false when it did not.
   */
  moveParkedFromBack(endpoint: WebhookEndpoint, openedAt: string, deliveryId: string): Promise<boolean>;
  /** Stops the breaker opened at `openedAt` parking more deliveries (its endpoint is disabled). */
  stopParking(endpoint: WebhookEndpoint, openedAt: string): Promise<EndpointHealth | undefined>;
  /** Closes the breaker opened at `openedAt`; answers the health after it, or undefined if it was not open. */
  closeBreaker(
    endpoint: WebhookEndpoint,
    openedAt: string,
    closing: BreakerClosing,
  ): Promise<EndpointHealth | undefined>;
  /** A drain found nothing more parked: forget where parked deliveries start, unless the breaker opened again. */
  finishDrain(endpoint: WebhookEndpoint): Promise<void>;
}

export interface BreakerOpening {
  readonly openedAt: string;
  readonly nextProbeAt: string;
  /** Where its parked deliveries will start, unless an unfinished drain starts earlier. */
  readonly parkedFrom: string;
}

export interface BreakerClosing {
  readonly state: Exclude<HealthState, "open">;
  readonly at: string;
  /** 0 after a successful probe; one short of the threshold when it closes with nothing to probe. */
  readonly consecutiveFailures: number;
}

/** The delivery log as the API reads it. */
export interface DeliveryLog {
  /** One endpoint's deliveries, newest first (see DeliveryLogQuery). */
  listDeliveries(webhookId: string, query: DeliveryLogQuery): Promise<DeliveryLogPage>;
}

export interface DeliveryLogQuery {
  /** Only deliveries older than this one (the position a cursor holds). */
  readonly before?: string;
  /** Only deliveries created at or after this time. */
  readonly since?: Date;
  readonly statuses?: readonly DeliveryStatus[];
  readonly limit: number;
}

export interface DeliveryLogPage {
  readonly items: readonly DeliverySummaryView[];
  /**
   * Where the next page starts (the last delivery looked at), or undefined at
   * the end of the log. A filtered page can be shorter than the limit (even
   * empty) and still have more after it: the store bounds the work per page.
   */
  readonly continueAfter?: string;
}

export interface EndpointDisabler {
  /** Disables the endpoint if it is active; true when this call disabled it. */
  disable(tenantId: string, webhookId: string, reason: DisabledReason, at: string): Promise<boolean>;
}

export interface RetryScheduler {
  /** Idempotent per (delivery, attempt): scheduling the same retry twice makes one schedule. */
  scheduleRetry(message: RetryMessage, at: Date): Promise<void>;
  /** Idempotent per (endpoint, breaker, probe): one schedule per probe, never one per parked delivery. */
  scheduleProbe(message: ProbeMessage, at: Date): Promise<void>;
}

/** The slow lane's queue (docs/delivery.md): its own consumer, so nothing there holds up a batch of the main lane. */
export interface SlowLane {
  /** `delaySeconds` (0-900) holds the message back, as a drain does to keep its pace. */
  send(message: SlowLaneMessage, delaySeconds?: number): Promise<void>;
}

export interface EventQueue {
  publish(message: PlatformEventMessage): Promise<void>;
  /** Moves a message that can never be processed to the dead-letter queue, with the reason. */
  deadLetter(body: string, reason: string, sourceMessageId: string): Promise<void>;
}

/** Work handed to the delivery worker through the events queue. */
export interface WorkQueue {
  /** Puts many messages on the queue, in batches; an error means some (not all) may be queued. */
  publishAll(messages: readonly PlatformMessage[]): Promise<void>;
}

export type DeliveryOutcome = "succeeded" | "retried" | "failed" | "skipped" | "cancelled" | "parked";

export interface DeliveryMetrics {
  delivery(outcome: DeliveryOutcome): void;
  attemptLatency(ms: number): void;
  endpointDisabled(reason: DisabledReason): void;
  /** The endpoint's health moved to `state` (a breaker opened or closed, a lane changed). */
  endpointHealth(state: HealthState): void;
}

/** Structured logging, as Powertools' Logger offers it. */
export interface Log {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}
