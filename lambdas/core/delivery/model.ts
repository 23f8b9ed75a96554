/** @module One event's delivery to one endpoint, with every attempt (docs/delivery.md). */
import type { AttemptError } from "../webhook-sender";
import type { DeliveryStatus } from "./statuses";

export { DELIVERY_STATUSES, type DeliveryStatus } from "./statuses";

export interface DeliveryAttempt {
  readonly number: number;
  readonly attempted_at: string;
  readonly status_code: number | null;
  readonly error: AttemptError | null;
  readonly duration_ms: number;
  readonly response_body: string;
}

export interface Delivery {
  /** `msg_<ulid>`: the `webhook-id` header, the same on every attempt. */
  readonly id: string;
  readonly tenant_id: string;
  readonly webhook_id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly status: DeliveryStatus;
  readonly attempt_count: number;
  readonly next_attempt_at: string | null;
  /** Retry offsets count from here. */
  readonly first_attempt_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly attempts: readonly DeliveryAttempt[];
}

/** The event as stored for fan-out and for retries up to 38 h later. */
export interface StoredEvent {
  readonly tenant_id: string;
  readonly id: string;
  readonly type: string;
  readonly created_at: string;
  readonly data: unknown;
  /** Which deliveries the fan-out created, so a redelivered message can resume them. */
  readonly deliveries: readonly DeliveryRef[];
}

export interface DeliveryRef {
  readonly webhook_id: string;
  readonly delivery_id: string;
}

/**
 * Most deliveries one event fans out to: one worker invocation sends them all at once, and the
 * event item names each of them (about 70 bytes a delivery), so resuming a fan-out is one read.
 */
export const MAX_FAN_OUT_WRITES = 99;

export const FINAL_STATUSES: ReadonlySet<DeliveryStatus> = new Set([
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
]);

/**
 * Attempts one delivery may have: the 7 of the schedule and some resends. Each keeps up to
 * 4 KB of response body, and a DynamoDB item holds 400 KB.
 */
export const MAX_ATTEMPTS_PER_DELIVERY = 25;

/** Whether a resend may still add an attempt to the delivery. */
export const hasAttemptsLeft = (delivery: Pick<Delivery, "attempt_count">): boolean =>
  delivery.attempt_count < MAX_ATTEMPTS_PER_DELIVERY;

/** What recover (docs/api.md) resends: deliveries that ended without reaching the endpoint. */
export const RECOVERABLE_STATUSES: readonly DeliveryStatus[] = ["failed", "skipped"];

/** `msg_` and a ULID: anything else cannot name a delivery. */
export const DELIVERY_ID_PATTERN = /^msg_[0-9A-HJKMNP-TV-Z]{26}$/;

/** A delivery as the log lists it (docs/api.md). */
export type DeliverySummaryView = Pick<
  Delivery,
  | "id"
  | "webhook_id"
  | "event_id"
  | "event_type"
  | "status"
  | "attempt_count"
  | "next_attempt_at"
  | "created_at"
  | "updated_at"
>;

/** One delivery with every attempt. */
export type DeliveryView = DeliverySummaryView & { readonly attempts: readonly DeliveryAttempt[] };

export const SUMMARY_FIELDS = [
  "id",
  "webhook_id",
  "event_id",
  "event_type",
  "status",
  "attempt_count",
  "next_attempt_at",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof DeliverySummaryView)[];

/** Statuses with an attempt still to come: `next_attempt_at` says when. */
const WAITING: ReadonlySet<DeliveryStatus> = new Set(["retrying", "parked"]);

/** Fields in a fixed order; `next_attempt_at` only while an attempt is due (retrying, or parked until a probe). */
export function toSummaryView(d: DeliverySummaryView): DeliverySummaryView {
  return {
    id: d.id,
    webhook_id: d.webhook_id,
    event_id: d.event_id,
    event_type: d.event_type,
    status: d.status,
    attempt_count: d.attempt_count,
    next_attempt_at: WAITING.has(d.status) ? d.next_attempt_at : null,
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

export function toDeliveryView(d: Delivery): DeliveryView {
  return {
    ...toSummaryView(d),
    attempts: d.attempts.map((a) => ({
      number: a.number,
      attempted_at: a.attempted_at,
      status_code: a.status_code,
      error: a.error,
      duration_ms: a.duration_ms,
      response_body: a.response_body,
    })),
  };
}
