import { randomUUID } from "node:crypto";
import type { Delivery, DeliveryAttempt, StoredEvent } from "../lambdas/core/delivery/model";
import type {
  DeliveryMetrics,
  DeliveryOutcome,
  DeliveryStore,
  DeliveryUpdate,
  EndpointDisabler,
  EventQueue,
  Log,
  RetryScheduler,
} from "../lambdas/core/delivery/ports";
import type { EventDeliveryDeps } from "../lambdas/core/delivery";
import type { RetryMessage } from "../lambdas/core/queue-message";
import type { DisabledReason, WebhookEndpoint } from "../lambdas/core/webhook-endpoint";
import type { OutboundRequest } from "../lambdas/core/webhook-request";
import type { AttemptResult, WebhookSender } from "../lambdas/core/webhook-sender";
import { isSuccessfulAttempt } from "../lambdas/core/webhook-sender";
import type { WebhookStore } from "../lambdas/core/webhook-store";

/**
 * In-memory ports for running the delivery use case without storage. The
 * store keeps the DynamoDB adapter's semantics (idempotent fan-out within the
 * window that leases attempt 1 of its pending deliveries, conditional claim
 * with a lease, lease-checked record, conditional close) with plain Maps, so
 * the use case takes the same paths as in production while the storage cost
 * is left out.
 */
type StoredDelivery = Delivery & { readonly lease?: string; readonly lease_until?: number };

const isOpen = (d: Delivery) => d.status === "pending" || d.status === "retrying";

export class MemoryDeliveryStore implements DeliveryStore {
  private readonly events = new Map<string, { event: StoredEvent; until: number }>();
  private readonly deliveries = new Map<string, StoredDelivery>();

  /** Forgets everything (between measurement windows, so the heap does not grow run over run). */
  clear(): void {
    this.events.clear();
    this.deliveries.clear();
  }

  async recordFanOut(
    event: StoredEvent,
    deliveries: readonly Delivery[],
    idempotentUntil: Date,
    leaseUntil: Date,
  ): Promise<{ recorded: true; lease: string } | { recorded: false; existing: StoredEvent }> {
    const key = `${event.tenant_id}#${event.id}`;
    const prior = this.events.get(key);
    if (prior && prior.until >= Date.now()) return { recorded: false, existing: prior.event };
    for (const d of deliveries) {
      if (this.deliveries.has(`${d.webhook_id}#${d.id}`)) throw new Error(`delivery ${d.id} exists`);
    }
    this.events.set(key, { event, until: idempotentUntil.getTime() });
    const lease = randomUUID();
    const attemptLease = { lease, lease_until: leaseUntil.getTime() };
    for (const d of deliveries) {
      this.deliveries.set(`${d.webhook_id}#${d.id}`, d.status === "pending" ? { ...d, ...attemptLease } : d);
    }
    return { recorded: true, lease };
  }

  async getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined> {
    return this.events.get(`${tenantId}#${eventId}`)?.event;
  }

  async getDelivery(webhookId: string, deliveryId: string): Promise<Delivery | undefined> {
    return this.deliveries.get(`${webhookId}#${deliveryId}`);
  }

  async claimAttempt(
    delivery: Delivery,
    attempt: number,
    leaseUntil: Date,
    now: Date,
  ): Promise<{ claimed: true; lease: string } | { claimed: false; reason: "leased" | "moved_on" }> {
    const key = `${delivery.webhook_id}#${delivery.id}`;
    const current = this.deliveries.get(key);
    const due = current?.attempt_count === attempt - 1 && isOpen(current);
    if (current && due && (current.lease_until === undefined || current.lease_until < now.getTime())) {
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
    const { lease: _lease, lease_until: _until, ...rest } = current;
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
    if (!current || current.attempt_count !== delivery.attempt_count || !isOpen(current)) return;
    this.deliveries.set(key, { ...current, status, next_attempt_at: null, updated_at: updatedAt });
  }
}

/** Endpoints by tenant; `list` answers the tenant's endpoints as a Query would. */
export class MemoryEndpoints implements Pick<WebhookStore, "get" | "list">, EndpointDisabler {
  private readonly byTenant = new Map<string, WebhookEndpoint[]>();

  add(endpoint: WebhookEndpoint): void {
    const list = this.byTenant.get(endpoint.tenant_id) ?? [];
    list.push(endpoint);
    this.byTenant.set(endpoint.tenant_id, list);
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
    return this.byTenant.get(tenantId)?.find((e) => e.id === id);
  }

  async list(tenantId: string): Promise<WebhookEndpoint[]> {
    return this.byTenant.get(tenantId) ?? [];
  }

  async disable(tenantId: string, webhookId: string, reason: DisabledReason, at: string): Promise<boolean> {
    const list = this.byTenant.get(tenantId) ?? [];
    const i = list.findIndex((e) => e.id === webhookId && e.is_active);
    const endpoint = list[i];
    if (!endpoint) return false;
    list[i] = { ...endpoint, is_active: false, disabled_reason: reason, disabled_at: at, updated_at: at };
    return true;
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
  };

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

  reset(): void {
    for (const k of Object.keys(this.outcomes) as DeliveryOutcome[]) this.outcomes[k] = 0;
  }
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

export class NoScheduler implements RetryScheduler {
  scheduled = 0;
  async scheduleRetry(_message: RetryMessage, _at: Date): Promise<void> {
    this.scheduled++;
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
