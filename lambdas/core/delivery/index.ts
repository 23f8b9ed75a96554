/**
 * @module Event delivery (docs/events.md, docs/delivery.md): routes each queue message to the part of
 * delivery it is for, and offers the operator's test and resend-now. Delivery
 * is at least once: every step can crash and be re-run from its queue message,
 * and the store's conditional writes make a re-run resume, not repeat, the work.
 */
import { ConflictError } from "../errors";
import type { EventMessage } from "../event-message";
import { PLATFORM_EVENT_TYPES } from "../event-types";
import type { PlatformEventMessage } from "../queue-message";
import { parseQueueMessage } from "../queue-message";
import { ulid } from "../ulid";
import type { WebhookEndpoint } from "../webhook-endpoint";
import { attempts } from "./attempt";
import {
  ATTEMPT_LEASE_MS,
  deliveryContext,
  type EventDeliveryDeps,
  type EventToDeliver,
  IDEMPOTENCY_WINDOW_MS,
  type MessageResult,
} from "./context";
import { drains } from "./drain";
import { endpointHealth } from "./endpoint-health";
import { fanOuts, newDelivery } from "./fan-out";
import { followUps } from "./follow-ups";
import { type Delivery, hasAttemptsLeft } from "./model";

export type { EventDeliveryDeps, Lane, MessageResult } from "./context";
export { ATTEMPT_LEASE_MS, IDEMPOTENCY_WINDOW_MS } from "./context";

/** Test events are told apart by their id: no queue message backs their delivery. */
const TEST_EVENT_ID_PREFIX = "evt_test_";

/** A catalog type's example, sent by a test instead of webhook.test. */
export interface TestExample {
  readonly type: string;
  readonly data: unknown;
}

export function eventDelivery(deps: EventDeliveryDeps) {
  const ctx = deliveryContext(deps);
  const { deliveries, log } = ctx;
  const attempt = attempts(ctx);
  const health = endpointHealth(ctx, attempt);
  const follow = followUps(ctx, attempt, health);
  const { fanOut } = fanOuts(ctx, follow);
  const { drain } = drains(ctx, follow, health, attempt);

  function producerEvent(event: EventMessage, messageId: string): EventToDeliver {
    const received = ctx.now().toISOString();
    return {
      tenant_id: event.tenant_id,
      // Without a producer id, the SQS message id: a redelivered message is the same event.
      id: event.id ?? `evt_${messageId}`,
      type: event.type,
      created_at: event.occurred_at ?? received,
      data: event.data,
    };
  }

  function platformEvent(message: PlatformEventMessage): EventToDeliver {
    return { tenant_id: message.tenant_id, ...message.event };
  }

  return {
    /** Processes one queue message; "retry_later" leaves it on the queue to come back. */
    async handleMessage(body: string, messageId: string): Promise<MessageResult> {
      // Not retried in a loop, not dropped: to the dead-letter queue at once, with the reason.
      const refuse = async (reason: string): Promise<MessageResult> => {
        log.warn("invalid message sent to the dead-letter queue", { message_id: messageId, reason });
        await deps.queue.deadLetter(body, reason, messageId);
        return "done";
      };
      const parsed = parseQueueMessage(body);
      if (!parsed.ok) return refuse(parsed.reason);
      const message = parsed.message;
      switch (message.kind) {
        case "event": {
          const verdict = await deps.eventCheck.check(message.event.type, message.event.data);
          if (!verdict.ok) return refuse(`not a valid event: ${verdict.message}`);
          return fanOut(producerEvent(message.event, messageId));
        }
        case "platform_event":
          return fanOut(platformEvent(message), message.exclude_webhook_id);
        case "retry":
          return follow.retry(message);

        case "recover":
          await deps.recovery.continueRecovery(message);
          return "done";
        case "resend":
        case "probe":
        case "drain":
          // Recover's resends (often thousands, to an endpoint that just had trouble), probes and
          // drains run in the slow lane, whichever queue they came in on.
          if (ctx.lane === "main") {
            await ctx.slowLane.send(message);
            return "done";
          }
          if (message.kind === "resend") return follow.resend(message);
          return message.kind === "probe" ? health.probe(message) : drain(message);
      }
    },

    /**
     * POST /v1/webhooks/{id}/test: a webhook.test event (or a catalog type's example) to this
     * endpoint alone, sent now and once, even while the endpoint is disabled (so it can be
     * checked before re-enabling it) and whatever its filter.
     */
    async sendTest(endpoint: WebhookEndpoint, example?: TestExample): Promise<Delivery> {
      const now = ctx.now();
      const event: EventToDeliver = {
        tenant_id: endpoint.tenant_id,
        id: `${TEST_EVENT_ID_PREFIX}${ulid(now.getTime())}`,
        type: example?.type ?? PLATFORM_EVENT_TYPES.test,
        created_at: now.toISOString(),
        data: example
          ? example.data
          : { webhook_id: endpoint.id, message: "A test event: this endpoint is reachable." },
      };
      const delivery = newDelivery(endpoint, event, now, "pending");
      // Written pending, not leased: no queue message backs a test, so a test whose request dies
      // before the attempt stays in the log, and a retry of it sends it once its claim lapses.
      await deliveries.recordFanOut(
        { ...event, deliveries: [{ webhook_id: endpoint.id, delivery_id: delivery.id }] },
        [delivery],
        {
          idempotentUntil: new Date(now.getTime() + IDEMPOTENCY_WINDOW_MS),
          leased: new Set(),
          leaseUntil: new Date(now.getTime() + ATTEMPT_LEASE_MS),
        },
      );
      await attempt.oneOffAttempt(delivery, 1, event, endpoint);
      return (await deliveries.getDelivery(endpoint.id, delivery.id)) ?? delivery;
    },

    /**
     * POST .../deliveries/{delivery_id}/retry: the next attempt, now, with the same webhook-id.
     * A delivery still retrying to an active endpoint makes its next scheduled attempt early,
     * and the schedule goes on from there; any other (a parked one too) is sent once, as a
     * test is.
     */
    async resendNow(delivery: Delivery, endpoint: WebhookEndpoint): Promise<Delivery> {
      // A pending delivery's first attempt is on its way from the queue, except a test's: no
      // message backs it, so one whose API request died first is sent here (once its lease ends).
      if (delivery.status === "pending" && !delivery.event_id.startsWith(TEST_EVENT_ID_PREFIX)) {
        throw new ConflictError(`delivery ${delivery.id} is pending: its first attempt is on its way`);
      }
      if (!hasAttemptsLeft(delivery)) {
        throw new ConflictError(
          `delivery ${delivery.id} has been attempted ${delivery.attempt_count} times, the most a delivery keeps`,
        );
      }
      const event = await deliveries.getEvent(delivery.tenant_id, delivery.event_id);
      if (!event) throw new ConflictError(`the event of delivery ${delivery.id} is no longer stored`);
      const number = delivery.attempt_count + 1;
      const outcome =
        delivery.status === "retrying" && endpoint.is_active && endpoint.health.state !== "open"
          ? (await follow.deliver(delivery, number, event, endpoint, "cancelled", { here: true })).outcome
          : await attempt.oneOffAttempt(delivery, number, event, endpoint);
      if (outcome === "leased" || outcome === "moved_on") {
        throw new ConflictError(
          `another attempt of delivery ${delivery.id} is under way; try again in a few seconds`,
        );
      }
      return (await deliveries.getDelivery(delivery.webhook_id, delivery.id)) ?? delivery;
    },
  };
}

export type EventDelivery = ReturnType<typeof eventDelivery>;
