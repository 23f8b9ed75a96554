/**
 * @module Both delivery lanes in one process, as the stack runs them in two
 * functions (docs/delivery.md): a main-lane worker, a slow-lane worker over the same
 * stores, and a consumer that feeds the slow lane's in-memory queue to its
 * worker the way Lambda's SQS event source does: batches of up to 10, a few in
 * flight, a message that answers "retry_later" back on the queue a moment later.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type EventDelivery, type EventDeliveryDeps, eventDelivery } from "../lambdas/core/delivery";
import type { SlowLaneMessage } from "../lambdas/core/queue-message";
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from "../lambdas/core/retry-schedule";
import type { WebhookSender } from "../lambdas/core/webhook-sender";
import {
  CountingMetrics,
  laneDefaults,
  MemoryDeliveryStore,
  MemoryEndpoints,
  type MemorySlowLane,
  NoScheduler,
  noQueue,
  noRecovery,
  silentLog,
} from "./memory-ports";

/** The stack's slow lane has maxConcurrency 5 for 20 of the main lane; this process runs 2 main-lane batches. */
const SLOW_LANE_BATCHES = 3;
const SQS_BATCH = 10;
/** How often an idle loop looks at the queue again (Lambda long-polls; this is the same, give or take). */
const POLL_MS = 5;
/** Stands in for the visibility timeout before a message left on the queue comes back. */
const REDELIVERY_MS = 100;

export interface TwoLanes {
  readonly main: EventDelivery;
  readonly slow: EventDelivery;
  readonly slowLane: MemorySlowLane;
  readonly consumer: SlowLaneConsumer;
}

export interface InMemoryLanes extends TwoLanes {
  readonly endpoints: MemoryEndpoints;
  readonly store: MemoryDeliveryStore;
  readonly scheduler: NoScheduler;
  readonly metrics: CountingMetrics;
}

/** Both lanes over in-memory stores, a recording scheduler and `sender`, with the stack's settings but `overrides`. */
export function inMemoryLanes(
  sender: WebhookSender,
  overrides: Partial<Pick<EventDeliveryDeps, "drainRatePerSecond" | "breakerThreshold">> = {},
): InMemoryLanes {
  const endpoints = new MemoryEndpoints();
  const store = new MemoryDeliveryStore();
  const scheduler = new NoScheduler();
  const metrics = new CountingMetrics();
  const lanes = twoLanes({
    deliveries: store,
    endpoints,
    healthStore: endpoints,
    sender,
    scheduler,
    queue: noQueue,
    recovery: noRecovery,
    metrics,
    log: silentLog,
    schedule: parseRetrySchedule(DEFAULT_RETRY_SCHEDULE),
    ...laneDefaults(),
    ...overrides,
  });
  return { ...lanes, endpoints, store, scheduler, metrics };
}

/** A main-lane and a slow-lane worker over the same ports, and the slow lane's consumer (not started). */
export function twoLanes(
  deps: Omit<EventDeliveryDeps, "lane" | "slowLane"> & { slowLane: MemorySlowLane },
): TwoLanes {
  const main = eventDelivery({ ...deps, lane: "main" });
  const slow = eventDelivery({ ...deps, lane: "slow" });
  return { main, slow, slowLane: deps.slowLane, consumer: new SlowLaneConsumer(deps.slowLane, slow) };
}

/**
 * Works the slow lane's queue until stopped. DelaySeconds are not waited out (a drain paced
 * at whole seconds would take minutes here); they are added up in `delayedSeconds`, so a
 * section can say what SQS would have made of them. (So a drain part holding out a
 * Retry-After would come straight back, again and again: the bench's receivers send none.)
 */
export class SlowLaneConsumer {
  readonly handled: Record<SlowLaneMessage["kind"], number> = { retry: 0, resend: 0, probe: 0, drain: 0 };
  /** DelaySeconds the messages handled asked for, in all, and how many asked for more than 0. */
  delayedSeconds = 0;
  delayedMessages = 0;
  /** Messages that answered "retry_later" or threw, and went back on the queue. */
  redelivered = 0;
  firstError: unknown;
  private running = false;
  private loops: Promise<void>[] = [];
  private inFlight = 0;
  private waiting = 0;
  private n = 0;

  constructor(
    private readonly lane: MemorySlowLane,
    private readonly worker: Pick<EventDelivery, "handleMessage">,
    private readonly batches = SLOW_LANE_BATCHES,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.batches }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Nothing queued, in flight or about to come back. */
  get idle(): boolean {
    return this.lane.messages.length === 0 && this.inFlight === 0 && this.waiting === 0;
  }

  /** Resolves once the consumer is idle; rejects after `timeoutMs`. */
  async untilIdle(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!this.idle) {
      if (performance.now() > deadline) throw new Error(`the slow lane was still busy after ${timeoutMs} ms`);
      await sleep(POLL_MS);
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const batch = this.lane.receive(SQS_BATCH);
      if (batch.length === 0) {
        await sleep(POLL_MS);
        continue;
      }
      this.inFlight++;
      try {
        await Promise.all(batch.map((queued) => this.handle(queued.message, queued.delaySeconds)));
      } finally {
        this.inFlight--;
      }
    }
  }

  private async handle(message: SlowLaneMessage, delaySeconds: number): Promise<void> {
    this.handled[message.kind]++;
    if (delaySeconds > 0) {
      this.delayedSeconds += delaySeconds;
      this.delayedMessages++;
    }
    let result: "done" | "retry_later";
    try {
      result = await this.worker.handleMessage(JSON.stringify(message), `slow-${this.n++}`);
    } catch (error) {
      this.firstError ??= error;
      result = "retry_later";
    }
    if (result === "done") return;
    this.redelivered++;
    this.waiting++;
    setTimeout(() => {
      this.waiting--;
      this.lane.messages.push({ message, delaySeconds: 0 });
    }, REDELIVERY_MS);
  }
}
