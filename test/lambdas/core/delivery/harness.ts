/**
 * @module A delivery world for unit tests: `eventDelivery` on the main lane and
 * on the slow lane over the bench's in-memory ports, a sender that answers per
 * URL what the test says, a clock the test moves, and loops that play the parts
 * of SQS and Scheduler (run the slow lane until it is empty, fire what is due).
 * Scheduler keeps one schedule per name, so a schedule made twice fires once here too.
 */
import {
  CountingMetrics,
  exampleEventCheck,
  laneDefaults,
  MemoryDeliveryStore,
  MemoryEndpoints,
  MemorySlowLane,
  NoScheduler,
  noRecovery,
  silentLog,
} from "../../../../bench/memory-ports";
import { endpoint as fixtureEndpoint } from "../../../../bench/fixtures";
import { type EventDeliveryDeps, eventDelivery, type MessageResult } from "../../../../lambdas/core/delivery";
import { deliveryContext } from "../../../../lambdas/core/delivery/context";
import { newDelivery } from "../../../../lambdas/core/delivery/fan-out";
import type { Delivery, DeliveryAttempt } from "../../../../lambdas/core/delivery/model";
import type { EventQueue } from "../../../../lambdas/core/delivery/ports";
import type {
  PlatformEventMessage,
  PlatformMessage,
  ProbeMessage,
  RetryMessage,
  SlowLaneMessage,
} from "../../../../lambdas/core/queue-message";
import { parseRetrySchedule } from "../../../../lambdas/core/retry-schedule";
import { firstUlidAt } from "../../../../lambdas/core/ulid";
import {
  type EndpointHealth,
  HEALTHY,
  type WebhookEndpoint,
} from "../../../../lambdas/core/webhook-endpoint";
import type { OutboundRequest } from "../../../../lambdas/core/webhook-request";
import type { AttemptError, AttemptResult, WebhookSender } from "../../../../lambdas/core/webhook-sender";

/** The test platform's compressed schedule (test/global-setup.ts): attempt n at n-1 seconds. */
export const SCHEDULE = parseRetrySchedule("0s,1s,2s,3s,4s,5s,6s");
export const TENANT = "acme";
export const START = "2026-02-15T10:00:00.000Z";

/** What a receiver answers: a status, or an error kind (then no status), and how long it took. */
export interface Answer {
  readonly status?: number;
  readonly error?: AttemptError;
  readonly duration_ms?: number;
  readonly retry_after_ms?: number;
}

export const ok: Answer = { status: 200, duration_ms: 15 };
export const serverError: Answer = { status: 500, duration_ms: 15 };
export const timeout: Answer = { error: "timeout", duration_ms: 3000 };

/** One request the sender made. */
export interface SentRequest {
  readonly method: string;
  readonly url: string;
  readonly deliveryId: string;
  readonly attempt: number;
  readonly at: string;
}

type Responder = Answer | ((sent: SentRequest, nth: number) => Answer | Promise<Answer>);

/** A receiver per URL, answering what the test told it (200 when told nothing). */
export class ScriptedSender implements WebhookSender {
  readonly sent: SentRequest[] = [];
  private readonly answers = new Map<string, Responder>();

  constructor(private readonly clock: () => Date) {}

  answer(url: string, responder: Responder): void {
    this.answers.set(url, responder);
  }

  to(url: string): SentRequest[] {
    return this.sent.filter((s) => s.url === url);
  }

  async send(request: OutboundRequest): Promise<AttemptResult> {
    const sent: SentRequest = {
      method: request.method,
      url: request.url,
      deliveryId: request.headers["webhook-id"] ?? "",
      attempt: Number(request.headers["x-webhook-attempt"]),
      at: this.clock().toISOString(),
    };
    this.sent.push(sent);
    const responder = this.answers.get(request.url) ?? ok;
    const answer =
      typeof responder === "function" ? await responder(sent, this.to(request.url).length) : responder;
    return {
      status_code: answer.error && answer.error !== "redirect" ? null : (answer.status ?? 200),
      error: answer.error ?? null,
      duration_ms: answer.duration_ms ?? 15,
      response_body: "",
      ...(answer.retry_after_ms === undefined ? {} : { retry_after_ms: answer.retry_after_ms }),
    };
  }
}

/** The events queue's other uses: what delivery published (webhook.disabled) and dead-lettered. */
export class RecordingQueue implements EventQueue {
  readonly published: PlatformEventMessage[] = [];
  readonly deadLettered: string[] = [];

  async publish(message: PlatformEventMessage): Promise<void> {
    this.published.push(message);
  }

  async deadLetter(body: string): Promise<void> {
    this.deadLettered.push(body);
  }
}

/** Scheduler's name for a schedule: one per (delivery, attempt) and per (endpoint, breaker, probe). */
const scheduleName = (m: RetryMessage | ProbeMessage): string =>
  m.kind === "retry"
    ? `retry#${m.delivery_id}#${m.attempt}`
    : `probe#${m.webhook_id}#${m.opened_at}#${m.probe}`;

/** More messages than any test queues: a slow lane still busy after these is a loop. */
const MAX_SLOW_LANE_RUN = 1_000;

export interface WorldOptions {
  readonly breakerThreshold?: number;
  readonly drainRatePerSecond?: number;
}

/** A message one of the loops handed to a worker, and what the worker answered. */
export interface Handled {
  readonly message: SlowLaneMessage | PlatformMessage;
  readonly delaySeconds: number;
  readonly result: MessageResult;
}

export function deliveryWorld(options: WorldOptions = {}) {
  let time = Date.parse(START);
  const clock = () => new Date(time);
  const endpoints = new MemoryEndpoints();
  const deliveries = new MemoryDeliveryStore();
  const scheduler = new NoScheduler();
  const slowLane = new MemorySlowLane();
  const sender = new ScriptedSender(clock);
  const queue = new RecordingQueue();
  const metrics = new CountingMetrics();
  const deps: EventDeliveryDeps = {
    deliveries,
    endpoints,
    healthStore: endpoints,
    sender,
    scheduler,
    queue,
    slowLane,
    metrics,
    log: silentLog,
    schedule: SCHEDULE,
    recovery: noRecovery,
    lane: "main",
    breakerThreshold: options.breakerThreshold ?? 3,
    drainRatePerSecond: options.drainRatePerSecond ?? 20,
    eventCheck: exampleEventCheck(),
    clock,
  };
  const main = eventDelivery(deps);
  const slow = eventDelivery({ ...deps, lane: "slow" });
  const fired = new Set<string>();
  let messageNumber = 0;
  let eventNumber = 0;
  let endpointNumber = 0;
  /** Every slow-lane message a worker took, in order. */
  const slowLaneLog: Handled[] = [];

  const nextMessageId = () => `m-${++messageNumber}`;

  return {
    endpoints,
    deliveries,
    scheduler,
    slowLane,
    sender,
    queue,
    metrics,
    main,
    slow,
    slowLaneLog,
    now: clock,

    advance(ms: number): void {
      time += ms;
    },

    /** Moves the clock to `at`, never back. */
    advanceTo(at: Date | string): void {
      time = Math.max(time, typeof at === "string" ? Date.parse(at) : at.getTime());
    },

    /** Adds an endpoint of TENANT (subscribed to crm.lead.*) with the health and fields given. */
    addEndpoint(
      health: Partial<EndpointHealth> = {},
      fields: Partial<WebhookEndpoint> = {},
    ): WebhookEndpoint {
      const n = ++endpointNumber;
      const added = {
        ...fixtureEndpoint(TENANT, n, `https://receiver-${n}.example.com/hook`),
        ...fields,
        health: { ...HEALTHY, ...health },
      };
      endpoints.add(added);
      return added;
    },

    /** Stores `changed` in place of the endpoint of its id, as a tenant's PUT would (re-enabling, say). */
    replaceEndpoint(changed: WebhookEndpoint): void {
      endpoints.remove(changed.tenant_id, changed.id);
      endpoints.add(changed);
    },

    /**
     * Records, as of now, an event and its delivery to `hook` in a state an earlier run left
     * (failed after its last attempt, say), through the store's own fan-out write.
     */
    async seedDelivery(hook: WebhookEndpoint, fields: Partial<Delivery>): Promise<Delivery> {
      time += 1;
      const now = clock();
      const event = {
        tenant_id: TENANT,
        id: `evt_${++eventNumber}`,
        type: "crm.lead.created",
        created_at: now.toISOString(),
        data: { lead: { n: eventNumber } },
      };
      const delivery = { ...newDelivery(hook, event, now, "pending"), ...fields };
      await deliveries.recordFanOut(
        { ...event, deliveries: [{ webhook_id: hook.id, delivery_id: delivery.id }] },
        [delivery],
        { idempotentUntil: now, leased: new Set(), leaseUntil: now },
      );
      return delivery;
    },

    async endpoint(id: string): Promise<WebhookEndpoint> {
      const found = await endpoints.get(TENANT, id);
      if (!found) throw new Error(`no endpoint ${id}`);
      return found;
    },

    async health(id: string): Promise<EndpointHealth> {
      return (await this.endpoint(id)).health;
    },

    /** A producer's crm.lead.created on the main lane; the clock moves 1 ms first, so delivery ids sort by event. */
    async event(): Promise<MessageResult> {
      time += 1;
      const id = `evt_${++eventNumber}`;
      const body = { tenant_id: TENANT, type: "crm.lead.created", id, data: { lead: { n: eventNumber } } };
      return main.handleMessage(JSON.stringify(body), nextMessageId());
    },

    async events(count: number): Promise<void> {
      for (let i = 0; i < count; i++) await this.event();
    },

    /** Any queue message, on the lane named. */
    async handle(
      message: SlowLaneMessage | PlatformMessage,
      lane: "main" | "slow" = "main",
    ): Promise<MessageResult> {
      return (lane === "main" ? main : slow).handleMessage(JSON.stringify(message), nextMessageId());
    },

    /**
     * Hands the slow lane's messages to its worker, first in first out, until none is left (or
     * `limit` are handled); a delayed message moves the clock by its delay first, as SQS holds
     * it back that long.
     */
    async runSlowLane(limit = Number.POSITIVE_INFINITY): Promise<Handled[]> {
      const handled: Handled[] = [];
      while (handled.length < limit) {
        const queued = slowLane.messages.shift();
        if (!queued) break;
        if (handled.length >= MAX_SLOW_LANE_RUN) {
          throw new Error(`the slow lane still has work after ${MAX_SLOW_LANE_RUN} messages`);
        }
        time += queued.delaySeconds * 1000;
        const result = await slow.handleMessage(JSON.stringify(queued.message), nextMessageId());
        // A message left on the queue comes back after its visibility timeout.
        if (result === "retry_later") slowLane.messages.push({ ...queued, delaySeconds: 30 });
        const entry = { message: queued.message, delaySeconds: queued.delaySeconds, result };
        handled.push(entry);
        slowLaneLog.push(entry);
      }
      return handled;
    },

    /** Fires every schedule due by now that has not fired, oldest due first, onto the main lane. */
    async fireDue(): Promise<Handled[]> {
      const due = [...scheduler.retries, ...scheduler.probes]
        .map((s) => ({ ...s, key: scheduleName(s.message) }))
        .filter((s) => s.at.getTime() <= time && !fired.has(s.key))
        .sort((a, b) => a.at.getTime() - b.at.getTime());
      const handled: Handled[] = [];
      for (const schedule of due) {
        if (fired.has(schedule.key)) continue; // the same schedule asked for twice
        fired.add(schedule.key);
        const result = await main.handleMessage(JSON.stringify(schedule.message), nextMessageId());
        handled.push({ message: schedule.message, delaySeconds: 0, result });
      }
      return handled;
    },

    /** Moves the clock to the next probe that has not fired, fires it, and runs the slow lane. */
    async nextProbe(): Promise<void> {
      const pending = scheduler.probes
        .filter((s) => !fired.has(scheduleName(s.message)))
        .sort((a, b) => a.at.getTime() - b.at.getTime());
      const first = pending[0];
      if (!first) throw new Error("no probe is scheduled");
      this.advanceTo(first.at);
      fired.add(scheduleName(first.message));
      await main.handleMessage(JSON.stringify(first.message), nextMessageId());
      await this.runSlowLane();
    },

    /** The deliveries to one endpoint, oldest first. */
    deliveriesTo(webhookId: string): Delivery[] {
      return deliveries
        .all()
        .filter((d) => d.webhook_id === webhookId)
        .sort((a, b) => a.id.localeCompare(b.id));
    },
  };
}

export type DeliveryWorld = ReturnType<typeof deliveryWorld>;

/**
 * Drives an endpoint's breaker open the way production does: `breakerThreshold` events, each
 * answered with `answer` (from the slow lane once the endpoint is slow). Answers the health
 * it opened with.
 */
export async function openBreakerOf(
  world: DeliveryWorld,
  hook: WebhookEndpoint,
  answer: Answer = serverError,
) {
  world.sender.answer(hook.url, answer);
  for (let i = 0; i < 100; i++) {
    const health = await world.health(hook.id);
    if (health.state === "open") return health;
    if (health.state === "slow") {
      await world.event();
      await world.runSlowLane();
    } else {
      await world.event();
    }
  }
  throw new Error(`the breaker of ${hook.id} did not open`);
}

/**
 * A new endpoint whose breaker the main lane opened (`breakerThreshold` failed events, each
 * retrying), with `parked` more events parked behind it.
 */
export async function openWithParked(world: DeliveryWorld, parked: number) {
  const hook = world.addEndpoint();
  const opened = await openBreakerOf(world, hook);
  await world.events(parked);
  return { hook, openedAt: opened.opened_at ?? "" };
}

/** `count` failed attempts (500, fast), one a second from `first`, as the compressed schedule makes them. */
export function failedAttempts(first: string, count: number): DeliveryAttempt[] {
  return Array.from({ length: count }, (_, i) => ({
    number: i + 1,
    attempted_at: new Date(Date.parse(first) + i * 1000).toISOString(),
    status_code: 500,
    error: null,
    duration_ms: 15,
    response_body: "",
  }));
}

/** Probe `probe` of the breaker of `hook` that opened at `openedAt`, as Scheduler puts it on the queue. */
export function probeMessage(hook: WebhookEndpoint, openedAt: string, probe: number): ProbeMessage {
  return { kind: "probe", tenant_id: hook.tenant_id, webhook_id: hook.id, opened_at: openedAt, probe };
}

/** An open breaker's health as the endpoint store keeps it, for endpoints a test starts in that state. */
export function openHealth(openedAt: string, fields: Partial<EndpointHealth> = {}): EndpointHealth {
  return {
    state: "open",
    since: openedAt,
    consecutive_failures: 3,
    opened_at: openedAt,
    probes: 0,
    next_probe_at: openedAt,
    // Where the opener starts looking for parked deliveries: a minute before it opened.
    parked_from: `msg_${firstUlidAt(Date.parse(openedAt) - 60_000)}`,
    ...fields,
  };
}

/**
 * A delivery context over fresh in-memory ports at START, for the tests of one part (an
 * attempt, a park) that build the part itself rather than a whole world.
 */
export function memoryContext() {
  const clock = () => new Date(START);
  const endpoints = new MemoryEndpoints();
  const store = new MemoryDeliveryStore();
  const sender = new ScriptedSender(clock);
  const ctx = deliveryContext({
    deliveries: store,
    endpoints,
    healthStore: endpoints,
    sender,
    scheduler: new NoScheduler(),
    queue: new RecordingQueue(),
    metrics: new CountingMetrics(),
    log: silentLog,
    schedule: SCHEDULE,
    recovery: noRecovery,
    ...laneDefaults(),
    clock,
  });
  return { ctx, store, endpoints, sender };
}
