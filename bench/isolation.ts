/**
 * @module Section 3 of `npm run bench`: healthy deliveries while 10% of
 * endpoints hang, refuse connections or answer 500, once the platform has
 * flagged them (docs/delivery.md, "one endpoint never slows another"). A main-lane and a
 * slow-lane worker run together over the same in-memory stores with the
 * production sender; each case is warmed up until its bad endpoints have left
 * `healthy`, then measured in windows each next to a window of the all-healthy
 * baseline of its shape, in the same run. Scheduler is a fake that keeps what
 * it is asked for: no retry or probe fires during the measurement. The cases
 * themselves are in bench/isolation-cases.ts.
 */
import type { HttpWebhookSender } from "../lambdas/adapters/http-webhook-sender";
import type { Delivery } from "../lambdas/core/delivery/model";
import { fmt, median, percentile, printTable, type ReceiverProcess, runWindow } from "./harness";
import {
  type Case,
  allFlagged,
  flaggedHealthy,
  healthOf,
  isolationCases,
  type Origins,
  probesOf,
  twoLaneWorld,
  type World,
} from "./isolation-cases";
import type { MemoryEndpoints } from "./memory-ports";
import { inRounds, roundRatios } from "./rounds";
import { BATCH, QUICK, TIMEOUT_MS, WINDOW_MS, WORKERS } from "./settings";
import { refusingOrigin, startStatusServer } from "./status-server";
import { type TargetResult, verdict } from "./targets";

/** Healthy deliveries/s at least this share of all-healthy's, and healthy p99 at most this multiple of it. */
const MIN_THROUGHPUT_RATIO = 0.9;
const MAX_P99_RATIO = 2;
/** A bad endpoint not flagged by then is reported as such, and measured anyway. */
const FLAG_LIMIT_MS = 30_000;
/** Rounds of pairs; even, so each side of a pair goes first equally often. */
const ISOLATION_ROUNDS = QUICK ? 2 : 6;
/** Between windows, all but what the slow lane may still be working on (its queued first attempts). */
const settled = (d: Delivery) => d.status !== "pending";

interface IsolationWindow {
  readonly healthyPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Healthy deliveries that failed, or were made but not delivered within the window. */
  readonly healthyLost: number;
  /** Of the case's endpoints: deliveries parked, handed to the slow lane, and Scheduler calls. */
  readonly parked: number;
  readonly toSlowLane: number;
  readonly scheduled: number;
  /** Share of the machine's CPU used by neither this process nor the receiver (bench/harness.ts). */
  readonly otherLoad: number;
}

/** A case's windows; for a case with a baseline, also the baseline's window measured next to each. */
interface Measured {
  readonly windows: IsolationWindow[];
  readonly besides: IsolationWindow[];
}

/** How each case's warm-up went: how long its bad endpoints took to leave `healthy`, and their state then. */
interface WarmUp {
  readonly flaggedMs: number | undefined;
  readonly health: string;
}

export async function isolation(
  receiver: ReceiverProcess,
  sender: HttpWebhookSender,
): Promise<TargetResult[]> {
  const failing = await startStatusServer(500);
  const origins: Origins = {
    healthy: receiver.healthyOrigin,
    // On the healthy endpoints' own host, like two hooks on one integration platform.
    bad: {
      hang: `${receiver.healthyOrigin}/hang`,
      refuse: `${await refusingOrigin()}/hooks`,
      "500": `${failing.origin}/hooks`,
    },
  };
  const world = twoLaneWorld(sender, (url) => !url.startsWith(`${origins.healthy}/hooks/`));
  world.consumer.start();
  try {
    const cases = isolationCases(world, origins);
    const flaggedMs = new Map<Case, number | undefined>();
    for (const c of cases) flaggedMs.set(c, await warmUp(world, c, receiver));
    // The state every case starts measuring in, once all of them have warmed up.
    const warm = new Map<Case, WarmUp>();
    for (const c of cases)
      warm.set(c, { flaggedMs: flaggedMs.get(c), health: await healthOf(world.endpoints, c.bad) });
    const measured = await measureInPairs(world, cases, receiver);
    await report(world, cases, measured, warm);
    const targets = cases.flatMap((c) => targetsOf(c, measured.get(c)));
    console.log("");
    for (const t of targets)
      console.log(`target (${t.what}): ${t.figure}, target ${t.target}: ${verdict(t.met)}`);
    return targets;
  } finally {
    await world.consumer.stop();
    await failing.close();
  }
}

/**
 * Each case in a window next to a window of its all-healthy baseline, in rounds: the pairs
 * forwards then backwards, and within a pair the baseline first, then second, so drift
 * (other load, the slow lane's background work, the heap) falls on both sides alike.
 */
async function measureInPairs(world: World, cases: readonly Case[], receiver: ReceiverProcess) {
  const measured = new Map<Case, Measured>(cases.map((c) => [c, { windows: [], besides: [] }]));
  await inRounds(
    cases.filter((c) => c.baseline),
    ISOLATION_ROUNDS,
    async (c, round) => {
      const baseline = c.baseline as Case;
      const baselineFirst = round % 2 === 0;
      const first = await measure(world, baselineFirst ? baseline : c, receiver);
      const second = await measure(world, baselineFirst ? c : baseline, receiver);
      const [base, own] = baselineFirst ? [first, second] : [second, first];
      measured.get(c)?.windows.push(own);
      measured.get(c)?.besides.push(base);
      measured.get(baseline)?.windows.push(base);
    },
  );
  return measured;
}

async function report(
  world: World,
  cases: readonly Case[],
  measured: Map<Case, Measured>,
  warm: Map<Case, WarmUp>,
) {
  console.log(
    `\n## 3. Healthy endpoints while 10% of endpoints hang, refuse connections or answer 500 ` +
      `(steady state: main and slow lane, ${TIMEOUT_MS} ms sender timeout, ${WORKERS} batches of ${BATCH} in flight)\n`,
  );
  const rows: string[][] = [];
  for (const c of cases) rows.push(await row(c, measured.get(c), warm.get(c), world.endpoints));
  printTable(
    [
      "scenario",
      "healthy deliveries/s",
      "ratio to all-healthy",
      "healthy p50 ms",
      "p99 ms",
      "p99 vs all-healthy",
      "bad flagged after",
      "bad health (start → end)",
      "bad parked",
      "to slow lane",
      "Scheduler calls",
      "healthy lost",
      "other load (max)",
    ],
    rows,
  );
  if (world.consumer.firstError) console.log(`slow lane error: ${String(world.consumer.firstError)}`);
  console.log(
    `\nhealthy latency: from the worker taking a message to the message done (its healthy deliveries ` +
      `answered, its bad ones parked or handed to the slow lane); messages for bad endpoints alone are not counted. ` +
      `Ratios: each window against the baseline window next to it, median (range) of ${ISOLATION_ROUNDS}. ` +
      `Columns from "bad parked" on: the case's own endpoints, summed over its windows.`,
  );
  console.log(
    `healthy endpoints no longer healthy at the end: ${await flaggedHealthy(world.endpoints, cases)}`,
  );
  console.log(
    `probe 1 schedules per bad endpoint (concurrent failures past the threshold each schedule one):`,
  );
  for (const c of cases.filter((c) => c.bad.length))
    console.log(`  ${c.name}: ${probesOf(world.scheduler, c.bad)}`);
}

/**
 * Runs the case until none of its bad endpoints is `healthy` (answers how long that took, or
 * undefined if it never happened), then a second more for the JIT and the connection pools.
 */
async function warmUp(world: World, c: Case, receiver: ReceiverProcess): Promise<number | undefined> {
  const started = performance.now();
  let flaggedMs: number | undefined;
  while (performance.now() - started < FLAG_LIMIT_MS) {
    if (await allFlagged(world.endpoints, c.bad)) {
      flaggedMs = performance.now() - started;
      break;
    }
    await runWindow({ workers: WORKERS, durationMs: 100 }, receiver, c.batch);
  }
  await runWindow({ workers: WORKERS, durationMs: QUICK ? 200 : 1000 }, receiver, c.batch);
  world.store.clearWhere(settled);
  return flaggedMs;
}

async function measure(world: World, c: Case, receiver: ReceiverProcess): Promise<IsolationWindow> {
  world.timed.reset();
  c.recorder.reset();
  const scheduled = { retries: world.scheduler.retries.length, probes: world.scheduler.probes.length };
  const forwarded = sentTo(world, c.ids);
  const w = await runWindow({ workers: WORKERS, durationMs: WINDOW_MS }, receiver, c.batch);
  const delivered = world.timed.healthy.filter((s) => s.ok).length;
  const window: IsolationWindow = {
    healthyPerSecond: (delivered / w.wallMs) * 1000,
    p50: percentile(c.recorder.latencies, 50),
    p99: percentile(c.recorder.latencies, 99),
    healthyLost: Math.max(world.timed.healthy.length - delivered, c.recorder.expected - delivered),
    parked: world.store.all().filter((d) => d.status === "parked" && c.ids.has(d.webhook_id)).length,
    toSlowLane: sentTo(world, c.ids) - forwarded,
    scheduled: [
      ...world.scheduler.retries.slice(scheduled.retries),
      ...world.scheduler.probes.slice(scheduled.probes),
    ].filter((s) => c.ids.has(s.message.webhook_id)).length,
    otherLoad: w.otherLoad,
  };
  world.store.clearWhere(settled);
  return window;
}

/** Messages the slow lane has been sent for these endpoints so far. */
const sentTo = (world: World, ids: ReadonlySet<string>) =>
  sum([...ids].map((id) => world.slowLane.sentTo.get(id) ?? 0));

const ratioCell = (ratios: readonly number[]) =>
  ratios.length
    ? `${fmt(median(ratios), 2)}x (${fmt(Math.min(...ratios), 2)}-${fmt(Math.max(...ratios), 2)})`
    : "1 (baseline)";

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

async function row(
  c: Case,
  measured: Measured | undefined,
  warm: WarmUp | undefined,
  endpoints: MemoryEndpoints,
): Promise<string[]> {
  const ws = measured?.windows ?? [];
  const besides = measured?.besides ?? [];
  const none = c.bad.length === 0;
  const flagged = warm?.flaggedMs;
  return [
    c.name,
    fmt(median(ws.map((w) => w.healthyPerSecond))),
    ratioCell(roundRatios(ws, besides, (w) => w.healthyPerSecond)),
    fmt(median(ws.map((w) => w.p50)), 1),
    fmt(median(ws.map((w) => w.p99)), 1),
    ratioCell(roundRatios(ws, besides, (w) => w.p99)),
    none ? "-" : flagged === undefined ? "NEVER" : `${fmt(flagged / 1000, 1)} s`,
    none ? "-" : `${warm?.health ?? "?"} → ${await healthOf(endpoints, c.bad)}`,
    String(sum(ws.map((w) => w.parked))),
    String(sum(ws.map((w) => w.toSlowLane))),
    String(sum(ws.map((w) => w.scheduled))),
    String(sum(ws.map((w) => w.healthyLost))),
    `${fmt(100 * Math.max(...ws.map((w) => w.otherLoad)), 0)}%`,
  ];
}

function targetsOf(c: Case, measured: Measured | undefined): TargetResult[] {
  if (!c.baseline || !measured) return [];
  const throughput = median(roundRatios(measured.windows, measured.besides, (w) => w.healthyPerSecond));
  const p99 = median(roundRatios(measured.windows, measured.besides, (w) => w.p99));
  return [
    {
      what: `${c.name}: healthy deliveries/s vs all-healthy`,
      figure: `${fmt(throughput, 2)}x`,
      target: `>= ${MIN_THROUGHPUT_RATIO}`,
      met: throughput >= MIN_THROUGHPUT_RATIO,
    },
    {
      what: `${c.name}: healthy p99 vs all-healthy`,
      figure: `${fmt(p99, 2)}x`,
      target: `<= ${MAX_P99_RATIO}x`,
      met: p99 <= MAX_P99_RATIO,
    },
  ];
}
