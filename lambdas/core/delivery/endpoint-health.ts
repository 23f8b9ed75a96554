/**
 * @module Endpoint health (docs/delivery.md): what an attempt does to its endpoint's
 * health, the circuit breaker (open, park, probe, close, disable), and the
 * webhook.disabled notice. An outage costs one schedule per probe: while the
 * breaker is open, deliveries are parked without an HTTP attempt, and the
 * probe chain is what moves them on (a drain after it closes, or a walk that
 * records them skipped after its last probe fails).
 */
import { PLATFORM_EVENT_TYPES } from "../event-types";
import { firstUlidAt } from "../ulid";
import type { DisabledReason, EndpointHealth, WebhookEndpoint } from "../webhook-endpoint";
import type { AttemptResult } from "../webhook-sender";
import type { Attempts, Decision } from "./attempt";
import type { DeliveryContext, MessageResult } from "./context";
import type { Delivery } from "./model";
import { healthChange, opensBreaker, type ProbeOutcome, probeDueAt, probeOutcome } from "./policy";
import type { DrainMode, ProbeMessage } from "../queue-message";

/**
 * Parked deliveries are looked for from a minute before the breaker opened: a fan-out that
 * read the breaker open may name its deliveries by a clock a little behind the opener's.
 */
const PARKED_FROM_MARGIN_MS = 60_000;
/** Candidates a probe looks at when the oldest parked one cannot be sent (its event expired). */
const PROBE_CANDIDATES = 3;

export function endpointHealth(ctx: DeliveryContext, { sendAttempt, eventToSend }: Attempts) {
  const { endpoints, healthStore, deliveries, metrics, log } = ctx;

  /** Updates the endpoint's health after a scheduled attempt; writes nothing for a fast success when healthy. */
  async function afterAttempt(endpoint: WebhookEndpoint, result: AttemptResult): Promise<void> {
    const change = healthChange(endpoint.health, result);
    if (change.kind === "none") return;
    const at = ctx.now().toISOString();
    if (change.kind === "success") {
      await healthStore.recordSuccess(endpoint, change.state, at);
      if (change.state !== endpoint.health.state) metrics.endpointHealth(change.state);
      return;
    }
    const health = await healthStore.recordFailure(endpoint, at);
    if (opensBreaker(health, ctx.breakerThreshold)) await openBreaker(endpoint, at);
    else if (change.slow && health.state === "healthy") {
      await healthStore.markSlow(endpoint, at);
      metrics.endpointHealth("slow");
      log.info("endpoint moved to the slow lane", {
        webhook_id: endpoint.id,
        duration_ms: result.duration_ms,
      });
    }
  }

  /**
   * The first probe is scheduled before the breaker opens: a worker that dies between the two
   * leaves a probe that finds no breaker of its time and does nothing, never an open breaker
   * with nothing scheduled to close it. Workers opening it at once each schedule their own
   * probe; only the winner's opened_at matches when they fire.
   */
  async function openBreaker(endpoint: WebhookEndpoint, at: string): Promise<void> {
    const nextProbeAt = probeDueAt(at, 1, ctx.schedule) ?? new Date(at);
    await ctx.scheduler.scheduleProbe(probeMessage(endpoint, at, 1), nextProbeAt);
    const opened = await healthStore.openBreaker(endpoint, {
      openedAt: at,
      nextProbeAt: nextProbeAt.toISOString(),
      parkedFrom: `msg_${firstUlidAt(Date.parse(at) - PARKED_FROM_MARGIN_MS)}`,
    });
    if (!opened) return;
    metrics.endpointHealth("open");
    log.warn("circuit breaker opened: deliveries to the endpoint are parked", {
      webhook_id: endpoint.id,
      next_probe_at: nextProbeAt.toISOString(),
    });
  }

  /**
   * Parks a due delivery of an open endpoint; answers "moved_on" if another run took it first,
   * and "breaker_closed" if the breaker stopped parking since the endpoint was read and no walk
   * of it reaches this delivery (the caller then sends it).
   */
  async function park(
    delivery: Delivery,
    endpoint: WebhookEndpoint,
  ): Promise<"parked" | "moved_on" | "breaker_closed"> {
    const { health } = endpoint;
    const now = ctx.now();
    const parked = await deliveries.park(delivery, {
      nextAttemptAt: health.next_probe_at,
      updatedAt: now.toISOString(),
      now,
    });
    if (parked === "moved_on") return parked;
    if (await reachedByWalks(delivery, endpoint)) {
      metrics.delivery("parked");
      return "parked";
    }
    return "breaker_closed";
  }

  /**
   * Whether the breaker's walks reach a delivery just parked. Parking is not fenced against
   * the breaker closing (./drain.ts says why): a walk's last pass comes after any worker that
   * read the breaker open is done, so one at or after where the walks start is reached; an
   * older one (a retry due since before the breaker opened) moves the start back while the
   * breaker still parks, or is reached if another park moved it back further.
   */
  async function reachedByWalks(delivery: Delivery, endpoint: WebhookEndpoint): Promise<boolean> {
    const { parked_from: from, opened_at: openedAt } = endpoint.health;
    if (from !== null && delivery.id >= from) return true;
    if (await healthStore.moveParkedFromBack(endpoint, openedAt ?? "", delivery.id)) return true;
    const current = (await endpoints.get(endpoint.tenant_id, endpoint.id))?.health.parked_from;
    return current !== null && current !== undefined && current <= delivery.id;
  }

  /** Puts the first part of a walk over the endpoint's parked deliveries on the slow lane. */
  async function walkParked(
    endpoint: Pick<WebhookEndpoint, "tenant_id" | "id">,
    mode: DrainMode,
    from: string | null | undefined,
  ) {
    if (from === null || from === undefined) return; // nothing was parked
    await ctx.slowLane.send({
      kind: "drain",
      tenant_id: endpoint.tenant_id,
      webhook_id: endpoint.id,
      mode,
      from,
    });
  }

  /** Probe n of a breaker: the oldest parked delivery, sent once; its answer closes the breaker or not. */
  async function probe(message: ProbeMessage): Promise<MessageResult> {
    const endpoint = await endpoints.get(message.tenant_id, message.webhook_id);
    // Deleted meanwhile: what it parked is cancelled (its health went with it, so from the start).
    if (!endpoint) {
      await walkParked({ tenant_id: message.tenant_id, id: message.webhook_id }, "cancel", "");
      return "done";
    }
    const { health } = endpoint;
    if (health.opened_at !== message.opened_at) return "done"; // a probe of a breaker that did not open
    if (!endpoint.is_active) {
      // Disabled meanwhile (by the tenant, or by this breaker in a run that died before it
      // finished): stop parking, tell the tenant again if it was this breaker, skip the rest.
      const stopped =
        health.state === "open" ? await healthStore.stopParking(endpoint, message.opened_at) : health;
      const byThisBreaker =
        endpoint.disabled_reason !== "manual" && (endpoint.disabled_at ?? "") >= message.opened_at;
      if (byThisBreaker && endpoint.disabled_reason && endpoint.disabled_at) {
        await notifyDisabled(endpoint, endpoint.disabled_reason, breakerCause(message), endpoint.disabled_at);
      }
      await walkParked(endpoint, "skip", (stopped ?? health).parked_from);
      return "done";
    }
    if (health.state !== "open") {
      // This breaker closed already: a run that died right after closing it may not have queued its drain.
      await walkParked(endpoint, "send", health.parked_from);
      return "done";
    }
    if (health.probes === message.probe) {
      // Its failure is recorded already (this message is back after an error): finish what follows it.
      await afterFailedProbe(endpoint, message, health.next_probe_at === null ? health : undefined);
      return "done";
    }
    if (health.probes !== message.probe - 1) return "done";

    const page = await oldestParked(endpoint.id, health.parked_from ?? "");
    for (const candidate of page.items) {
      const event = await eventToSend(candidate, "parked delivery");
      if (!event) continue;
      const sent = await sendAttempt(
        candidate,
        candidate.attempt_count + 1,
        event,
        endpoint,
        { from: "parked" },
        (result): Decision & { outcome: ProbeOutcome } => {
          const outcome = probeOutcome(result, {
            openedAt: message.opened_at,
            probe: message.probe,
            schedule: ctx.schedule,
          });
          if (outcome.kind === "close") {
            return { status: "succeeded", next_attempt_at: null, label: "probe succeeded", outcome };
          }
          const next = outcome.kind === "next_probe" ? outcome.at.toISOString() : null;
          return { status: "parked", next_attempt_at: next, label: "probe failed", outcome };
        },
      );
      if (sent.outcome === "leased") return "retry_later";
      if (sent.outcome !== "sent") continue;
      await afterProbe(endpoint, message, sent.decision.outcome);
      return "done";
    }
    if (page.items.length > 0 || page.next !== undefined) return "retry_later";
    // Nothing is waiting, so nothing to probe with: close it half-way, one failure short of
    // the threshold, so that the next delivery is the probe, from the slow lane.
    const closed = await healthStore.closeBreaker(endpoint, message.opened_at, {
      state: "slow",
      at: ctx.now().toISOString(),
      consecutiveFailures: Math.max(0, ctx.breakerThreshold - 1),
    });
    if (closed) {
      log.info("circuit breaker closed: nothing was parked to probe with", { webhook_id: endpoint.id });
      await walkParked(endpoint, "send", closed.parked_from);
    }
    return "done";
  }

  async function afterProbe(
    endpoint: WebhookEndpoint,
    message: ProbeMessage,
    outcome: ProbeOutcome,
  ): Promise<void> {
    const at = ctx.now().toISOString();
    switch (outcome.kind) {
      case "close": {
        const closed = await healthStore.closeBreaker(endpoint, message.opened_at, {
          state: outcome.state,
          at,
          consecutiveFailures: 0,
        });
        if (!closed) return cancelIfDeleted(endpoint);
        metrics.endpointHealth(outcome.state);
        log.warn("circuit breaker closed: draining parked deliveries", { webhook_id: endpoint.id });
        // Read after closing, with every park that moved the start back.
        await walkParked(endpoint, "send", closed.parked_from);
        return;
      }
      case "gone": {
        const stopped = await healthStore.stopParking(endpoint, message.opened_at);
        if (!stopped) return cancelIfDeleted(endpoint);
        await disable(endpoint, "gone", breakerCause(message), at);
        await walkParked(endpoint, "skip", stopped.parked_from);
        return;
      }
      case "next_probe":
      case "disable":
        await afterFailedProbe(endpoint, message, undefined);
        return;
    }
  }

  /**
   * Schedules the next probe before recording this one's failure (so a failure is never
   * recorded with no probe to follow it); after the last, disables the endpoint and skips
   * what it parked. `recorded` is the health when the last failure is recorded already.
   */
  async function afterFailedProbe(
    endpoint: WebhookEndpoint,
    message: ProbeMessage,
    recorded: EndpointHealth | undefined,
  ): Promise<void> {
    const next = probeDueAt(message.opened_at, message.probe + 1, ctx.schedule);
    if (next) {
      await ctx.scheduler.scheduleProbe(probeMessage(endpoint, message.opened_at, message.probe + 1), next);
      await healthStore.recordFailedProbe(endpoint, message.opened_at, message.probe, next.toISOString());
      return;
    }
    const stopped =
      recorded ?? (await healthStore.recordFailedProbe(endpoint, message.opened_at, message.probe, null));
    if (!stopped) return;
    const at = ctx.now().toISOString();
    await disable(endpoint, "delivery_failed", breakerCause(message), at);
    await walkParked(endpoint, "skip", stopped.parked_from);
  }

  /** The oldest parked deliveries, past pages a store's work bound ended with nothing parked. */
  async function oldestParked(webhookId: string, from: string) {
    let page = await deliveries.listParked(webhookId, from, PROBE_CANDIDATES);
    for (let pages = 1; page.items.length === 0 && page.next !== undefined && pages < 10; pages++) {
      page = await deliveries.listParked(webhookId, page.next, PROBE_CANDIDATES);
    }
    return page;
  }

  /** A breaker move refused because the endpoint was deleted meanwhile: cancel what it parked. */
  async function cancelIfDeleted(endpoint: WebhookEndpoint): Promise<void> {
    if (await endpoints.get(endpoint.tenant_id, endpoint.id)) return;
    await walkParked(endpoint, "cancel", "");
  }

  /** Disables a dead endpoint and tells the tenant's other endpoints (docs/delivery.md). */
  async function disable(endpoint: WebhookEndpoint, reason: DisabledReason, causeId: string, at: string) {
    if (!(await endpoints.disable(endpoint.tenant_id, endpoint.id, reason, at))) return;
    metrics.endpointDisabled(reason);
    log.warn("endpoint disabled", { webhook_id: endpoint.id, reason, cause: causeId });
    await notifyDisabled(endpoint, reason, causeId, at);
  }

  async function notifyDisabled(
    endpoint: WebhookEndpoint,
    reason: DisabledReason,
    causeId: string,
    at: string,
  ) {
    await ctx.queue.publish({
      kind: "platform_event",
      tenant_id: endpoint.tenant_id,
      event: {
        // Derived from what disabled it, so publishing it again is deduplicated by the fan-out.
        id: `evt_disabled_${causeId}`,
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

  return { afterAttempt, park, probe, disable, notifyDisabled, walkParked };
}

export type EndpointHealthRules = ReturnType<typeof endpointHealth>;

/** What a breaker's disable is named by, the same in every run: its notice is deduplicated by it. */
const breakerCause = (message: ProbeMessage) =>
  `${message.webhook_id}_${Date.parse(message.opened_at).toString(36)}`;

function probeMessage(endpoint: WebhookEndpoint, openedAt: string, probe: number): ProbeMessage {
  return {
    kind: "probe",
    tenant_id: endpoint.tenant_id,
    webhook_id: endpoint.id,
    opened_at: openedAt,
    probe,
  };
}
