/**
 * @module Section 6 of `npm run bench`: the local event-to-POST latency of
 * docs/delivery.md, measured by `measureLocalLatency()` from bench/latency.ts. It runs in
 * a child process: the handlers' wiring builds its clients once per process (as
 * once per cold start), so a second local platform in the bench's process would
 * talk to the servers of the first one (section 5), long stopped. This file is
 * that child too: forked, it measures and sends the result back.
 */
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fmt, printTable } from "./harness";
import { ignoreNodeVersionWarning } from "./settings";
import { type TargetResult, verdict } from "./targets";

/**
 * docs/delivery.md: on an idle platform an event reaches a healthy receiver in 100 ms or less (p50) in the
 * local run. bench/latency.ts states it as TARGET_P50_MS; this is only for a version without it.
 */
const TARGET_P50_MS_DEFAULT = 100;
const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LATENCY_MODULE = fileURLToPath(new URL("./latency.ts", import.meta.url));

interface Latency {
  readonly p50: number;
  readonly p99: number;
}
type ChildAnswer =
  { ok: true; http: Latency; sqs: Latency; targetP50Ms: number } | { ok: false; reason: string };

export async function localLatency(): Promise<TargetResult[]> {
  console.log(
    "\n## 6. Local event-to-POST latency (bench/latency.ts: `npm start`'s platform, one event at a time)\n",
  );
  // bench/latency.ts is another change's: without it (or its export), the section says so and goes on.
  if (!existsSync(LATENCY_MODULE)) {
    console.log("skipped: bench/latency.ts is not there yet, so measureLocalLatency() cannot be called");
    return [];
  }
  const answer = await inChildProcess();
  if (!answer.ok) {
    console.log(`not measured: ${answer.reason}`);
    return [];
  }
  const rows = [
    ["HTTP (POST /v1/events)", answer.http],
    ["SQS (SendMessage to the events queue)", answer.sqs],
  ] as const;
  printTable(
    ["producer to receiver", "p50 ms", "p99 ms"],
    rows.map(([via, l]) => [via, fmt(l.p50, 1), fmt(l.p99, 1)]),
  );
  const targets = rows.map(([via, l]) => ({
    what: `local event-to-POST p50 over ${via.split(" ")[0]}`,
    figure: `${fmt(l.p50, 1)} ms`,
    target: `<= ${answer.targetP50Ms} ms`,
    met: l.p50 <= answer.targetP50Ms,
  }));
  console.log("");
  for (const t of targets)
    console.log(`target (${t.what}): ${t.figure}, target ${t.target}: ${verdict(t.met)}`);
  return targets;
}

function inChildProcess(): Promise<ChildAnswer> {
  return new Promise((resolve) => {
    const child = fork(SELF, [], {
      cwd: ROOT,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    let answer: ChildAnswer | undefined;
    child.on("message", (message: ChildAnswer) => {
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

/** In the child: calls measureLocalLatency() if bench/latency.ts exports it; answers what it measured, or why not. */
async function measure(): Promise<ChildAnswer> {
  ignoreNodeVersionWarning();
  // Imported by path, so this file compiles whether or not bench/latency.ts exists yet.
  const latency = (await import(pathToFileURL(LATENCY_MODULE).href)) as Record<string, unknown>;
  const measureLocalLatency = latency.measureLocalLatency;
  if (typeof measureLocalLatency !== "function") {
    return { ok: false, reason: "bench/latency.ts does not export measureLocalLatency() (yet)" };
  }
  try {
    const { http, sqs } = (await measureLocalLatency()) as { http: Latency; sqs: Latency };
    const targetP50Ms =
      typeof latency.TARGET_P50_MS === "number" ? latency.TARGET_P50_MS : TARGET_P50_MS_DEFAULT;
    return {
      ok: true,
      http: { p50: http.p50, p99: http.p99 },
      sqs: { p50: sqs.p50, p99: sqs.p99 },
      targetP50Ms,
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `measureLocalLatency() failed: ${reason}` };
  }
}

if (process.send && process.argv[1] === SELF) {
  const answer = await measure();
  // Exits once the answer is out: SDK clients the handlers built keep sockets that would hold the process.
  process.send(answer, () => process.exit(0));
}
