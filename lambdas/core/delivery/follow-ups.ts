/**
 * @module Scheduled attempts and what follows them: an attempt routed by its
 * endpoint's health (sent, handed to the slow lane, or parked), the retry or
 * disable after it, and the queue messages that come back for a delivery
 * (retry, resend). Every step can run twice: messages name the attempt they
 * are for, and the store's conditional writes turn a re-run into a resume.
 */
import type { DisabledReason, WebhookEndpoint } from "../webhook-endpoint";
import type { ResendMessage, RetryMessage } from "../queue-message";
import { type AttemptClaim, type AttemptOutcome, type Attempts, asMessageResult } from "./attempt";
import type { DeliveryContext, EventToDeliver, MessageResult } from "./context";
import type { EndpointHealthRules } from "./endpoint-health";
import { type Delivery, RECOVERABLE_STATUSES } from "./model";
import { deliveryStatusAfter, disabledBy, nextStep, routeFor } from "./policy";

/** What became of a scheduled attempt; `failed` and `retryAfterMs` once it was sent. */
export interface Delivered {
  readonly outcome: AttemptOutcome;
  readonly failed?: boolean;
  readonly retryAfterMs?: number;
}

export interface DeliverOptions extends Partial<AttemptClaim> {
  /** Send it in this run whatever its lane (an operator's resend now); an open breaker still parks it. */
  readonly here?: boolean | undefined;
  /** Routed again after its breaker changed while it was being parked. */
  readonly rerouted?: boolean;
}

export function followUps(
  ctx: DeliveryContext,
  { sendAttempt, oneOffAttempt, eventToSend }: Attempts,
  health: EndpointHealthRules,
) {
  const { deliveries, endpoints, metrics, log } = ctx;

  /**
   * Attempt `number` of a delivery on its schedule, routed by its endpoint's health: sent
   * here, handed to the slow lane, or parked while the breaker is open. After a send, the
   * next attempt is scheduled or, after the last, the endpoint is disabled.
   */
  async function deliver(
    delivery: Delivery,
    number: number,
    event: EventToDeliver,
    endpoint: WebhookEndpoint | undefined,
    statusIfInactive: "skipped" | "cancelled",
    options: DeliverOptions = {},
  ): Promise<Delivered> {
    const { lease, from = "open", unrecorded } = options;
    // docs/delivery.md: a retry that finds its endpoint deleted or disabled does not send.
    if (!endpoint?.is_active) {
      await deliveries.close(delivery, statusIfInactive, ctx.now().toISOString());
      metrics.delivery(statusIfInactive);
      return { outcome: "closed" };
    }
    // A leased attempt was routed by its fan-out; an operator's "now" is sent in the request that asked.
    const route = lease !== undefined || options.here ? "send" : routeFor(endpoint.health);
    if (route === "park") {
      const parked = await health.park(delivery, endpoint);
      if (parked !== "breaker_closed") return { outcome: parked };
      // Parked, but the breaker stopped parking since it was read and no walk of it will reach
      // this delivery: go the way the endpoint says now, taking it from parked.
      // Once only: a breaker that keeps changing under it leaves the message to come back.
      if (options.rerouted) return { outcome: "leased" };
      const current = await endpoints.get(endpoint.tenant_id, endpoint.id);
      const parkedNow = { ...delivery, status: "parked" as const };
      return deliver(parkedNow, number, event, current, statusIfInactive, {
        ...options,
        from: "parked",
        rerouted: true,
      });
    }
    if (route === "slow_lane" && ctx.lane === "main") {
      await ctx.slowLane.send(retryMessage(delivery, number));
      return { outcome: "forwarded" };
    }
    const sent = await sendAttempt(
      delivery,
      number,
      event,
      endpoint,
      { from, lease, unrecorded },
      (result, now, first) => {
        const step = nextStep(result, {
          attempt: number,
          firstAttemptAt: first,
          now,
          schedule: ctx.schedule,
        });
        return { ...deliveryStatusAfter(step), label: step.kind, step };
      },
      // The retry's schedule exists before the attempt is recorded: a walk or a fan-out that
      // dies after the record never comes back to schedule it (a retry message would).
      async ({ step }) => {
        if (step.kind === "retry")
          await ctx.scheduler.scheduleRetry(retryMessage(delivery, number + 1), step.at);
      },
    );
    if (sent.outcome !== "sent") return { outcome: sent.outcome };
    const { step } = sent.decision;
    await health.afterAttempt(endpoint, sent.result);
    switch (step.kind) {
      case "succeeded":
        metrics.delivery("succeeded");
        break;
      case "retry":
        metrics.delivery("retried");
        break;
      case "gone":
      case "failed": {
        metrics.delivery("failed");
        const reason = disabledBy(step.kind, number, ctx.schedule);
        if (reason) await health.disable(endpoint, reason, delivery.id, sent.now.toISOString());
        break;
      }
    }
    const failed = step.kind !== "succeeded";
    const retryAfterMs = sent.result.retry_after_ms;
    return retryAfterMs === undefined
      ? { outcome: "sent", failed }
      : { outcome: "sent", failed, retryAfterMs };
  }

  /** What follows a recorded attempt, for a run that died (or failed) right after recording it. */
  async function finishRecordedAttempt(delivery: Delivery, endpoint?: WebhookEndpoint): Promise<void> {
    if (delivery.status === "retrying" && delivery.next_attempt_at) {
      await ctx.scheduler.scheduleRetry(
        retryMessage(delivery, delivery.attempt_count + 1),
        new Date(delivery.next_attempt_at),
      );
    }
    if (delivery.status !== "failed" || !endpoint) return;
    const gone = delivery.attempts.at(-1)?.status_code === 410;
    const reason = disabledBy(gone ? "gone" : "failed", delivery.attempt_count, ctx.schedule);
    if (reason) await finishFailure(delivery, endpoint, reason);
  }

  /**
   * After a terminal failure recorded by an earlier run that then hit an error: disable the
   * endpoint unless the tenant changed it since (re-enabling moves updated_at past the
   * failure), and re-send the notice if this failure disabled it.
   */
  async function finishFailure(
    delivery: Delivery,
    endpoint: WebhookEndpoint,
    reason: DisabledReason,
  ): Promise<void> {
    const failedAt = delivery.updated_at;
    if (endpoint.is_active && endpoint.updated_at <= failedAt) {
      await health.disable(endpoint, reason, delivery.id, failedAt);
    } else if (
      !endpoint.is_active &&
      endpoint.disabled_reason === reason &&
      endpoint.disabled_at === failedAt
    ) {
      await health.notifyDisabled(endpoint, reason, delivery.id, failedAt);
    }
  }

  /** The delivery a retry or resend message names, if it exists for that tenant; else logged. */
  async function deliveryOf(message: RetryMessage | ResendMessage): Promise<Delivery | undefined> {
    const delivery = await deliveries.getDelivery(message.webhook_id, message.delivery_id);
    if (delivery?.tenant_id === message.tenant_id) return delivery;
    log.warn(`${message.kind} for an unknown delivery: dropped`, { delivery_id: message.delivery_id });
    return undefined;
  }

  /** A due retry from Scheduler, or a first attempt the fan-out handed to the slow lane. */
  async function retry(message: RetryMessage): Promise<MessageResult> {
    const delivery = await deliveryOf(message);
    if (!delivery) return "done";
    const endpoint = await endpoints.get(delivery.tenant_id, delivery.webhook_id);
    // This message's attempt is already made: it is back after an error, so finish that run's work.
    if (delivery.attempt_count === message.attempt) {
      await finishRecordedAttempt(delivery, endpoint);
      return "done";
    }
    // Any other count: a stale copy (a schedule fired twice); an attempt is never repeated.
    if (delivery.attempt_count !== message.attempt - 1) return "done";
    const event = await eventToSend(delivery, "retry");
    if (!event) return "done";
    // A first attempt is the event's, as at fan-out: recorded skipped, so recover can resend it.
    const statusIfInactive = message.attempt === 1 ? "skipped" : "cancelled";
    // A parked one is due too: its breaker closed, and the drain has not reached it yet.
    const from = delivery.status === "parked" ? "parked" : "open";
    return asMessageResult(
      (await deliver(delivery, message.attempt, event, endpoint, statusIfInactive, { from })).outcome,
    );
  }

  /**
   * A resend that recover queued, in the slow lane: made once, if the delivery is still where
   * recover found it. While the endpoint's breaker is open it is parked, as a new delivery would be.
   */
  async function resend(message: ResendMessage): Promise<MessageResult> {
    const delivery = await deliveryOf(message);
    if (!delivery) return "done";
    // Made already (this message is a copy, or is back after an error), or resent some other way since.
    if (delivery.attempt_count !== message.attempt - 1 || !RECOVERABLE_STATUSES.includes(delivery.status))
      return "done";
    const endpoint = await endpoints.get(delivery.tenant_id, delivery.webhook_id);
    if (!endpoint?.is_active) {
      log.warn("resend for an endpoint disabled or deleted since recover: dropped", {
        delivery_id: delivery.id,
      });
      return "done";
    }
    const event = await deliveries.getEvent(delivery.tenant_id, delivery.event_id);
    if (!event) {
      log.error("resend whose event is no longer stored: dropped", { delivery_id: delivery.id });
      return "done";
    }
    // Closed since it was read: it goes out now instead.
    if (
      routeFor(endpoint.health) === "park" &&
      (await health.park(delivery, endpoint)) !== "breaker_closed"
    ) {
      return "done";
    }
    return asMessageResult(await oneOffAttempt(delivery, message.attempt, event, endpoint));
  }

  return { deliver, finishRecordedAttempt, retry, resend };
}

export type FollowUps = ReturnType<typeof followUps>;

export function retryMessage(delivery: Delivery, attempt: number): RetryMessage {
  return {
    kind: "retry",
    tenant_id: delivery.tenant_id,
    webhook_id: delivery.webhook_id,
    delivery_id: delivery.id,
    attempt,
  };
}
