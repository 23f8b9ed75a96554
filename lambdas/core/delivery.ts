import type { AttemptError } from "./webhook-sender";

/** One event's delivery to one endpoint, with every attempt (SPEC 5). */
export type DeliveryStatus = "pending" | "succeeded" | "retrying" | "failed" | "skipped" | "cancelled";

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

export const FINAL_STATUSES: ReadonlySet<DeliveryStatus> = new Set([
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
]);
