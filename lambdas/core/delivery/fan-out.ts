/**
 * @module Fan-out (docs/events.md, docs/delivery.md): an event becomes one delivery per subscribed
 * endpoint, recorded with the event in one write, each routed by its
 * endpoint's health: healthy ones are sent here at once, slow ones handed to
 * the slow lane, and those of an open breaker parked without an attempt.
 */
import { matchesAny } from "../event-types";
import { passesFilter } from "../payload-filter";
import { ulid } from "../ulid";
import type { WebhookEndpoint } from "../webhook-endpoint";
import { asMessageResult } from "./attempt";
import {
  ATTEMPT_LEASE_MS,
  type DeliveryContext,
  type EventToDeliver,
  IDEMPOTENCY_WINDOW_MS,
  type MessageResult,
  worst,
} from "./context";
import { type FollowUps, retryMessage } from "./follow-ups";
import type { Delivery, DeliveryStatus, StoredEvent } from "./model";
import { type Route, routeFor } from "./policy";

export function newDelivery(
  endpoint: Pick<WebhookEndpoint, "id">,
  event: EventToDeliver,
  now: Date,
  status: DeliveryStatus,
  nextAttemptAt: string | null = null,
  id = `msg_${ulid(now.getTime())}`,
): Delivery {
  const at = now.toISOString();
  return {
    id,
    tenant_id: event.tenant_id,
    webhook_id: endpoint.id,
    event_id: event.id,
    event_type: event.type,
    status,
    attempt_count: 0,
    next_attempt_at: nextAttemptAt,
    first_attempt_at: null,
    created_at: at,
    updated_at: at,
    attempts: [],
  };
}

interface Routed {
  readonly delivery: Delivery;
  readonly endpoint: WebhookEndpoint;
  readonly route: Route | "inactive";
}

export function fanOuts(ctx: DeliveryContext, { deliver, finishRecordedAttempt }: FollowUps) {
  const { deliveries, endpoints, metrics, log } = ctx;

  function route(endpoint: WebhookEndpoint, event: EventToDeliver, now: Date): Routed {
    // docs/delivery.md: events for a disabled endpoint are recorded, not sent, and not lost.
    if (!endpoint.is_active) {
      return { delivery: newDelivery(endpoint, event, now, "skipped"), endpoint, route: "inactive" };
    }
    const to = routeFor(endpoint.health);
    const delivery =
      to === "park"
        ? newDelivery(endpoint, event, now, "parked", endpoint.health.next_probe_at)
        : newDelivery(endpoint, event, now, "pending");
    return { delivery, endpoint, route: to };
  }

  async function fanOut(event: EventToDeliver, excludeWebhookId?: string): Promise<MessageResult> {
    // Platform notices (webhook.disabled) reach every subscriber; an endpoint's filter is for
    // producers' data. An event the filter keeps out leaves no delivery (docs/delivery.md).
    const filtered = !event.type.startsWith("webhook.");
    const subscribed = (await endpoints.list(event.tenant_id)).filter(
      (e) =>
        e.id !== excludeWebhookId &&
        matchesAny(e.events, event.type) &&
        (!filtered || passesFilter(e.filter, event.data)),
    );
    // Read after the endpoints, so a parked delivery is never older than the breaker it waits on.
    const now = ctx.now();
    const routed = subscribed.map((endpoint) => route(endpoint, event, now));
    const stored: StoredEvent = {
      ...event,
      deliveries: routed.map(({ delivery }) => ({
        webhook_id: delivery.webhook_id,
        delivery_id: delivery.id,
      })),
    };
    const outcome = await deliveries.recordFanOut(
      stored,
      routed.map((r) => r.delivery),
      {
        idempotentUntil: new Date(now.getTime() + IDEMPOTENCY_WINDOW_MS),
        leased: new Set(routed.filter((r) => r.route === "send").map((r) => r.delivery.id)),
        leaseUntil: new Date(now.getTime() + ATTEMPT_LEASE_MS),
      },
    );
    if (!outcome.recorded) return resumeDuplicate(outcome.existing);
    log.debug("event fanned out", { event_id: event.id, event_type: event.type, deliveries: routed.length });
    return sendRouted(routed, stored, outcome.lease);
  }

  /**
   * The fan-out recorded the event with this run's lease on the first attempt of each delivery
   * it sends itself; each is written, whole, when that attempt is recorded.
   */
  async function sendRouted(
    routed: readonly Routed[],
    event: StoredEvent,
    lease: string,
  ): Promise<MessageResult> {
    const results = await Promise.all(
      routed.map(async ({ delivery, endpoint, route: to }): Promise<MessageResult> => {
        switch (to) {
          case "inactive":
            metrics.delivery("skipped");
            return "done";
          case "park":
            metrics.delivery("parked");
            return "done";
          case "slow_lane":
            // The slow lane's worker claims it; a crash before this send is resumed from the event.
            await ctx.slowLane.send(retryMessage(delivery, 1));
            return "done";
          case "send":
            return asMessageResult(
              (await deliver(delivery, 1, event, endpoint, "skipped", { lease, unrecorded: true })).outcome,
            );
        }
      }),
    );
    return worst(results);
  }

  /**
   * A duplicate: either a producer sent the id again (nothing left to do) or this very
   * message is back after a crash (finish what the first run started). Its leases, if any,
   * are the first run's: each attempt is claimed anew, once they have expired. A delivery the
   * first run never recorded (it died before the attempt's record) is written pending, once the
   * event's lease on it has expired, and goes the way its endpoint says now.
   */
  async function resumeDuplicate(existing: StoredEvent): Promise<MessageResult> {
    log.info("duplicate event: resuming its deliveries", { event_id: existing.id });
    const now = ctx.now();
    const found = await Promise.all(
      existing.deliveries.map(async (ref) => ({
        ref,
        stored: await deliveries.getDelivery(ref.webhook_id, ref.delivery_id),
      })),
    );
    const unrecorded = found
      .filter(({ stored }) => stored === undefined)
      .map(({ ref }) => newDelivery({ id: ref.webhook_id }, existing, now, "pending", null, ref.delivery_id));
    if (unrecorded.length > 0) {
      // The first run may still be sending them: not twice while its lease is live.
      if (!(await deliveries.claimFanOut(existing, new Date(now.getTime() + ATTEMPT_LEASE_MS), now))) {
        return "retry_later";
      }
      await deliveries.recordDeliveries(unrecorded);
    }
    const results = await Promise.all(
      found.map(async ({ ref, stored }) => {
        const delivery = stored ?? unrecorded.find((d) => d.id === ref.delivery_id);
        if (!delivery) return "done" as const;
        const endpoint = await endpoints.get(existing.tenant_id, ref.webhook_id);
        if (delivery.status === "pending") {
          return asMessageResult((await deliver(delivery, 1, existing, endpoint, "skipped")).outcome);
        }
        await finishRecordedAttempt(delivery, endpoint);
        return "done" as const;
      }),
    );
    return worst(results);
  }

  return { fanOut };
}
