/**
 * @module Section 8 of `npm run bench`, and `npm run bench:cost` (`npx tsx
 * bench/capacity.ts [--quick]`) alone: what a delivery costs in the operator's
 * AWS bill. The production delivery handler runs on the local platform
 * (bench/capacity-cases.ts, in a child process), and each case's DynamoDB units
 * (from ReturnConsumedCapacity), SQS requests, Scheduler calls, Lambda
 * invocations and Lambda GB-seconds are divided by its attempts, priced at
 * bench/prices.ts's on-demand prices, and set against EventBridge API
 * destinations. Units and requests are counts; GB-seconds is a measurement.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CasesAnswer } from "./capacity-cases";
import type { CaseCounts } from "./capacity-window";
import { fmt, median, printTable } from "./harness";
import {
  API_DESTINATIONS_PER_MILLION,
  type Cost,
  combineUsage,
  costPerMillion,
  lambdaGbSeconds,
  priceLines,
  type Usage,
} from "./prices";
import { ignoreNodeVersionWarning } from "./settings";
import { printTargets, type TargetResult, verdict } from "./targets";

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CASES = fileURLToPath(new URL("./capacity-cases.ts", import.meta.url));

/** lib/webhook-platform-stack.ts: deliveryWorker and slowLaneWorker both have 512 MB. */
const WORKER_MEMORY_MB = 512;

/** Issue 10, point 1: units per successful delivery with 1 KB of data, and what the payload may add. */
const MAX_WRITE_UNITS_FAN_OUT_1 = 3;
const MAX_WRITE_UNITS_FAN_OUT_10 = 1.2;
const MAX_READ_UNITS_FAN_OUT_1 = 0.5;
/** At most one write unit per KB of payload, once per event. */
const MAX_PAYLOAD_UNITS_PER_KB = 1;

const FAN_OUT_1 = "fan-out 1, 1 KB";
const FAN_OUT_10 = "fan-out 10, 1 KB";
const LARGE = "fan-out 1, 10 KB";
const FAILED_FIRST = "first attempt failing (500), fan-out 1, 1 KB";
const FAILED_RETRY = "retry failing (500)";
const RETRY_OK = "retry succeeding (200)";

type Measured = Extract<CasesAnswer, { ok: true }>;

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const sumOf = (counts: Readonly<Record<string, number>>) => sum(Object.values(counts));
/** "Query 1.00, PutItem 2.00": counts by what, per `per` (whole numbers when undivided). */
const listed = (counts: Readonly<Record<string, number>>, per = 1) =>
  Object.entries(counts)
    .map(([what, n]) => `${what} ${per === 1 ? String(n) : fmt(n / per, 2)}`)
    .join(", ") || "none";

/** SQS requests of a case: those around the handler (producer, Lambda's receive and delete) and the handler's own. */
const sqsRequests = (c: CaseCounts) => sumOf(c.eventSourceSqs) + sumOf(c.handlerSqs);
/** Scheduler invocations: every schedule created fires once (ActionAfterCompletion DELETE). */
const schedulesCreated = (c: CaseCounts) => c.scheduler.CreateSchedule ?? 0;
const gbSeconds = (c: CaseCounts) => sum(c.batchWallMs.map((ms) => lambdaGbSeconds(ms, WORKER_MEMORY_MB)));

/** A case's usage per attempt: per delivery when every attempt succeeds. */
function usagePerAttempt(c: CaseCounts): Usage {
  const per = (n: number) => n / c.attempts;
  return {
    readUnits: per(c.dynamoDb.readUnits),
    writeUnits: per(c.dynamoDb.writeUnits),
    sqsRequests: per(sqsRequests(c)),
    schedulerInvocations: per(schedulesCreated(c)),
    lambdaRequests: per(c.batches),
    lambdaGbSeconds: per(gbSeconds(c)),
  };
}

function printMethod(answer: Measured): void {
  const ttl = answer.catalogCacheSeconds;
  for (const line of [
    "The production handler (middy, Powertools at INFO with metrics, the production adapters) works SQS-shaped",
    "batches of up to 10 messages, one invocation at a time, after a warm-up; retries come one per invocation, as",
    "schedules fire one by one. DynamoDB: ReturnConsumedCapacity TOTAL on every call of the production client,",
    "summed over the window. SQS: each message's SendMessage (the producer's, or the Scheduler's for a retry),",
    "Lambda's ReceiveMessage and DeleteMessageBatch per batch, a request per 64 KB, counted from the messages;",
    "the handler's own requests from a middleware on its client; idle long polls are per queue, not counted.",
    "Scheduler: the CreateSchedule calls in the emulator's log, each one invocation when it fires. Lambda: one",
    `request per batch; GB-s: the handler's wall time here, rounded up to 1 ms, x ${WORKER_MEMORY_MB} MB (measured`,
    `on DynamoDB Local, not counted). Breaker threshold ${answer.breakerThreshold}: no failing endpoint reaches it.`,
    `The catalog is kept ${ttl} s as deployed: its read (one Query per instance per ${ttl} s) falls in the warm-up.`,
  ])
    console.log(line);
  console.log("");
}

function printCounts(cases: readonly CaseCounts[]): void {
  printTable(
    [
      "case",
      "messages",
      "attempts",
      "message",
      "invocations",
      "read units",
      "write units",
      "SQS requests",
      "Scheduler calls",
      "ms per invocation (median, measured)",
    ],
    cases.map((c) => [
      c.name,
      String(c.messages),
      String(c.attempts),
      `${c.messageBytes} B`,
      String(c.batches),
      fmt(c.dynamoDb.readUnits, 1),
      fmt(c.dynamoDb.writeUnits, 1),
      String(sqsRequests(c)),
      listed(c.scheduler),
      fmt(median(c.batchWallMs), 1),
    ]),
  );
  console.log("\nPer attempt:\n");
  printTable(
    ["case", "DynamoDB calls", "SQS requests"],
    cases.map((c) => [
      c.name,
      listed(c.dynamoDb.calls, c.attempts),
      listed({ ...c.eventSourceSqs, ...c.handlerSqs }, c.attempts),
    ]),
  );
  for (const c of cases.filter((c) => sumOf(c.dynamoDb.failed) > 0))
    console.log(
      `${c.name}: DynamoDB calls that failed (billed, but report no units): ${listed(c.dynamoDb.failed)}`,
    );
}

const costRow = (what: string, cost: Cost): string[] => [
  what,
  fmt(cost.dynamoDb, 3),
  fmt(cost.sqs, 3),
  fmt(cost.scheduler, 3),
  fmt(cost.lambdaRequests, 3),
  fmt(cost.lambdaDuration, 3),
  `$${fmt(cost.total, 2)}`,
  `${fmt(cost.total / API_DESTINATIONS_PER_MILLION, 2)}x`,
];

function printCosts(use: (name: string) => Usage): void {
  console.log("");
  for (const line of priceLines()) console.log(line);
  // A delivery whose first attempt fails and whose retry succeeds, against one that succeeds at once;
  // each further failure is one more failed retry.
  const firstFailure = combineUsage(combineUsage(use(FAILED_FIRST), use(RETRY_OK), 1), use(FAN_OUT_1), -1);
  const costs = [FAN_OUT_1, FAN_OUT_10, LARGE].map((name) => [name, costPerMillion(use(name))] as const);
  console.log("\nDollars per million (Lambda GB-s from the measured wall time; the rest from counts):\n");
  printTable(
    [
      "per million",
      "DynamoDB",
      "SQS",
      "Scheduler",
      "Lambda requests",
      "Lambda GB-s",
      "total",
      "vs API destinations",
    ],
    [
      ...costs.map(([name, cost]) => costRow(`deliveries, ${name}`, cost)),
      costRow("first failed attempts of a delivery (its retry included)", costPerMillion(firstFailure)),
      costRow("further failed attempts (a failed retry each)", costPerMillion(use(FAILED_RETRY))),
    ],
  );
  console.log("");
  for (const [name, cost] of costs)
    console.log(`cost ${name}: $${fmt(cost.total, 2)} per million deliveries`);
  const apiDestinations = `$${fmt(API_DESTINATIONS_PER_MILLION, 2)} per million deliveries`;
  console.log(`for comparison, EventBridge API destinations: ${apiDestinations}`);
  console.log(
    `failures add $${fmt(costPerMillion(firstFailure).total, 2)} per million first failed attempts (their retry ` +
      `included) and $${fmt(costPerMillion(use(FAILED_RETRY)).total, 2)} per million further failed attempts`,
  );
}

function targets(use: (name: string) => Usage, extraKb: number): TargetResult[] {
  const payloadPerKb = (use(LARGE).writeUnits - use(FAN_OUT_1).writeUnits) / extraKb;
  const atMost = (what: string, figure: number, max: number): TargetResult => ({
    what,
    figure: fmt(figure, 2),
    target: `<= ${max}`,
    met: figure <= max,
  });
  return [
    atMost(`write units per delivery, ${FAN_OUT_1}`, use(FAN_OUT_1).writeUnits, MAX_WRITE_UNITS_FAN_OUT_1),
    atMost(`write units per delivery, ${FAN_OUT_10}`, use(FAN_OUT_10).writeUnits, MAX_WRITE_UNITS_FAN_OUT_10),
    atMost(`read units per delivery, ${FAN_OUT_1}`, use(FAN_OUT_1).readUnits, MAX_READ_UNITS_FAN_OUT_1),
    atMost(
      `payload write units per KB, once per event (${LARGE} minus ${FAN_OUT_1}, over ${fmt(extraKb, 1)} KB)`,
      payloadPerKb,
      MAX_PAYLOAD_UNITS_PER_KB,
    ),
  ];
}

/** Prints the section from the child's counts; answers the targets. */
function report(answer: Measured): TargetResult[] {
  const cases = new Map(answer.cases.map((c) => [c.name, c]));
  const get = (name: string): CaseCounts => {
    const c = cases.get(name);
    if (!c || c.attempts === 0) throw new Error(`case "${name}" made no attempts`);
    return c;
  };
  const use = (name: string) => usagePerAttempt(get(name));
  printMethod(answer);
  printCounts(answer.cases);
  for (const note of answer.notes) console.log(note);

  console.log("");
  for (const name of [FAN_OUT_1, FAN_OUT_10, LARGE]) {
    const u = use(name);
    const units = `${fmt(u.readUnits, 2)} read units, ${fmt(u.writeUnits, 2)} write units`;
    console.log(`capacity ${name}: ${units} per delivery`);
  }
  for (const name of [FAILED_FIRST, FAILED_RETRY, RETRY_OK]) {
    const u = use(name);
    console.log(
      `per attempt, ${name}: ${fmt(u.readUnits, 2)} read units, ${fmt(u.writeUnits, 2)} write units, ` +
        `${fmt(u.schedulerInvocations, 2)} Scheduler calls, ${fmt(u.sqsRequests, 2)} SQS requests`,
    );
  }
  const n = answer.eventsPerFailingEndpoint;
  console.log(
    `(a failing endpoint takes ${n} events; its first success resets its count: 1/${n} write per retry)`,
  );
  printCosts(use);

  const extraKb = (get(LARGE).messageBytes - get(FAN_OUT_1).messageBytes) / 1024;
  const results = targets(use, extraKb);
  console.log("");
  for (const t of results)
    console.log(`target (${t.what}): ${t.figure}, target ${t.target}: ${verdict(t.met)}`);
  return results;
}

function inChildProcess(args: readonly string[]): Promise<CasesAnswer> {
  return new Promise((resolve) => {
    const child = fork(CASES, [...args], {
      cwd: ROOT,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    let answer: CasesAnswer | undefined;
    child.on("message", (message: CasesAnswer) => {
      answer = message;
    });
    child.on("error", (error) =>
      resolve({ ok: false, reason: `the child process failed: ${error.message}` }),
    );
    child.on("exit", (code) =>
      resolve(answer ?? { ok: false, reason: `the child process exited with ${code}` }),
    );
  });
}

/** The section: measures in a child process, prints, answers the targets ([] if it could not measure). */
export async function capacity(): Promise<TargetResult[]> {
  console.log(
    "\n## 8. What a delivery costs (bench/capacity.ts): the production handler on the local platform, " +
      "DynamoDB units from ReturnConsumedCapacity\n",
  );
  const answer = await inChildProcess(process.argv.slice(2));
  if (!answer.ok) {
    console.log(`not measured: ${answer.reason}`);
    return [];
  }
  return report(answer);
}

if (process.argv[1] === SELF && !process.send) {
  ignoreNodeVersionWarning();
  const results = await capacity();
  console.log("\n## Targets\n");
  printTargets(results);
  if (results.length === 0) process.exitCode = 1;
}
