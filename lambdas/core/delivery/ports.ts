import type {
  Delivery,
  DeliveryAttempt,
  DeliveryStatus,
  DeliverySummaryView,
  StoredEvent,
} from "./model";
import type { PlatformEventMessage, PlatformMessage, RetryMessage } from "../queue-message";
import type { DisabledReason } from "../webhook-endpoint";

export interface DeliveryUpdate {
  readonly status: DeliveryStatus;
  readonly next_attempt_at: string | null;
  readonly first_attempt_at: string;
  readonly updated_at: string;
}

/** What the delivery use case needs from the outside world (adapters implement these). */
export interface DeliveryStore {
  /**
   * Records the event and its deliveries in one write, unless the same
   * (tenant, event id) was recorded within the idempotency window: then it
   * answers the event already stored and writes nothing. The pending
   * deliveries are written with attempt 1 claimed for the caller until
   * `leaseUntil`, as claimAttempt would claim it, and the answer carries that
   * lease: the first attempt after a fan-out needs no write of its own.
   */
  recordFanOut(
    event: StoredEvent,
    deliveries: readonly Delivery[],
    idempotentUntil: Date,
    leaseUntil: Date,
  ): Promise<{ recorded: true; lease: string } | { recorded: false; existing: StoredEvent }>;
  getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined>;
  getDelivery(webhookId: string, deliveryId: string): Promise<Delivery | undefined>;
  /**
   * Takes attempt `attempt` for this worker: succeeds only while the delivery
   * has made attempt-1 attempts, is pending or retrying (or, for a resend an
   * operator asked for, in any state), and no other worker's lease is live.
   * Answers the lease token, or why not.
   */
  claimAttempt(
    delivery: Delivery,
    attempt: number,
    leaseUntil: Date,
    now: Date,
    from?: "open" | "any",
  ): Promise<{ claimed: true; lease: string } | { claimed: false; reason: "leased" | "moved_on" }>;
  /** Appends the attempt and sets the new status; false when the lease was lost meanwhile. */
  recordAttempt(
    delivery: Delivery,
    lease: string,
    attempt: DeliveryAttempt,
    update: DeliveryUpdate,
  ): Promise<boolean>;
  /** Ends a pending or retrying delivery without sending: its endpoint is deleted or disabled. */
  close(delivery: Delivery, status: "skipped" | "cancelled", updatedAt: string): Promise<void>;
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

export type DeliveryOutcome = "succeeded" | "retried" | "failed" | "skipped" | "cancelled";

export interface DeliveryMetrics {
  delivery(outcome: DeliveryOutcome): void;
  attemptLatency(ms: number): void;
  endpointDisabled(reason: DisabledReason): void;
}

/** Structured logging, as Powertools' Logger offers it. */
export interface Log {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}
