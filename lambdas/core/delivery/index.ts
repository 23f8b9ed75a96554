import {
  type Delivery,
  type DeliveryAttempt,
  hasAttemptsLeft,
  RECOVERABLE_STATUSES,
  type StoredEvent,
} from "./model";
import { type NextStep, nextStep } from "./policy";
import { ConflictError } from "../errors";
import type {
  DeliveryMetrics,
  DeliveryStore,
  EndpointDisabler,
  EventQueue,
  Log,
  RetryScheduler,
} from "./ports";
import type { EventMessage } from "../event-message";
import { matchesAny, PLATFORM_EVENT_TYPES } from "../event-types";
import type { PlatformEventMessage, ResendMessage, RetryMessage } from "../queue-message";
import { parseQueueMessage } from "../queue-message";
import type { Recovery } from "./recovery";
import type { RetrySchedule } from "../retry-schedule";
import { ulid } from "../ulid";
import { type DisabledReason, signingSecrets, type WebhookEndpoint } from "../webhook-endpoint";
import { buildWebhookRequest } from "../webhook-request";
import { type AttemptResult, isSuccessfulAttempt, type WebhookSender } from "../webhook-sender";
import type { WebhookStore } from "../webhook-store";

/**
 * Event delivery (SPEC 3-5): fan an event out to the subscribed endpoints,
 * send each delivery, and decide what follows a failure. Delivery is at least
 * once: every step can crash and be re-run from the queue message, and the
 * conditional writes in the store make a re-run resume, not repeat, the work.
 */
export type MessageResult = "done" | "retry_later";

export interface EventDeliveryDeps {
  readonly deliveries: DeliveryStore;
  readonly endpoints: Pick<WebhookStore, "get" | "list"> & EndpointDisabler;
  readonly sender: WebhookSender;
  readonly scheduler: RetryScheduler;
  readonly queue: EventQueue;
  readonly metrics: DeliveryMetrics;
  readonly log: Log;
  readonly schedule: RetrySchedule;
  /** Goes on with a recover too long for one API request. */
  readonly recovery: Pick<Recovery, "continueRecovery">;
  readonly clock?: () => Date;
}

/** SPEC 3: the same (tenant, event id) within 24 h is not fanned out again. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
/** How long a worker owns an attempt: the 3 s send plus bookkeeping, with room to spare. */
export const ATTEMPT_LEASE_MS = 20_000;

interface EventToDeliver {
  readonly tenant_id: string;
  readonly id: string;
  readonly type: string;
  readonly created_at: string;
  readonly data: unknown;
}

const worst = (results: readonly MessageResult[]): MessageResult =>
  results.includes("retry_later") ? "retry_later" : "done";

export function eventDelivery(deps: EventDeliveryDeps) {
  const { deliveries, endpoints, metrics, log } = deps;
  const clock = deps.clock ?? (() => new Date());

  function newDelivery(endpoint: WebhookEndpoint, event: EventToDeliver, now: Date): Delivery {
    const at = now.toISOString();
    return {
      id: `msg_${ulid(now.getTime())}`,
      tenant_id: event.tenant_id,
      webhook_id: endpoint.id,
      event_id: event.id,
      event_type: event.type,
      // SPEC 5: events for a disabled endpoint are recorded, not sent, and not lost.
      status: endpoint.is_active ? "pending" : "skipped",
      attempt_count: 0,
      next_attempt_at: null,
      first_attempt_at: null,
      created_at: at,
      updated_at: at,
      attempts: [],
    };
  }

  async function fanOut(event: EventToDeliver, excludeWebhookId?: string): Promise<MessageResult> {
    const now = clock();
    const subscribed = (await endpoints.list(event.tenant_id)).filter(
      (e) => e.id !== excludeWebhookId && matchesAny(e.events, event.type),
    );
    const created = subscribed.map((endpoint) => newDelivery(endpoint, event, now));
    const stored: StoredEvent = {
      ...event,
      deliveries: created.map((d) => ({ webhook_id: d.webhook_id, delivery_id: d.id })),
    };
    const outcome = await deliveries.recordFanOut(
      stored,
      created,
      new Date(now.getTime() + IDEMPOTENCY_WINDOW_MS),
      new Date(now.getTime() + ATTEMPT_LEASE_MS),
    );
    if (outcome.recorded) {
      log.debug("event fanned out", {
        event_id: event.id,
        event_type: event.type,
        deliveries: created.length,
      });
      for (const d of created) if (d.status === "skipped") metrics.delivery("skipped");
      const byId = new Map(subscribed.map((e) => [e.id, e]));
      // The fan-out wrote attempt 1 of each pending delivery already claimed by this run.
      const sends = created
        .filter((d) => d.status === "pending")
        .map(async (d) =>
          asMessageResult(await attempt(d, 1, stored, byId.get(d.webhook_id), "skipped", outcome.lease)),
        );
      return worst(await Promise.all(sends));
    }
    // A duplicate: either a producer sent the id again (nothing left to do) or this very
    // message is back after a crash (finish what the first run started). Its leases, if
    // any, are the first run's: each attempt is claimed anew, once they have expired.
    log.info("duplicate event: resuming its deliveries", { event_id: event.id });
    const existing = outcome.existing;
    const results = await Promise.all(
      existing.deliveries.map(async (ref) => {
        const delivery = await deliveries.getDelivery(ref.webhook_id, ref.delivery_id);
        if (!delivery) return "done" as const;
        return resume(delivery, existing, await endpoints.get(existing.tenant_id, ref.webhook_id));
      }),
    );
    return worst(results);
  }

  /** Carries a delivery forward from whatever state a previous run of the same message left it in. */
  async function resume(
    delivery: Delivery,
    event: EventToDeliver,
    endpoint?: WebhookEndpoint,
  ): Promise<MessageResult> {
    if (delivery.status === "pending") return asMessageResult(await attempt(delivery, 1, event, endpoint, "skipped"));
    await finishRecordedAttempt(delivery, endpoint);
    return "done";
  }

  /** What follows a recorded attempt, for a run that died (or failed) right after recording it. */
  async function finishRecordedAttempt(delivery: Delivery, endpoint?: WebhookEndpoint): Promise<void> {
    if (delivery.status === "retrying" && delivery.next_attempt_at) {
      await deps.scheduler.scheduleRetry(
        retryMessage(delivery, delivery.attempt_count + 1),
        new Date(delivery.next_attempt_at),
      );
    }
    if (delivery.status === "failed" && endpoint) await finishFailure(delivery, endpoint);
  }

  /** The delivery a retry or resend message names, if it exists for that tenant; else logged. */
  async function deliveryOf(message: RetryMessage | ResendMessage): Promise<Delivery | undefined> {
    const delivery = await deliveries.getDelivery(message.webhook_id, message.delivery_id);
    if (delivery?.tenant_id === message.tenant_id) return delivery;
    log.warn(`${message.kind} for an unknown delivery: dropped`, { delivery_id: message.delivery_id });
    return undefined;
  }

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
    const event = await deliveries.getEvent(delivery.tenant_id, delivery.event_id);
    if (!event) {
      log.error("retry whose event is no longer stored: cancelled", { delivery_id: delivery.id });
      await deliveries.close(delivery, "cancelled", clock().toISOString());
      metrics.delivery("cancelled");
      return "done";
    }
    return asMessageResult(await attempt(delivery, message.attempt, event, endpoint, "cancelled"));
  }

  /** A resend that recover queued: made once, if the delivery is still where recover found it. */
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
    return asMessageResult(await oneOffAttempt(delivery, message.attempt, event, endpoint));
  }

  /** Why an attempt was not made, or that it was. */
  type AttemptOutcome = "sent" | "closed" | "leased" | "moved_on" | "lease_lost";

  /** What a worker does with an attempt it could not make: try later only while a lease blocks it. */
  const asMessageResult = (outcome: AttemptOutcome): MessageResult =>
    outcome === "leased" ? "retry_later" : "done";

  /**
   * Attempt `number` of a delivery on its retry schedule: sends it, records it, then
   * schedules the next attempt or, after the last, disables the endpoint. `lease` is
   * the attempt's lease when this run holds it already (its own fan-out wrote it).
   */
  async function attempt(
    delivery: Delivery,
    number: number,
    event: EventToDeliver,
    endpoint: WebhookEndpoint | undefined,
    statusIfInactive: "skipped" | "cancelled",
    lease?: string,
  ): Promise<AttemptOutcome> {
    // SPEC 5: a retry that finds its endpoint deleted or disabled does not send.
    if (!endpoint?.is_active) {
      await deliveries.close(delivery, statusIfInactive, clock().toISOString());
      metrics.delivery(statusIfInactive);
      return "closed";
    }
    const sent = await sendAttempt(
      delivery,
      number,
      event,
      endpoint,
      { from: "open", lease },
      (result, now, firstAttemptAt) =>
        nextStep(result, { attempt: number, firstAttemptAt, now, schedule: deps.schedule }),
    );
    if (sent.outcome !== "sent") return sent.outcome;
    const { step, now } = sent;
    switch (step.kind) {
      case "succeeded":
        metrics.delivery("succeeded");
        break;
      case "retry":
        metrics.delivery("retried");
        await deps.scheduler.scheduleRetry(retryMessage(delivery, number + 1), step.at);
        break;
      case "gone":
      case "failed":
        metrics.delivery("failed");
        await disable(
          endpoint,
          step.kind === "gone" ? "gone" : "delivery_failed",
          delivery,
          now.toISOString(),
        );
        break;
    }
    return "sent";
  }

  /**
   * An attempt an operator asked for (test, retry now, recover): sent once, whatever state
   * the delivery is in, and nothing follows it: no retries, and it never disables the endpoint.
   */
  async function oneOffAttempt(
    delivery: Delivery,
    number: number,
    event: EventToDeliver,
    endpoint: WebhookEndpoint,
    lease?: string,
  ): Promise<AttemptOutcome> {
    const sent = await sendAttempt(delivery, number, event, endpoint, { from: "any", lease }, (result) =>
      isSuccessfulAttempt(result) ? { kind: "succeeded" } : { kind: "failed" },
    );
    return sent.outcome;
  }

  /**
   * Claims attempt `number` (unless this run holds its `lease` already), sends it, and
   * records it with the status `decide` gives.
   */
  async function sendAttempt(
    delivery: Delivery,
    number: number,
    event: EventToDeliver,
    endpoint: WebhookEndpoint,
    { from, lease }: { from: "open" | "any"; lease: string | undefined },
    decide: (result: AttemptResult, now: Date, firstAttemptAt: Date) => NextStep,
  ): Promise<{ outcome: Exclude<AttemptOutcome, "sent"> } | { outcome: "sent"; step: NextStep; now: Date }> {
    const started = clock();
    const claim =
      lease !== undefined
        ? { claimed: true as const, lease }
        : await deliveries.claimAttempt(
            delivery,
            number,
            new Date(started.getTime() + ATTEMPT_LEASE_MS),
            started,
            from,
          );
    if (!claim.claimed) return { outcome: claim.reason };

    const request = buildWebhookRequest({
      target: {
        url: endpoint.url,
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
    const result = await deps.sender.send(request);
    metrics.attemptLatency(result.duration_ms);
    const now = clock();
    const startedAt = started.toISOString();
    const firstAttemptAt = delivery.first_attempt_at ?? startedAt;
    const step = decide(result, now, new Date(firstAttemptAt));
    const record: DeliveryAttempt = {
      number,
      attempted_at: startedAt,
      status_code: result.status_code,
      error: result.error,
      duration_ms: result.duration_ms,
      response_body: result.response_body,
    };
    const kept = await deliveries.recordAttempt(delivery, claim.lease, record, {
      status: step.kind === "succeeded" ? "succeeded" : step.kind === "retry" ? "retrying" : "failed",
      next_attempt_at: step.kind === "retry" ? step.at.toISOString() : null,
      first_attempt_at: firstAttemptAt,
      updated_at: now.toISOString(),
    });
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
      outcome: step.kind,
    };
    // Every attempt is in the delivery log. The function log carries the failures: a line per
    // success would cost more CPU than the POST itself (docs/performance.md).
    if (step.kind === "succeeded") log.debug("delivery attempt", line);
    else log.info("delivery attempt", line);
    return { outcome: "sent", step, now };
  }

  /**
   * After a terminal failure recorded by an earlier run that then hit an error: disable the
   * endpoint unless the tenant changed it since (re-enabling moves updated_at past the
   * failure), and re-send the notice if this failure disabled it.
   */
  async function finishFailure(delivery: Delivery, endpoint: WebhookEndpoint): Promise<void> {
    const gone = delivery.attempts.at(-1)?.status_code === 410;
    const reason: DisabledReason = gone ? "gone" : "delivery_failed";
    const failedAt = delivery.updated_at;
    if (endpoint.is_active && endpoint.updated_at <= failedAt)
      await disable(endpoint, reason, delivery, failedAt);
    else if (
      !endpoint.is_active &&
      endpoint.disabled_reason === reason &&
      endpoint.disabled_at === failedAt
    ) {
      await notifyDisabled(endpoint, reason, delivery, failedAt);
    }
  }

  /** Disables a dead endpoint and tells the tenant's other endpoints (SPEC 5). */
  async function disable(endpoint: WebhookEndpoint, reason: DisabledReason, cause: Delivery, at: string) {
    if (!(await endpoints.disable(endpoint.tenant_id, endpoint.id, reason, at))) return;
    metrics.endpointDisabled(reason);
    log.warn("endpoint disabled", { webhook_id: endpoint.id, reason, delivery_id: cause.id });
    await notifyDisabled(endpoint, reason, cause, at);
  }

  async function notifyDisabled(
    endpoint: WebhookEndpoint,
    reason: DisabledReason,
    cause: Delivery,
    at: string,
  ) {
    await deps.queue.publish({
      kind: "platform_event",
      tenant_id: endpoint.tenant_id,
      event: {
        // Derived from the failed delivery, so publishing it again is deduplicated by the fan-out.
        id: `evt_disabled_${cause.id}`,
        type: PLATFORM_EVENT_TYPES.disabled,
        created_at: at,
        data: {
          webhook_id: endpoint.id,
          name: endpoint.name,
          url: endpoint.url,
          disabled_reason: reason,
          disabled_at: at,
        },
      },
      exclude_webhook_id: endpoint.id,
    });
  }

  function producerEvent(event: EventMessage, messageId: string): EventToDeliver {
    const received = clock().toISOString();
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
      const parsed = parseQueueMessage(body);
      if (!parsed.ok) {
        // SPEC 3: not retried in a loop, not dropped: to the dead-letter queue at once, with the reason.
        log.warn("invalid message sent to the dead-letter queue", {
          message_id: messageId,
          reason: parsed.reason,
        });
        await deps.queue.deadLetter(body, parsed.reason, messageId);
        return "done";
      }
      const message = parsed.message;
      switch (message.kind) {
        case "event":
          return fanOut(producerEvent(message.event, messageId));
        case "platform_event":
          return fanOut(platformEvent(message), message.exclude_webhook_id);
        case "retry":
          return retry(message);
        case "resend":
          return resend(message);
        case "recover":
          await deps.recovery.continueRecovery(message);
          return "done";
      }
    },

    /**
     * POST /v1/webhooks/{id}/test: a webhook.test event to this endpoint alone, sent now and
     * once, even while the endpoint is disabled (so it can be checked before re-enabling it).
     */
    async sendTest(endpoint: WebhookEndpoint): Promise<Delivery> {
      const now = clock();
      const event: EventToDeliver = {
        tenant_id: endpoint.tenant_id,
        id: `evt_test_${ulid(now.getTime())}`,
        type: PLATFORM_EVENT_TYPES.test,
        created_at: now.toISOString(),
        data: { webhook_id: endpoint.id, message: "A test event: this endpoint is reachable." },
      };
      const delivery: Delivery = { ...newDelivery(endpoint, event, now), status: "pending" };
      const recorded = await deliveries.recordFanOut(
        { ...event, deliveries: [{ webhook_id: endpoint.id, delivery_id: delivery.id }] },
        [delivery],
        new Date(now.getTime() + IDEMPOTENCY_WINDOW_MS),
        new Date(now.getTime() + ATTEMPT_LEASE_MS),
      );
      await oneOffAttempt(delivery, 1, event, endpoint, recorded.recorded ? recorded.lease : undefined);
      return (await deliveries.getDelivery(endpoint.id, delivery.id)) ?? delivery;
    },

    /**
     * POST .../deliveries/{delivery_id}/retry: the next attempt, now, with the same webhook-id.
     * A delivery still retrying to an active endpoint makes its next scheduled attempt early,
     * and the schedule goes on from there; any other is sent once, as a test is.
     */
    async resendNow(delivery: Delivery, endpoint: WebhookEndpoint): Promise<Delivery> {
      // A pending delivery's first attempt is on its way from the queue, except a test's: no
      // message backs it, so one whose API request died first is sent here (once its lease ends).
      if (delivery.status === "pending" && delivery.event_type !== PLATFORM_EVENT_TYPES.test) {
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
        delivery.status === "retrying" && endpoint.is_active
          ? await attempt(delivery, number, event, endpoint, "cancelled")
          : await oneOffAttempt(delivery, number, event, endpoint);
      if (outcome === "leased" || outcome === "moved_on") {
        throw new ConflictError(
          `another attempt of delivery ${delivery.id} is under way; try again in a few seconds`,
        );
      }
      return (await deliveries.getDelivery(delivery.webhook_id, delivery.id)) ?? delivery;
    },
  };
}

function retryMessage(delivery: Delivery, attempt: number): RetryMessage {
  return {
    kind: "retry",
    tenant_id: delivery.tenant_id,
    webhook_id: delivery.webhook_id,
    delivery_id: delivery.id,
    attempt,
  };
}

export type EventDelivery = ReturnType<typeof eventDelivery>;
