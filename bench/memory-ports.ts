/**
 * @module In-memory ports for running the delivery use case without storage. The
 * store keeps the DynamoDB adapter's semantics (idempotent fan-out within the
 * window whose event leases attempt 1 of the deliveries it sends, written with
 * that attempt; conditional claim with a lease, lease-checked record,
 * conditional close) with plain Maps, so
 * the use case takes the same paths as in production while the storage cost
 * is left out.
 */
import { randomUUID } from "node:crypto";
import exampleCatalog from "../catalogs/jurichat.json" with { type: "json" };
import { cachedCatalog, type EventTypeStore } from "../lambdas/core/catalog/catalog";
import { eventChecker } from "../lambdas/core/catalog/event-check";
import type { EventTypeDefinition } from "../lambdas/core/catalog/event-type";
import type { Delivery, DeliveryAttempt, StoredEvent } from "../lambdas/core/delivery/model";
import type {
  BreakerClosing,
  BreakerOpening,
  ClaimFrom,
  DeliveryMetrics,
  DeliveryOutcome,
  DeliveryStore,
  DeliveryUpdate,
  EndpointDisabler,
  EndpointHealthStore,
  EventQueue,
  FanOutRecord,
  FanOutWrite,
  Log,
  ParkedPage,
  ParkWrite,
  RetryScheduler,
  SlowLane,
} from "../lambdas/core/delivery/ports";
import { isParking } from "../lambdas/core/delivery/policy";
import type { EventDeliveryDeps } from "../lambdas/core/delivery";
import type { ProbeMessage, RetryMessage, SlowLaneMessage } from "../lambdas/core/queue-message";
import {
  type DisabledReason,
  type EndpointHealth,
  HEALTHY,
  type HealthState,
  type WebhookEndpoint,
} from "../lambdas/core/webhook-endpoint";
import type { OutboundRequest } from "../lambdas/core/webhook-request";
import type { AttemptResult, WebhookSender } from "../lambdas/core/webhook-sender";
import { isSuccessfulAttempt } from "../lambdas/core/webhook-sender";
import type { WebhookStore } from "../lambdas/core/webhook-store";

type StoredDelivery = Delivery & { readonly lease?: string; readonly lease_until?: number };

const CLAIMABLE: Record<ClaimFrom, (d: Delivery) => boolean> = {
  open: (d) => d.status === "pending" || d.status === "retrying",
  parked: (d) => d.status === "parked",
  any: () => true,
};
const isUnfinished = (d: Delivery) => CLAIMABLE.open(d) || d.status === "parked";
const isParkable = (d: Delivery) =>
  CLAIMABLE.open(d) || d.status === "parked" || d.status === "failed" || d.status === "skipped";
const leaseIsLive = (d: StoredDelivery, now: number) => d.lease_until !== undefined && d.lease_until >= now;

export class MemoryDeliveryStore implements DeliveryStore {
  private readonly events = new Map<string, { event: StoredEvent; until: number; leaseUntil: number }>();
  private readonly deliveries = new Map<string, StoredDelivery>();

  /** Forgets everything (between measurement windows, so the heap does not grow run over run). */
  clear(): void {
    this.events.clear();
    this.deliveries.clear();
  }

  /**
   * Forgets the deliveries `drop` picks, and the events no delivery left refers to: between
   * windows of a run whose slow lane still works on some deliveries (clear() would pull
   * those from under it, so their attempts would end "lease_lost" and count for nothing).
   */
  clearWhere(drop: (d: Delivery) => boolean): void {
    const kept = new Set<string>();
    for (const [key, d] of this.deliveries) {
      if (drop(d)) this.deliveries.delete(key);
      else kept.add(`${d.tenant_id}#${d.event_id}`);
    }
    for (const key of this.events.keys()) if (!kept.has(key)) this.events.delete(key);
  }

  /** Every stored delivery, for tests that check what a run left. */
  all(): Delivery[] {
    return [...this.deliveries.values()].map(withoutLease);
  }

  async recordFanOut(
    event: StoredEvent,
    deliveries: readonly Delivery[],
    write: FanOutWrite,
  ): Promise<FanOutRecord> {
    const key = `${event.tenant_id}#${event.id}`;
    const prior = this.events.get(key);
    if (prior && prior.until >= Date.now()) return { recorded: false, existing: prior.event };
    for (const d of deliveries) {
      if (this.deliveries.has(`${d.webhook_id}#${d.id}`)) throw new Error(`delivery ${d.id} exists`);
    }
    this.events.set(key, {
      event,
      until: write.idempotentUntil.getTime(),
      leaseUntil: write.leaseUntil.getTime(),
    });
    // The leased ones are written with their first attempt (recordFirstAttempt).
    await this.recordDeliveries(deliveries.filter((d) => !write.leased.has(d.id)));
    return { recorded: true, lease: randomUUID() };
  }

  async claimFanOut(event: StoredEvent, leaseUntil: Date, now: Date): Promise<boolean> {
    const key = `${event.tenant_id}#${event.id}`;
    const stored = this.events.get(key);
    if (!stored || stored.leaseUntil >= now.getTime()) return false;
    this.events.set(key, { ...stored, leaseUntil: leaseUntil.getTime() });
    return true;
  }

  async recordDeliveries(deliveries: readonly Delivery[]): Promise<void> {
    for (const d of deliveries) {
      const key = `${d.webhook_id}#${d.id}`;
      if (!this.deliveries.has(key)) this.deliveries.set(key, d);
    }
  }

  async recordFirstAttempt(
    delivery: Delivery,
    attempt: DeliveryAttempt,
    update: DeliveryUpdate,
  ): Promise<boolean> {
    const key = `${delivery.webhook_id}#${delivery.id}`;
    if (this.deliveries.has(key)) return false;
    this.deliveries.set(key, { ...delivery, ...update, attempt_count: attempt.number, attempts: [attempt] });
    return true;
  }

  async getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined> {
    return this.events.get(`${tenantId}#${eventId}`)?.event;
  }

  async getDelivery(webhookId: string, deliveryId: string): Promise<Delivery | undefined> {
    const stored = this.deliveries.get(`${webhookId}#${deliveryId}`);
    return stored && withoutLease(stored);
  }

  async claimAttempt(
    delivery: Delivery,
    attempt: number,
    leaseUntil: Date,
    now: Date,
    from: ClaimFrom = "open",
  ): Promise<{ claimed: true; lease: string } | { claimed: false; reason: "leased" | "moved_on" }> {
    const key = `${delivery.webhook_id}#${delivery.id}`;
    const current = this.deliveries.get(key);
    const due = current?.attempt_count === attempt - 1 && CLAIMABLE[from](current);
    if (current && due && !leaseIsLive(current, now.getTime())) {
      const lease = randomUUID();
      this.deliveries.set(key, { ...current, lease, lease_until: leaseUntil.getTime() });
      return { claimed: true, lease };
    }
    return { claimed: false, reason: due ? "leased" : "moved_on" };
  }

  async recordAttempt(
    delivery: Delivery,
    lease: string,
    attempt: DeliveryAttempt,
    update: DeliveryUpdate,
  ): Promise<boolean> {
    const key = `${delivery.webhook_id}#${delivery.id}`;
    const current = this.deliveries.get(key);
    if (!current || current.lease !== lease) return false;
    const rest = withoutLease(current);
    this.deliveries.set(key, {
      ...rest,
      ...update,
      attempt_count: attempt.number,
      attempts: [...rest.attempts, attempt],
    });
    return true;
  }

  async close(delivery: Delivery, status: "skipped" | "cancelled", updatedAt: string): Promise<void> {
    const key = `${delivery.webhook_id}#${delivery.id}`;
    const current = this.deliveries.get(key);
    if (!current || current.attempt_count !== delivery.attempt_count || !isUnfinished(current)) return;
    this.deliveries.set(key, { ...current, status, next_attempt_at: null, updated_at: updatedAt });
  }

  async park(delivery: Delivery, park: ParkWrite): Promise<"parked" | "moved_on"> {
    const key = `${delivery.webhook_id}#${delivery.id}`;
    const current = this.deliveries.get(key);
    if (!current || current.attempt_count !== delivery.attempt_count || !isParkable(current))
      return "moved_on";
    if (leaseIsLive(current, park.now.getTime())) return "moved_on";
    this.deliveries.set(key, {
      ...current,
      status: "parked",
      next_attempt_at: park.nextAttemptAt,
      updated_at: park.updatedAt,
    });
    return "parked";
  }

  async listParked(webhookId: string, from: string, limit: number): Promise<ParkedPage> {
    const parked = [...this.deliveries.values()]
      .filter((d) => d.webhook_id === webhookId && d.status === "parked" && d.id >= from)
      .sort((a, b) => a.id.localeCompare(b.id))
      .map(withoutLease);
    const next = parked[limit]?.id;
    return next === undefined ? { items: parked } : { items: parked.slice(0, limit), next };
  }
}

function withoutLease(stored: StoredDelivery): Delivery {
  const { lease: _lease, lease_until: _until, ...delivery } = stored;
  return delivery;
}

/** Endpoints by tenant, each with its health; `list` answers the tenant's endpoints as a Query would. */
export class MemoryEndpoints
  implements Pick<WebhookStore, "get" | "list">, EndpointDisabler, EndpointHealthStore
{
  private readonly byTenant = new Map<string, WebhookEndpoint[]>();

  add(endpoint: WebhookEndpoint): void {
    const list = this.byTenant.get(endpoint.tenant_id) ?? [];
    list.push(endpoint);
    this.byTenant.set(endpoint.tenant_id, list);
  }

  /** Removes an endpoint, as a tenant's DELETE does. */
  remove(tenantId: string, id: string): void {
    this.byTenant.set(
      tenantId,
      (this.byTenant.get(tenantId) ?? []).filter((e) => e.id !== id),
    );
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
    return this.byTenant.get(tenantId)?.find((e) => e.id === id);
  }

  async list(tenantId: string): Promise<WebhookEndpoint[]> {
    return [...(this.byTenant.get(tenantId) ?? [])];
  }

  async disable(tenantId: string, webhookId: string, reason: DisabledReason, at: string): Promise<boolean> {
    const endpoint = this.find(tenantId, webhookId);
    if (!endpoint?.is_active) return false;
    // A new version, as in DynamoDB: a tenant's write of the endpoint as read before must fail stale.
    const disabled = { is_active: false, disabled_reason: reason, disabled_at: at, updated_at: at };
    this.replace({ ...endpoint, ...disabled, version: endpoint.version + 1 });
    return true;
  }

  async recordFailure(endpoint: WebhookEndpoint, at: string): Promise<EndpointHealth> {
    const health = this.healthOf(endpoint);
    return this.setHealth(endpoint, { ...health, consecutive_failures: health.consecutive_failures + 1 }, at);
  }

  async markSlow(endpoint: WebhookEndpoint, at: string): Promise<void> {
    const health = this.healthOf(endpoint);
    if (health.state === "healthy") this.setHealth(endpoint, { ...health, state: "slow", since: at }, at);
  }

  async recordSuccess(
    endpoint: WebhookEndpoint,
    state: Exclude<HealthState, "open">,
    at: string,
  ): Promise<void> {
    const health = this.healthOf(endpoint);
    if (isParking(health)) return;
    const since = health.state === state ? health.since : at;
    this.setHealth(endpoint, { ...health, state, since, consecutive_failures: 0 }, at);
  }

  async openBreaker(endpoint: WebhookEndpoint, opening: BreakerOpening): Promise<boolean> {
    const health = this.healthOf(endpoint);
    if (isParking(health)) return false;
    this.setHealth(endpoint, {
      ...health,
      state: "open",
      since: opening.openedAt,
      opened_at: opening.openedAt,
      probes: 0,
      next_probe_at: opening.nextProbeAt,
      parked_from: health.parked_from ?? opening.parkedFrom,
    });
    return true;
  }

  async recordFailedProbe(
    endpoint: WebhookEndpoint,
    openedAt: string,
    probe: number,
    nextProbeAt: string | null,
  ): Promise<EndpointHealth | undefined> {
    const health = this.healthOf(endpoint);
    if (!this.isOpenAt(health, openedAt) || health.probes !== probe - 1) return undefined;
    return this.setHealth(endpoint, {
      ...health,
      probes: probe,
      next_probe_at: nextProbeAt,
      consecutive_failures: health.consecutive_failures + 1,
    });
  }

  async stopParking(endpoint: WebhookEndpoint, openedAt: string): Promise<EndpointHealth | undefined> {
    const health = this.healthOf(endpoint);
    if (!this.isOpenAt(health, openedAt)) return undefined;
    return this.setHealth(endpoint, { ...health, next_probe_at: null });
  }

  async closeBreaker(
    endpoint: WebhookEndpoint,
    openedAt: string,
    closing: BreakerClosing,
  ): Promise<EndpointHealth | undefined> {
    const health = this.healthOf(endpoint);
    if (!this.isOpenAt(health, openedAt)) return undefined;
    return this.setHealth(endpoint, {
      ...health,
      state: closing.state,
      since: closing.at,
      consecutive_failures: closing.consecutiveFailures,
      probes: 0,
      next_probe_at: null,
    });
  }

  async finishDrain(endpoint: WebhookEndpoint): Promise<void> {
    const health = this.healthOf(endpoint);
    if (!isParking(health)) this.setHealth(endpoint, { ...health, parked_from: null });
  }

  async moveParkedFromBack(
    endpoint: WebhookEndpoint,
    openedAt: string,
    deliveryId: string,
  ): Promise<boolean> {
    const health = this.healthOf(endpoint);
    const from = health.parked_from;
    if (!this.isOpenAt(health, openedAt) || !isParking(health) || (from !== null && from <= deliveryId))
      return false;
    this.setHealth(endpoint, { ...health, parked_from: deliveryId });
    return true;
  }

  private isOpenAt(health: EndpointHealth, openedAt: string): boolean {
    return health.state === "open" && health.opened_at === openedAt;
  }

  private find(tenantId: string, id: string): WebhookEndpoint | undefined {
    return this.byTenant.get(tenantId)?.find((e) => e.id === id);
  }

  /** The stored health (the caller's copy may be stale, as a worker's read is). */
  private healthOf(endpoint: WebhookEndpoint): EndpointHealth {
    return this.find(endpoint.tenant_id, endpoint.id)?.health ?? HEALTHY;
  }

  private setHealth(endpoint: WebhookEndpoint, health: EndpointHealth, _at?: string): EndpointHealth {
    const current = this.find(endpoint.tenant_id, endpoint.id);
    if (current) this.replace({ ...current, health });
    return health;
  }

  private replace(endpoint: WebhookEndpoint): void {
    const list = this.byTenant.get(endpoint.tenant_id) ?? [];
    this.byTenant.set(
      endpoint.tenant_id,
      list.map((e) => (e.id === endpoint.id ? endpoint : e)),
    );
  }
}

/** Counts outcomes (so a run can check that what it timed really was delivered) and otherwise does nothing. */
export class CountingMetrics implements DeliveryMetrics {
  readonly outcomes: Record<DeliveryOutcome, number> = {
    succeeded: 0,
    retried: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    parked: 0,
  };
  readonly healthChanges: HealthState[] = [];

  constructor(private readonly inner?: DeliveryMetrics) {}

  delivery(outcome: DeliveryOutcome): void {
    this.outcomes[outcome]++;
    this.inner?.delivery(outcome);
  }

  attemptLatency(ms: number): void {
    this.inner?.attemptLatency(ms);
  }

  endpointDisabled(reason: DisabledReason): void {
    this.inner?.endpointDisabled(reason);
  }

  endpointHealth(state: HealthState): void {
    this.healthChanges.push(state);
    this.inner?.endpointHealth(state);
  }

  reset(): void {
    for (const k of Object.keys(this.outcomes) as DeliveryOutcome[]) this.outcomes[k] = 0;
    this.healthChanges.length = 0;
  }
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** Counts what would be scheduled, and keeps it, so a test or the bench can fire it when it likes. */
export class NoScheduler implements RetryScheduler {
  scheduled = 0;
  readonly retries: { message: RetryMessage; at: Date }[] = [];
  readonly probes: { message: ProbeMessage; at: Date }[] = [];

  async scheduleRetry(message: RetryMessage, at: Date): Promise<void> {
    this.scheduled++;
    this.retries.push({ message, at });
  }

  async scheduleProbe(message: ProbeMessage, at: Date): Promise<void> {
    this.scheduled++;
    this.probes.push({ message, at });
  }
}

/** The slow lane as a list: a test or the bench hands its messages to a worker when it likes. */
export class MemorySlowLane implements SlowLane {
  readonly messages: { message: SlowLaneMessage; delaySeconds: number }[] = [];
  /** Messages sent so far by endpoint (webhook id), taken or not. */
  readonly sentTo = new Map<string, number>();

  async send(message: SlowLaneMessage, delaySeconds = 0): Promise<void> {
    this.sentTo.set(message.webhook_id, (this.sentTo.get(message.webhook_id) ?? 0) + 1);
    this.messages.push({ message, delaySeconds });
  }

  /** Takes up to `max` of the oldest messages, as one ReceiveMessage does; their delays are the taker's to honour. */
  receive(max: number): { message: SlowLaneMessage; delaySeconds: number }[] {
    return this.messages.splice(0, max);
  }

  /** Takes every message queued so far. */
  take(): SlowLaneMessage[] {
    return this.messages.splice(0).map((m) => m.message);
  }
}

export const noQueue: EventQueue = {
  async publish() {},
  async deadLetter() {},
};

/** The bench sends no recover messages. */
export const noRecovery: EventDeliveryDeps["recovery"] = {
  async continueRecovery() {
    throw new Error("the bench sends no recover messages");
  },
};

/** Times every send, by whether the URL is one of the hanging endpoints; for the slow-endpoint runs. */
export class TimedSender implements WebhookSender {
  readonly healthy: { ms: number; ok: boolean }[] = [];
  readonly hanging: { ms: number; ok: boolean }[] = [];

  constructor(
    private readonly inner: WebhookSender,
    private readonly isHanging: (url: string) => boolean,
  ) {}

  async send(request: OutboundRequest): Promise<AttemptResult> {
    const started = performance.now();
    const result = await this.inner.send(request);
    const sample = { ms: performance.now() - started, ok: isSuccessfulAttempt(result) };
    (this.isHanging(request.url) ? this.hanging : this.healthy).push(sample);
    return result;
  }

  reset(): void {
    this.healthy.length = 0;
    this.hanging.length = 0;
  }
}

/** The lane settings of a main-lane worker with the stack's defaults, over an in-memory slow lane. */
export function laneDefaults() {
  return {
    slowLane: new MemorySlowLane(),
    lane: "main" as const,
    breakerThreshold: 10,
    drainRatePerSecond: 20,
    eventCheck: exampleEventCheck(),
  };
}

/** The event-type catalog in memory. */
export class MemoryEventTypeStore implements EventTypeStore {
  readonly types = new Map<string, EventTypeDefinition>();

  async list(): Promise<EventTypeDefinition[]> {
    return [...this.types.values()];
  }

  async get(type: string): Promise<EventTypeDefinition | undefined> {
    return this.types.get(type);
  }

  async put(definition: EventTypeDefinition): Promise<{ created: boolean; created_at: string }> {
    const before = this.types.get(definition.type);
    const created_at = before?.created_at ?? definition.created_at;
    this.types.set(definition.type, { ...definition, created_at });
    return { created: before === undefined, created_at };
  }

  async remove(type: string): Promise<boolean> {
    return this.types.delete(type);
  }
}

/** The local run's example catalog (catalogs/jurichat.json), in memory, as ingest checks it. */
export function exampleEventCheck() {
  const store = new MemoryEventTypeStore();
  const at = "2026-01-01T00:00:00.000Z";
  for (const entry of exampleCatalog.event_types) {
    store.types.set(entry.type, {
      type: entry.type,
      description: entry.description,
      schema: (entry as { schema?: Record<string, unknown> }).schema ?? null,
      example: entry.example,
      deprecated: false,
      created_at: at,
      updated_at: at,
    });
  }
  return eventChecker(cachedCatalog(store, 60_000));
}
