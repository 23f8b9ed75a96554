/**
 * @module The measuring half of bench/capacity.ts, run in a child process of
 * its own: the handlers' wiring builds its clients once per process (as once
 * per cold start), so it needs a local platform that no other section started.
 * It starts `startLocalPlatform` (DynamoDB Local, local SQS, the Scheduler
 * emulator), meters the production DynamoDB and SQS clients
 * (bench/capacity-meter.ts), sets up the tenants and endpoints, and measures
 * each case in windows of the production delivery handler
 * (bench/capacity-window.ts). It answers counts, not prices; the parent turns
 * them into units and dollars per delivery.
 */
import { fileURLToPath } from "node:url";
import { issueApiKey } from "../lambdas/core/api-keys";
import { localSqs } from "../local/clients";
import { startLocalPlatform } from "../local/platform";
import { meterDynamoDb, meterSqs } from "./capacity-meter";
import { type CaseCounts, describe, invoke, isClean, measureCase, type Rig, settle } from "./capacity-window";
import { EVENT_DATA, EVENT_TYPE, OCCURRED_AT } from "./fixtures";
import { startReceiverProcess } from "./harness";
import { largeLeadData } from "./large-lead";
import { BATCH, ignoreNodeVersionWarning, QUICK } from "./settings";
import { startStatusServer } from "./status-server";

const SELF = fileURLToPath(import.meta.url);
/** At least 20 events per case; the counts per delivery do not depend on it. */
const EVENTS_PER_CASE = QUICK ? 20 : 50;
/** Windows a case may take to be clean (see `measured`): on a busy 2-core machine fan-out 10 can take three. */
const MAX_RUNS = 5;

export type CasesAnswer =
  | {
      ok: true;
      cases: CaseCounts[];
      breakerThreshold: number;
      /** Events sent to each failing endpoint: a retry's success resets its endpoint's count once per endpoint. */
      eventsPerFailingEndpoint: number;
      catalogCacheSeconds: number;
      /** Cases measured again, and why. */
      notes: string[];
    }
  | { ok: false; reason: string };

/** `n` producer messages for `tenant`, as bench/fixtures.ts's messageFactory makes them, with `data`. */
const events = (tenant: string, tag: string, data: unknown, n = EVENTS_PER_CASE) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      tenant_id: tenant,
      type: EVENT_TYPE,
      id: `evt_${tag}_${String(i).padStart(6, "0")}`,
      occurred_at: OCCURRED_AT,
      data,
    }),
  );

/**
 * A case measured until a window is clean, with new events each run (`bodies(run)`), once the slow
 * lane has worked what went there (a fast success moves an endpoint back).
 */
async function measured(
  rig: Rig,
  notes: string[],
  name: string,
  fanOut: number,
  bodies: (run: number) => string[],
): Promise<CaseCounts> {
  for (let run = 1; ; run++) {
    await settle(rig);
    const counts = await measureCase(rig, name, fanOut, bodies(run), BATCH);
    if (isClean(rig, counts)) return counts;
    if (run === MAX_RUNS)
      throw new Error(`${name}: no clean window in ${MAX_RUNS} runs: ${describe(counts)}`);
    notes.push(`${name}: measured again (an endpoint went to the slow lane: ${describe(counts)})`);
  }
}

/** A case that cannot run twice (retries are the scheduled messages; failures count towards a breaker). */
async function measuredOnce(rig: Rig, name: string, bodies: readonly string[], perBatch: number) {
  await settle(rig);
  const counts = await measureCase(rig, name, 1, bodies, perBatch);
  if (!isClean(rig, counts) || counts.messages === 0) throw new Error(`${name}: ${describe(counts)}`);
  return counts;
}

async function createEndpoint({ platform: { outputs } }: Rig, key: string, url: string): Promise<void> {
  const res = await fetch(`${outputs.ApiUrl}/v1/webhooks`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      name: "Receiver",
      url,
      events: ["crm.lead.*"],
      headers: { "X-Api-Key": "rk_live_5f1d2c3b4a" },
      verify: false,
    }),
  });
  if (res.status !== 201) throw new Error(`creating an endpoint: ${res.status} ${await res.text()}`);
}

async function measure(): Promise<CasesAnswer> {
  // As deployed: metrics on, INFO logs (this process's stdout goes nowhere).
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  const platform = await startLocalPlatform({ port: 0, logLevel: "INFO" });
  // The local run reads the catalog for every event; a deployed worker keeps it for the config's
  // default (the stack's catalogCacheTtl, 30 s), which is what a delivery costs there.
  delete process.env.CATALOG_CACHE_SECONDS;
  const { outputs } = platform;
  const queues = localSqs(outputs);
  const receiver = await startReceiverProcess();
  const failing = await startStatusServer(500);
  try {
    const aws = await import("../lambdas/wiring/clients");
    const { loadConfig } = await import("../lambdas/config");
    const { handler } = await import("../lambdas/handlers/delivery-worker");
    const rig: Rig = {
      platform,
      handler,
      receiver,
      failing,
      dynamoDb: meterDynamoDb(aws.documentClient()),
      sqs: meterSqs(aws.sqsClient()),
      queues,
    };
    const tenant = async (id: string, ...urls: string[]) => {
      const { key, record } = issueApiKey(id);
      await aws.apiKeyStore().save(record);
      for (const url of urls) await createEndpoint(rig, key, url);
    };
    await tenant("cost-fo1", `${receiver.healthyOrigin}/hooks/cost-fo1/0`);
    const tenEndpoints = Array.from(
      { length: 10 },
      (_, i) => `${receiver.healthyOrigin}/hooks/cost-fo10/${i}`,
    );
    await tenant("cost-fo10", ...tenEndpoints);
    // A failing endpoint takes this many first attempts and as many failed retries, so that its
    // breaker stays closed and every attempt is an HTTP attempt.
    const breakerThreshold = loadConfig("endpointHealth").BREAKER_THRESHOLD;
    const perEndpoint = Math.max(1, Math.floor((breakerThreshold - 1) / 2));
    const failingTenants = Array.from(
      { length: Math.ceil(EVENTS_PER_CASE / perEndpoint) },
      (_, i) => `cost-fail-${i}`,
    );
    for (const id of [...failingTenants, "cost-fail-warm"]) await tenant(id, `${failing.origin}/${id}`);

    const large = largeLeadData();
    // Warm-up, not counted: the SDK clients, connections, the catalog cache, the Scheduler client.
    // One message before a batch at fan-out 10: 100 POSTs on cold connections can take over a second.
    await invoke(rig, events("cost-fo1", "warm1", EVENT_DATA, BATCH), BATCH);
    await invoke(rig, events("cost-fo10", "warm10a", EVENT_DATA, 1), 1);
    await invoke(rig, events("cost-fo10", "warm10", EVENT_DATA, 3 * BATCH), BATCH);
    await invoke(rig, events("cost-fo1", "warmL", large, BATCH), BATCH);
    await invoke(rig, events("cost-fail-warm", "warmF", EVENT_DATA, 1), 1);

    const notes: string[] = [];
    const cases: CaseCounts[] = [
      await measured(rig, notes, "fan-out 1, 1 KB", 1, (run) => events("cost-fo1", `fo1r${run}`, EVENT_DATA)),
      await measured(rig, notes, "fan-out 10, 1 KB", 10, (run) =>
        events("cost-fo10", `fo10r${run}`, EVENT_DATA),
      ),
      await measured(rig, notes, "fan-out 1, 10 KB", 1, (run) => events("cost-fo1", `fo1Lr${run}`, large)),
    ];

    // Failures: first attempts that fail, their retries failing, then the next retries succeeding.
    // Retries come back one at a time (each schedule fires on its own), so one per invocation.
    const schedules = () =>
      new Map(platform.scheduler.schedules().map((s) => [s.Name, s.Target.Input ?? ""]));
    const since = (before: Map<string, string>) =>
      [...schedules()].filter(([name]) => !before.has(name)).map(([, input]) => input);
    const firstAttempts = failingTenants.flatMap((id, t) => events(id, `fail${t}`, EVENT_DATA, perEndpoint));
    let before = schedules();
    cases.push(await measuredOnce(rig, "first attempt failing (500), fan-out 1, 1 KB", firstAttempts, BATCH));
    const retries = since(before);
    before = schedules();
    cases.push(await measuredOnce(rig, "retry failing (500)", retries, 1));
    const lastRetries = since(before);
    failing.status = 200;
    cases.push(await measuredOnce(rig, "retry succeeding (200)", lastRetries, 1));
    const catalogCacheSeconds = loadConfig("catalog").CATALOG_CACHE_SECONDS;
    return {
      ok: true,
      cases,
      breakerThreshold,
      eventsPerFailingEndpoint: perEndpoint,
      catalogCacheSeconds,
      notes,
    };
  } finally {
    queues.destroy();
    await failing.close();
    await receiver.stop();
    await platform.stop();
  }
}

if (process.send && process.argv[1] === SELF) {
  ignoreNodeVersionWarning();
  const answer: CasesAnswer = await measure().catch((error: unknown) => ({
    ok: false as const,
    reason: error instanceof Error ? (error.stack ?? error.message) : String(error),
  }));
  // Exits once the answer is out: SDK clients the handlers built keep sockets that would hold the process.
  process.send(answer, () => process.exit(0));
}
