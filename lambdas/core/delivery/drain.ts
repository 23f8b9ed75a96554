/**
 * @module Walks over an endpoint's parked deliveries, oldest first, a part per
 * queue message (docs/delivery.md): after its breaker closes they are sent at a bounded
 * rate that honours Retry-After; after its endpoint is disabled they are
 * recorded skipped (so recover resends them), after it is deleted cancelled.
 * A part that dies comes back from the queue and starts where it started: what
 * it sent is no longer parked, and a live lease makes it wait.
 *
 * Parking is not fenced against the breaker closing (a fence on the breaker's one
 * item would make every fan-out to a busy endpoint contend for it): a worker that
 * read the breaker open may park a delivery just after a walk went past it. So a
 * walk ends with a sweep, a second pass from where it began, after the longest a
 * worker can hold such a read: its function's timeout.
 */
import type { DrainMessage } from "../queue-message";
import type { WebhookEndpoint } from "../webhook-endpoint";
import { type Attempts, asMessageResult } from "./attempt";
import { type DeliveryContext, type MessageResult, worst } from "./context";
import type { EndpointHealthRules } from "./endpoint-health";
import type { Delivered, FollowUps } from "./follow-ups";
import type { Delivery } from "./model";
import { isParking } from "./policy";

/**
 * A part is a second's worth of deliveries at the drain's rate, sent ten at a time at most;
 * the next part is held back for the rest of that second (SQS delays are whole seconds).
 */
export const drainPartSize = (ratePerSecond: number): number =>
  Math.max(1, Math.min(100, Math.floor(ratePerSecond)));
const PART_PACE_MS = 1000;
const MAX_CONCURRENCY = 10;
/** SQS holds a message back 15 minutes at most; a longer Retry-After is waited out in several parts. */
const MAX_DELAY_SECONDS = 900;
/** Twice the delivery workers' 60 s timeout: no worker that read the breaker open parks after this. */
export const SWEEP_DELAY_SECONDS = 120;

export function drains(
  ctx: DeliveryContext,
  { deliver }: Pick<FollowUps, "deliver">,
  { walkParked }: Pick<EndpointHealthRules, "walkParked">,
  { eventToSend }: Pick<Attempts, "eventToSend">,
) {
  const { deliveries, endpoints, healthStore, log } = ctx;

  async function drain(message: DrainMessage): Promise<MessageResult> {
    const endpoint = await endpoints.get(message.tenant_id, message.webhook_id);
    let mode = message.mode;
    if (!endpoint) mode = "cancel";
    else if (!endpoint.is_active && mode === "send") mode = "skip";
    // Open again: its own probes own the parked deliveries now (its parked_from still reaches them).
    if (mode === "send" && endpoint && isParking(endpoint.health)) return "done";
    const started = ctx.now().getTime();
    const wait = message.not_before ? Date.parse(message.not_before) - started : 0;
    if (mode === "send" && wait > 0) {
      // Still inside a Retry-After: hold the part back again, up to SQS's limit.
      await ctx.slowLane.send(message, Math.min(MAX_DELAY_SECONDS, Math.ceil(wait / 1000)));
      return "done";
    }

    const page = await deliveries.listParked(
      message.webhook_id,
      message.from,
      drainPartSize(ctx.drainRatePerSecond),
    );
    let results: MessageResult[];
    let retryAfterMs = 0;
    let next = page.next;
    if (mode === "send" && endpoint) {
      const sent = await sendAll(page.items, endpoint);
      // Its own failures opened the breaker again: the new breaker's probes take it from here.
      if (sent.stopped === "reopened") return worst(sent.results);
      // Or disabled the endpoint: what is still parked is skipped, as after a breaker's last probe.
      if (sent.stopped === "disabled") {
        await walkParked(endpoint, "skip", sent.unsent ?? message.from);
        return worst(sent.results);
      }
      results = sent.results;
      retryAfterMs = sent.retryAfterMs;
      next = sent.unsent ?? next;
    } else {
      const status = mode === "skip" ? "skipped" : "cancelled";
      const at = ctx.now().toISOString();
      await Promise.all(page.items.map((d) => deliveries.close(d, status, at)));
      for (const _ of page.items) ctx.metrics.delivery(status);
      results = [];
    }
    // A delivery another worker holds makes this part come back, from where it started.
    if (worst(results) === "retry_later") return "retry_later";
    const { not_before: _waited, ...part } = message;
    const start = message.start ?? message.from;
    if (next === undefined && !message.sweep) {
      await ctx.slowLane.send({ ...part, mode, from: start, start, sweep: true }, SWEEP_DELAY_SECONDS);
      return "done";
    }
    if (next === undefined) {
      if (mode === "send" && endpoint) await healthStore.finishDrain(endpoint);
      log.info("parked deliveries walked", { webhook_id: message.webhook_id, mode });
      return "done";
    }
    const pace = mode === "send" ? PART_PACE_MS : 0;
    const now = ctx.now().getTime();
    const delaySeconds = Math.min(
      MAX_DELAY_SECONDS,
      Math.ceil(Math.max(started + pace - now, retryAfterMs) / 1000),
    );
    const notBefore = retryAfterMs > 0 ? { not_before: new Date(now + retryAfterMs).toISOString() } : {};
    await ctx.slowLane.send({ ...part, mode, from: next, start, ...notBefore }, delaySeconds);
    return "done";
  }

  /**
   * Sends a part's deliveries, a few at once and in order. A Retry-After stops the part:
   * `unsent` is where the next one starts. After a failure the endpoint is read again, and
   * the part stops if the breaker opened again.
   */
  async function sendAll(parked: readonly Delivery[], endpoint: WebhookEndpoint) {
    const results: MessageResult[] = [];
    let retryAfterMs = 0;
    let current = endpoint;
    let failedSince = false;
    let i = 0;
    const concurrency = Math.min(MAX_CONCURRENCY, drainPartSize(ctx.drainRatePerSecond));
    for (; i < parked.length && retryAfterMs === 0; i += concurrency) {
      if (failedSince) {
        const fresh = await endpoints.get(endpoint.tenant_id, endpoint.id);
        if (!fresh?.is_active)
          return { results, retryAfterMs, unsent: parked[i]?.id, stopped: "disabled" as const };
        if (isParking(fresh.health))
          return { results, retryAfterMs, unsent: parked[i]?.id, stopped: "reopened" as const };
        current = fresh;
        failedSince = false;
      }
      const sent = await Promise.all(
        parked.slice(i, i + concurrency).map(async (delivery) => {
          const event = await eventToSend(delivery, "parked delivery");
          if (!event) return { outcome: "closed" } satisfies Delivered;
          return deliver(delivery, delivery.attempt_count + 1, event, current, "skipped", { from: "parked" });
        }),
      );
      for (const s of sent) {
        results.push(asMessageResult(s.outcome));
        retryAfterMs = Math.max(retryAfterMs, s.retryAfterMs ?? 0);
        if (s.failed) failedSince = true;
      }
    }
    return { results, retryAfterMs, unsent: parked[i]?.id, stopped: undefined };
  }

  return { drain };
}
