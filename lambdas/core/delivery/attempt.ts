/**
 * @module One attempt: claim it, sign and send it, record it. What follows the
 * attempt is the caller's (follow-ups for scheduled attempts, endpoint-health
 * for probes); this file only makes sure an attempt is made once per claim and
 * lands in the delivery log.
 */
import { signingSecrets, type WebhookEndpoint } from "../webhook-endpoint";
import { buildWebhookRequest } from "../webhook-request";
import { type AttemptResult, isSuccessfulAttempt } from "../webhook-sender";
import { ATTEMPT_LEASE_MS, type DeliveryContext, type EventToDeliver, type MessageResult } from "./context";
import type { Delivery, DeliveryAttempt, DeliveryStatus } from "./model";
import type { ClaimFrom } from "./ports";

/** Why an attempt was not made, or that it was (or that it was handed on: parked, or to the slow lane). */
export type AttemptOutcome =
  "sent" | "closed" | "leased" | "moved_on" | "lease_lost" | "parked" | "forwarded";

/** What a worker does with an attempt it could not make: try later only while a lease blocks it. */
export const asMessageResult = (outcome: AttemptOutcome): MessageResult =>
  outcome === "leased" ? "retry_later" : "done";

/** How the attempt is recorded, and a word for the log. */
export interface Decision {
  readonly status: DeliveryStatus;
  readonly next_attempt_at: string | null;
  readonly label: string;
}

export type Sent<T extends Decision> =
  | { readonly outcome: Exclude<AttemptOutcome, "sent"> }
  | { readonly outcome: "sent"; readonly result: AttemptResult; readonly decision: T; readonly now: Date };

export interface AttemptClaim {
  readonly from: ClaimFrom;
  /** The attempt's lease when this run holds it already (its own fan-out wrote it). */
  readonly lease?: string | undefined;
  /** The delivery is not stored yet (the fan-out's lease covers it): the record writes it whole. */
  readonly unrecorded?: boolean;
}

/**
 * Work that must be in place before the attempt is recorded, such as the next retry's
 * schedule: once the record is written, nothing comes back to do it if this run dies.
 */
export type BeforeRecord<T> = (decision: T) => Promise<void>;

export function attempts(ctx: DeliveryContext) {
  const { deliveries, log } = ctx;

  /**
   * Claims attempt `number` (unless this run holds its lease already), sends it, and records
   * it as `decide` says.
   */
  async function sendAttempt<T extends Decision>(
    delivery: Delivery,
    number: number,
    event: EventToDeliver,
    endpoint: WebhookEndpoint,
    claim: AttemptClaim,
    decide: (result: AttemptResult, now: Date, firstAttemptAt: Date) => T,
    beforeRecord?: BeforeRecord<T>,
  ): Promise<Sent<T>> {
    const started = ctx.now();
    const claimed =
      claim.lease !== undefined
        ? { claimed: true as const, lease: claim.lease }
        : await deliveries.claimAttempt(
            delivery,
            number,
            new Date(started.getTime() + ATTEMPT_LEASE_MS),
            started,
            claim.from,
          );
    if (!claimed.claimed) return { outcome: claimed.reason };

    const request = buildWebhookRequest({
      target: {
        url: endpoint.url,
        method: endpoint.http_method,
        headers: endpoint.headers,
        field_mapping: endpoint.field_mapping,
        secrets: signingSecrets(endpoint, started),
      },
      messageId: delivery.id,
      event,
      attempt: number,
      now: started,
      mapFields: !event.type.startsWith("webhook."),
    });
    const result = await ctx.sender.send(request);
    ctx.metrics.attemptLatency(result.duration_ms);
    const now = ctx.now();
    const startedAt = started.toISOString();
    const firstAttemptAt = delivery.first_attempt_at ?? startedAt;
    const decision = decide(result, now, new Date(firstAttemptAt));
    await beforeRecord?.(decision);
    const record: DeliveryAttempt = {
      number,
      attempted_at: startedAt,
      status_code: result.status_code,
      error: result.error,
      duration_ms: result.duration_ms,
      response_body: result.response_body,
    };
    const update = {
      status: decision.status,
      next_attempt_at: decision.next_attempt_at,
      first_attempt_at: firstAttemptAt,
      updated_at: now.toISOString(),
    };
    const kept = claim.unrecorded
      ? await deliveries.recordFirstAttempt(delivery, record, update)
      : await deliveries.recordAttempt(delivery, claimed.lease, record, update);
    if (!kept) {
      log.warn("attempt outlived its lease; another worker owns the delivery now", {
        delivery_id: delivery.id,
      });
      return { outcome: "lease_lost" };
    }
    const line = {
      delivery_id: delivery.id,
      webhook_id: endpoint.id,
      attempt: number,
      status_code: result.status_code,
      error: result.error,
      duration_ms: result.duration_ms,
      outcome: decision.label,
    };
    // Every attempt is in the delivery log. The function log carries the failures: a line per
    // success would cost more CPU than the POST itself (docs/performance.md).
    if (isSuccessfulAttempt(result)) log.debug("delivery attempt", line);
    else log.info("delivery attempt", line);
    return { outcome: "sent", result, decision, now };
  }

  /**
   * An attempt an operator asked for (test, retry now): sent once, whatever state the
   * delivery is in, and nothing follows it: no retries, no health change, and it never
   * disables the endpoint.
   */
  async function oneOffAttempt(
    delivery: Delivery,
    number: number,
    event: EventToDeliver,
    endpoint: WebhookEndpoint,
    lease?: string,
  ): Promise<AttemptOutcome> {
    const sent = await sendAttempt(delivery, number, event, endpoint, { from: "any", lease }, (result) =>
      isSuccessfulAttempt(result)
        ? { status: "succeeded", next_attempt_at: null, label: "succeeded" }
        : { status: "failed", next_attempt_at: null, label: "failed" },
    );
    return sent.outcome;
  }

  /**
   * The stored event a due delivery sends, or undefined once the event has expired from the
   * log: the delivery can never be sent then, and is closed as cancelled.
   */
  async function eventToSend(delivery: Delivery, what: string): Promise<EventToDeliver | undefined> {
    const event = await deliveries.getEvent(delivery.tenant_id, delivery.event_id);
    if (event) return event;
    log.error(`${what} whose event is no longer stored: cancelled`, { delivery_id: delivery.id });
    await deliveries.close(delivery, "cancelled", ctx.now().toISOString());
    ctx.metrics.delivery("cancelled");
    return undefined;
  }

  return { sendAttempt, oneOffAttempt, eventToSend };
}

export type Attempts = ReturnType<typeof attempts>;
