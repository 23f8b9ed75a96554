/**
 * @module The cases of section 3 (bench/isolation.ts): a world with both lanes
 * over in-memory stores and the production sender, and its tenants and
 * endpoints, healthy or failing as a case says. A case is a main-lane batch
 * (BATCH messages at once, like one invocation) that records, per message,
 * how long the worker took and how many healthy deliveries it made.
 */
import type { HttpWebhookSender } from "../lambdas/adapters/http-webhook-sender";
import type { EventDelivery } from "../lambdas/core/delivery";
import type { WebhookEndpoint } from "../lambdas/core/webhook-endpoint";
import { endpoint, messageFactory } from "./fixtures";
import { inMemoryLanes, type TwoLanes } from "./lanes";
import {
  type MemoryDeliveryStore,
  type MemoryEndpoints,
  type NoScheduler,
  TimedSender,
} from "./memory-ports";
import { BATCH, nextEventId } from "./settings";

const ENDPOINTS = 20;
/** Endpoints (or tenants) 9 and 19 of 20: 10%. */
const isBad = (i: number) => i % 10 === 9;

type Failure = "hang" | "refuse" | "500";
const FAILURES: readonly Failure[] = ["hang", "refuse", "500"];
const FAILING_AS: Record<Failure, string> = {
  hang: "hang",
  refuse: "refuse connections",
  "500": "answer 500",
};

/** Where endpoints point: healthy ones at the receiver process, bad ones by how they fail. */
export interface Origins {
  readonly healthy: string;
  readonly bad: Record<Failure, string>;
}

/** The section's cases: each shape all healthy (its baseline), then with 2 of its 20 endpoints failing each way. */
export function isolationCases(world: World, origins: Origins): Case[] {
  const all20 = fanOut20(world, origins);
  const all1 = fanOut1(world, origins);
  return [
    all20,
    ...FAILURES.map((f) => fanOut20(world, origins, f, all20)),
    all1,
    ...FAILURES.map((f) => fanOut1(world, origins, f, all1)),
  ];
}

export interface World extends TwoLanes {
  readonly endpoints: MemoryEndpoints;
  readonly store: MemoryDeliveryStore;
  readonly timed: TimedSender;
  readonly scheduler: NoScheduler;
}

/** One message's tenant: how to make its message, and how many of its deliveries go to healthy endpoints. */
interface Tenant {
  readonly message: (eventId: string) => string;
  readonly healthy: number;
}

/** What a case's batches saw during a window. */
export class Recorder {
  /** ms from the worker taking a message to the message done, for messages with healthy deliveries. */
  latencies: number[] = [];
  /** Healthy deliveries the messages made. */
  expected = 0;

  reset(): void {
    this.latencies = [];
    this.expected = 0;
  }
}

export interface Case {
  readonly name: string;
  /** The all-healthy case of the same shape; undefined for a baseline itself. */
  readonly baseline?: Case;
  /** The case's endpoints, healthy and bad: what a window counts is theirs, not other cases' slow lane work. */
  readonly endpoints: readonly WebhookEndpoint[];
  readonly ids: ReadonlySet<string>;
  readonly bad: readonly WebhookEndpoint[];
  readonly recorder: Recorder;
  readonly batch: () => Promise<number>;
}

export function twoLaneWorld(sender: HttpWebhookSender, isBadUrl: (url: string) => boolean): World {
  const timed = new TimedSender(sender, isBadUrl);
  return { ...inMemoryLanes(timed), timed };
}

const urlOf = (origins: Origins, tenant: string, i: number, failure: Failure | undefined) =>
  failure && isBad(i) ? `${origins.bad[failure]}/${tenant}/${i}` : `${origins.healthy}/hooks/${tenant}/${i}`;

/** One tenant with 20 endpoints: every message fans out to all of them; 2 fail when `failure` is given. */
function fanOut20(world: World, origins: Origins, failure?: Failure, baseline?: Case): Case {
  const tenant = `iso20-${failure ?? "ok"}`;
  const bad: WebhookEndpoint[] = [];
  const all: WebhookEndpoint[] = [];
  for (let i = 0; i < ENDPOINTS; i++) {
    const e = endpoint(tenant, i, urlOf(origins, tenant, i, failure));
    world.endpoints.add(e);
    all.push(e);
    if (failure && isBad(i)) bad.push(e);
  }
  const name = failure ? `fan-out 20, 2 of 20 ${FAILING_AS[failure]}` : "fan-out 20, all healthy";
  const tenants = [{ message: messageFactory(tenant), healthy: ENDPOINTS - bad.length }];
  return caseOf(name, world.main, tenants, all, bad, baseline);
}

/** 20 tenants with one endpoint each, messages to each in turn; 2 of the endpoints fail when `failure` is given. */
function fanOut1(world: World, origins: Origins, failure?: Failure, baseline?: Case): Case {
  const tenants: Tenant[] = [];
  const bad: WebhookEndpoint[] = [];
  const all: WebhookEndpoint[] = [];
  for (let i = 0; i < ENDPOINTS; i++) {
    const tenant = `iso1-${failure ?? "ok"}-${i}`;
    const e = endpoint(tenant, 0, urlOf(origins, tenant, i, failure));
    world.endpoints.add(e);
    all.push(e);
    const fails = failure !== undefined && isBad(i);
    if (fails) bad.push(e);
    tenants.push({ message: messageFactory(tenant), healthy: fails ? 0 : 1 });
  }
  const name = failure
    ? `fan-out 1 x 20 tenants, 2 ${FAILING_AS[failure]}`
    : "fan-out 1 x 20 tenants, all healthy";
  return caseOf(name, world.main, tenants, all, bad, baseline);
}

function caseOf(
  name: string,
  main: EventDelivery,
  tenants: readonly Tenant[],
  endpoints: readonly WebhookEndpoint[],
  bad: readonly WebhookEndpoint[],
  baseline: Case | undefined,
): Case {
  const recorder = new Recorder();
  const batch = mainLaneBatch(main, tenants, recorder);
  const ids = new Set(endpoints.map((e) => e.id));
  return { name, endpoints, ids, bad, recorder, batch, ...(baseline ? { baseline } : {}) };
}

/** One main-lane invocation: BATCH messages at once, to the tenants in turn; answers the healthy deliveries made. */
function mainLaneBatch(
  main: EventDelivery,
  tenants: readonly Tenant[],
  recorder: Recorder,
): () => Promise<number> {
  let next = 0;
  const one = async (): Promise<number> => {
    const tenant = tenants[next++ % tenants.length] as Tenant;
    const { id, messageId } = nextEventId();
    const started = performance.now();
    const result = await main.handleMessage(tenant.message(id), messageId);
    if (tenant.healthy > 0) recorder.latencies.push(performance.now() - started);
    recorder.expected += tenant.healthy;
    if (result === "retry_later") throw new Error("a message was left for later");
    return tenant.healthy;
  };
  return async () => (await Promise.all(Array.from({ length: BATCH }, one))).reduce((a, b) => a + b, 0);
}

export async function allFlagged(
  endpoints: MemoryEndpoints,
  bad: readonly WebhookEndpoint[],
): Promise<boolean> {
  const current = await Promise.all(bad.map((e) => endpoints.get(e.tenant_id, e.id)));
  return current.every((e) => e?.health.state !== "healthy");
}

/** The bad endpoints' health states as stored now, e.g. "open" or "slow/open". */
export async function healthOf(endpoints: MemoryEndpoints, bad: readonly WebhookEndpoint[]): Promise<string> {
  const current = await Promise.all(bad.map((e) => endpoints.get(e.tenant_id, e.id)));
  return [...new Set(current.map((e) => e?.health.state ?? "deleted"))].join("/") || "-";
}

/** How many of the cases' healthy endpoints the platform flagged (slow or open): none, if it judges them right. */
export async function flaggedHealthy(endpoints: MemoryEndpoints, cases: readonly Case[]): Promise<number> {
  let flagged = 0;
  for (const c of cases) {
    for (const e of c.endpoints) {
      if (c.bad.includes(e)) continue;
      if ((await endpoints.get(e.tenant_id, e.id))?.health.state !== "healthy") flagged++;
    }
  }
  return flagged;
}

/** Probe 1 schedules made for each bad endpoint, and for how many distinct breaker openings. */
export function probesOf(scheduler: NoScheduler, bad: readonly WebhookEndpoint[]): string {
  return bad
    .map((e) => {
      const first = scheduler.probes.filter((p) => p.message.webhook_id === e.id && p.message.probe === 1);
      return `${first.length} (${new Set(first.map((p) => p.message.opened_at)).size} distinct opened_at)`;
    })
    .join(", ");
}
