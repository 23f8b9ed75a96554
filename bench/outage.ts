/**
 * @module Section 4 of `npm run bench`: what an outage costs once the breaker
 * has opened (docs/delivery.md: one Scheduler schedule per probe, no HTTP attempt per
 * parked delivery), and the recovery after it. One endpoint answers 500 until
 * its breaker opens; 10,000 events for it are then parked; the retries its
 * first failures scheduled come due and are parked too; then it answers 200
 * again, its pending probe is handed to the slow-lane worker, and the slow lane
 * runs until the drain is done.
 */
import type { HttpWebhookSender } from "../lambdas/adapters/http-webhook-sender";
import type { EventDelivery } from "../lambdas/core/delivery";
import { drainPartSize } from "../lambdas/core/delivery/drain";
import type { WebhookEndpoint } from "../lambdas/core/webhook-endpoint";
import { isSuccessfulAttempt } from "../lambdas/core/webhook-sender";
import { endpoint, messageFactory } from "./fixtures";
import { fmt, printTable, type ReceiverProcess, runWindow } from "./harness";
import { inMemoryLanes, type TwoLanes } from "./lanes";
import {
  type CountingMetrics,
  type MemoryDeliveryStore,
  type MemoryEndpoints,
  type NoScheduler,
  TimedSender,
} from "./memory-ports";
import { BATCH, nextEventId, QUICK, WORKERS } from "./settings";
import { type StatusServer, startStatusServer } from "./status-server";
import { type TargetResult, verdict } from "./targets";

const PARKED_EVENTS = 10_000;
/** docs/delivery.md: per parked delivery, at most this many Scheduler calls and HTTP attempts. */
const MAX_PER_PARKED = 0.01;
/**
 * The stack's highest drain rate (1-100): parts of 100, one a second. The slow lane's consumer
 * here does not wait out DelaySeconds, so the figure is the worker's own speed; the section
 * reports what the delays add up to.
 */
const DRAIN_RATE_PER_SECOND = 100;
const OPEN_LIMIT_EVENTS = 1000;
const DRAIN_LIMIT_MS = QUICK ? 60_000 : 120_000;

interface Outage extends TwoLanes {
  readonly server: StatusServer;
  readonly dead: WebhookEndpoint;
  readonly endpoints: MemoryEndpoints;
  readonly store: MemoryDeliveryStore;
  /** Its `hanging` list holds the sends to the dead endpoint. */
  readonly timed: TimedSender;
  readonly scheduler: NoScheduler;
  readonly metrics: CountingMetrics;
  /** ms the store has spent in listParked so far. */
  readonly listing: { ms: number };
  readonly batch: () => Promise<number>;
}

export async function outage(receiver: ReceiverProcess, sender: HttpWebhookSender): Promise<TargetResult[]> {
  const o = await outageWorld(sender);
  o.consumer.start();
  try {
    const opening = await openBreaker(o);
    const parking = await parkMany(o, receiver);
    const retries = await fireDueRetries(o);
    const recovery = await recover(o);
    const left = await whatIsLeft(o);
    printOutage(o, { opening, parking, retries, recovery, left });
    const clean =
      left.parked + left.notSucceeded + left.notOnce + left.acceptedTwice === 0 &&
      recovery.sent === recovery.toDrain;
    const targets: TargetResult[] = [
      perParkedTarget("Scheduler calls", parking.schedulerCalls, parking.parked),
      perParkedTarget("HTTP attempts", parking.httpAttempts, parking.parked),
      {
        what: "outage: after the drain, nothing parked and each delivery succeeded exactly once",
        figure: clean ? "yes" : "no",
        target: "yes",
        met: clean,
      },
    ];
    console.log("");
    for (const t of targets)
      console.log(`target (${t.what}): ${t.figure}, target ${t.target}: ${verdict(t.met)}`);
    return targets;
  } finally {
    await o.consumer.stop();
    await o.server.close();
  }
}

async function outageWorld(sender: HttpWebhookSender): Promise<Outage> {
  const server = await startStatusServer(500);
  const dead = endpoint("outage", 0, `${server.origin}/hooks/outage/0`);
  const timed = new TimedSender(sender, (url) => url === dead.url);
  const lanes = inMemoryLanes(timed, { drainRatePerSecond: DRAIN_RATE_PER_SECOND });
  const { endpoints, store, scheduler, metrics } = lanes;
  endpoints.add(dead);
  const listing = timeListParked(store);
  const batch = outageBatch(lanes.main, messageFactory(dead.tenant_id));
  return { ...lanes, server, dead, endpoints, store, timed, scheduler, metrics, listing, batch };
}

/** Batches of events, as traffic would send them, until the endpoint's breaker is open. */
async function openBreaker(o: Outage) {
  let events = 0;
  while ((await healthNow(o)).state !== "open") {
    if (events >= OPEN_LIMIT_EVENTS)
      throw new Error(`the breaker was still closed after ${events} failed events`);
    events += await o.batch();
  }
  return {
    events,
    httpAttempts: o.timed.hanging.length,
    retries: o.scheduler.retries.length,
    probes: o.scheduler.probes.length,
    openedAt: (await healthNow(o)).opened_at,
  };
}

/** 10,000 events while the breaker is open, with CPU, Scheduler calls and HTTP attempts taken around exactly those. */
async function parkMany(o: Outage, receiver: ReceiverProcess) {
  const scheduled = o.scheduler.scheduled;
  const sent = o.timed.hanging.length;
  o.metrics.reset();
  const w = await runWindow(
    { workers: WORKERS, batchesPerWorker: PARKED_EVENTS / BATCH / WORKERS },
    receiver,
    o.batch,
  );
  const parked = o.metrics.outcomes.parked;
  return {
    parked,
    schedulerCalls: o.scheduler.scheduled - scheduled,
    httpAttempts: o.timed.hanging.length - sent,
    cpuPerParkedUs: w.cpuUs / parked,
    perSecond: (parked / w.wallMs) * 1000,
  };
}

/** The retries the failures before the breaker opened scheduled, fired as Scheduler would: parked, unsent. */
async function fireDueRetries(o: Outage) {
  const due = o.scheduler.retries.splice(0);
  o.metrics.reset();
  const sent = o.timed.hanging.length;
  for (const [i, r] of due.entries()) await o.main.handleMessage(JSON.stringify(r.message), `due-retry-${i}`);
  return {
    fired: due.length,
    parked: o.metrics.outcomes.parked,
    httpAttempts: o.timed.hanging.length - sent,
  };
}

/** The endpoint answers 200 again; probe 1 goes to the slow-lane worker; the slow lane runs until the drain is done. */
async function recover(o: Outage) {
  o.server.status = 200;
  const { opened_at } = await healthNow(o);
  const probe = o.scheduler.probes.find((p) => p.message.opened_at === opened_at && p.message.probe === 1);
  if (!probe) throw new Error("no probe was scheduled for the breaker that opened");
  const toDrain = o.store.all().filter((d) => d.webhook_id === o.dead.id && d.status === "parked").length;
  const before = {
    accepted: o.server.accepted.size,
    scheduled: o.scheduler.scheduled,
    parts: o.consumer.handled.drain,
    delayedSeconds: o.consumer.delayedSeconds,
    delayedParts: o.consumer.delayedMessages,
    listedMs: o.listing.ms,
  };
  const started = performance.now();
  const probeResult = await o.slow.handleMessage(JSON.stringify(probe.message), "probe-1");
  await o.consumer.untilIdle(DRAIN_LIMIT_MS);
  const ms = performance.now() - started;
  return {
    probeResult,
    toDrain,
    ms,
    sent: o.server.accepted.size - before.accepted,
    scheduled: o.scheduler.scheduled - before.scheduled,
    parts: o.consumer.handled.drain - before.parts,
    delayedSeconds: o.consumer.delayedSeconds - before.delayedSeconds,
    delayedParts: o.consumer.delayedMessages - before.delayedParts,
    listedMs: o.listing.ms - before.listedMs,
  };
}

/** What the outage left: nothing parked, every delivery succeeded, each exactly once. */
async function whatIsLeft(o: Outage) {
  const mine = o.store.all().filter((d) => d.webhook_id === o.dead.id);
  const health = await healthNow(o);
  return {
    deliveries: mine.length,
    parked: mine.filter((d) => d.status === "parked").length,
    notSucceeded: mine.filter((d) => d.status !== "succeeded").length,
    notOnce: mine.filter((d) => d.attempts.filter((a) => isSuccessfulAttempt(a)).length !== 1).length,
    acceptedTwice: [...o.server.accepted.values()].filter((n) => n > 1).length,
    state: health.state,
    parkedFrom: health.parked_from,
  };
}

interface Phases {
  readonly opening: Awaited<ReturnType<typeof openBreaker>>;
  readonly parking: Awaited<ReturnType<typeof parkMany>>;
  readonly retries: Awaited<ReturnType<typeof fireDueRetries>>;
  readonly recovery: Awaited<ReturnType<typeof recover>>;
  readonly left: Awaited<ReturnType<typeof whatIsLeft>>;
}

function printOutage(o: Outage, { opening, parking, retries, recovery, left }: Phases): void {
  console.log(
    `\n## 4. An outage: one endpoint answering 500, ${PARKED_EVENTS} events (fan-out 1) after its breaker opened, ` +
      `then recovery\n`,
  );
  const perParked = (n: number) => `${n} (${fmt(n / parking.parked, 4)} per parked delivery)`;
  const onSqsPerSecond = recovery.delayedSeconds ? recovery.toDrain / recovery.delayedSeconds : Number.NaN;
  printTable(
    ["phase", "figure"],
    [
      [
        "opening the breaker (threshold 10)",
        `${opening.events} events, ${opening.httpAttempts} HTTP attempts; ` +
          `retries scheduled: ${opening.retries}, probes scheduled: ${opening.probes}`,
      ],
      [`${PARKED_EVENTS} events while open: deliveries parked`, String(parking.parked)],
      ["  Scheduler calls (retries + probes)", perParked(parking.schedulerCalls)],
      ["  HTTP attempts to the endpoint", perParked(parking.httpAttempts)],
      ["  CPU per parked delivery (this process)", `${fmt(parking.cpuPerParkedUs, 1)} µs`],
      ["  parked per second", fmt(parking.perSecond)],
      [
        "due retries fired while open",
        `${retries.fired}: ${retries.parked} parked, ${retries.httpAttempts} HTTP attempts`,
      ],
      [
        "recovery: probe 1 on the slow lane",
        `${recovery.probeResult}; ${recovery.scheduled} Scheduler calls from then on`,
      ],
      [
        `drain (drainRatePerSecond ${DRAIN_RATE_PER_SECOND}; DelaySeconds not waited out)`,
        `${recovery.sent} of ${recovery.toDrain} sent in ${fmt(recovery.ms)} ms: ` +
          `${fmt((recovery.sent / recovery.ms) * 1000)} deliveries/s, ` +
          `${recovery.parts} parts of up to ${drainPartSize(DRAIN_RATE_PER_SECOND)}`,
      ],
      [
        "  of which the in-memory store's listParked",
        `${fmt(recovery.listedMs)} ms (it filters and sorts every delivery per call; DynamoDB's is a Query)`,
      ],
      [
        "  DelaySeconds the parts asked for",
        `${recovery.delayedSeconds} s, ${recovery.delayedParts} of ${recovery.parts} parts: on SQS the drain ` +
          `would take at least ${recovery.delayedSeconds} s, ${fmt(onSqsPerSecond)} deliveries/s at most`,
      ],
      [
        "after the drain",
        `${left.deliveries} deliveries: ${left.parked} parked, ${left.notSucceeded} not succeeded, ` +
          `${left.notOnce} without exactly one successful attempt, ${left.acceptedTwice} accepted twice; ` +
          `endpoint ${left.state}, parked_from ${left.parkedFrom ?? "null"}`,
      ],
      [
        "slow lane",
        `${o.consumer.redelivered} messages redelivered` +
          (o.consumer.firstError ? `; error: ${String(o.consumer.firstError)}` : ""),
      ],
    ],
  );
}

function perParkedTarget(what: string, calls: number, parked: number): TargetResult {
  return {
    what: `outage: ${what} per parked delivery`,
    figure: fmt(calls / parked, 4),
    target: `<= ${MAX_PER_PARKED}`,
    met: calls / parked <= MAX_PER_PARKED,
  };
}

/** One main-lane invocation of BATCH events for the one endpoint's tenant; answers the events handled. */
function outageBatch(main: EventDelivery, message: (eventId: string) => string): () => Promise<number> {
  return async () => {
    const results = await Promise.all(
      Array.from({ length: BATCH }, () => {
        const { id, messageId } = nextEventId();
        return main.handleMessage(message(id), messageId);
      }),
    );
    if (results.includes("retry_later")) throw new Error("a message was left for later");
    return BATCH;
  };
}

/**
 * Adds up the time the store spends in listParked. The in-memory store filters and sorts every
 * delivery it holds per call, so over a drain of 10,000 that is a share of the drain's own time.
 */
function timeListParked(store: MemoryDeliveryStore): { ms: number } {
  const spent = { ms: 0 };
  const list = store.listParked.bind(store);
  store.listParked = async (...args) => {
    const started = performance.now();
    try {
      return await list(...args);
    } finally {
      spent.ms += performance.now() - started;
    }
  };
  return spent;
}

async function healthNow(o: Pick<Outage, "endpoints" | "dead">) {
  const current = await o.endpoints.get(o.dead.tenant_id, o.dead.id);
  if (!current) throw new Error(`endpoint ${o.dead.id} is gone`);
  return current.health;
}
