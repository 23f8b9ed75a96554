/** @module Measurement plumbing for bench/run.ts: the receiver process, timed windows, statistics. */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { request } from "undici";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

export interface ReceiverProcess {
  readonly healthyOrigin: string;
  readonly hangOrigin: string;
  /** CPU µs the receiver process has used so far, and how many requests it answered. */
  stats(): Promise<{ cpuUs: number; requests: number }>;
  stop(): Promise<void>;
}

export async function startReceiverProcess(): Promise<ReceiverProcess> {
  const file = fileURLToPath(new URL("./receiver.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", file], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  const line = await new Promise<string>((ok, fail) => {
    if (!child.stdout) return fail(new Error("receiver has no stdout"));
    const lines = createInterface({ input: child.stdout });
    lines.once("line", ok);
    child.once("exit", (code) => fail(new Error(`receiver exited with ${code}`)));
  });
  const ports = JSON.parse(line) as { healthy: number; hang: number };
  const healthyOrigin = `http://127.0.0.1:${ports.healthy}`;
  return {
    healthyOrigin,
    hangOrigin: `http://127.0.0.1:${ports.hang}`,
    async stats() {
      const res = await request(`${healthyOrigin}/__stats`);
      return (await res.body.json()) as { cpuUs: number; requests: number };
    },
    async stop() {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Busy CPU time of the whole machine so far, µs (Linux /proc/stat; undefined elsewhere). */
function machineBusyUs(): number | undefined {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    // /proc/stat counts in USER_HZ, 100 per second on Linux.
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10_000;
  } catch {
    return undefined;
  }
}

export interface WindowResult {
  /** Deliveries (or plain POSTs) completed in the window. */
  readonly count: number;
  readonly wallMs: number;
  /** user + system CPU of this process over the window. */
  readonly cpuUs: number;
  readonly receiverCpuUs: number;
  readonly receiverRequests: number;
  /** Wall time of each batch, ms. */
  readonly batchMs: readonly number[];
  /**
   * Share of the machine's CPU (0-1 of all cores) that neither this process nor the receiver
   * used during the window: other work on a shared machine, which makes a window less trustworthy.
   */
  readonly otherLoad: number;
}

export interface WindowOptions {
  /** Batch loops running at once (like Lambda instances, each working one batch at a time). */
  readonly workers: number;
  /** Start batches until this much time has passed; the window ends when the last batch has finished. */
  readonly durationMs?: number;
  /** Or: this many batches per worker. */
  readonly batchesPerWorker?: number;
}

/**
 * Runs `workers` loops that each call `batch` (which answers how many
 * deliveries it completed) until the time or batch budget is spent, and
 * measures wall time and this process's CPU over exactly that span. A full GC
 * runs first so no window pays for the previous one's garbage.
 */
export async function runWindow(
  options: WindowOptions,
  receiver: ReceiverProcess,
  batch: () => Promise<number>,
): Promise<WindowResult> {
  collectGarbage();
  const before = await receiver.stats();
  const batchMs: number[] = [];
  let count = 0;
  const busy0 = machineBusyUs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + (options.durationMs ?? Number.POSITIVE_INFINITY);
  const perWorker = options.batchesPerWorker ?? Number.POSITIVE_INFINITY;
  await Promise.all(
    Array.from({ length: options.workers }, async () => {
      for (let n = 0; n < perWorker && performance.now() < deadline; n++) {
        const started = performance.now();
        const done = await batch(); // (not `count += await`: that reads count before the await)
        count += done;
        batchMs.push(performance.now() - started);
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const busy1 = machineBusyUs();
  const after = await receiver.stats();
  const receiverCpuUs = after.cpuUs - before.cpuUs;
  const other =
    busy0 === undefined || busy1 === undefined
      ? Number.NaN
      : (busy1 - busy0 - (cpu.user + cpu.system) - receiverCpuUs) / (wallMs * 1000 * availableParallelism());
  return {
    count,
    wallMs,
    cpuUs: cpu.user + cpu.system,
    receiverCpuUs,
    receiverRequests: after.requests - before.requests,
    batchMs,
    otherLoad: Math.max(0, other),
  };
}

export const perSecond = (w: WindowResult) => (w.count / w.wallMs) * 1000;
export const cpuPerDelivery = (w: WindowResult) => w.cpuUs / w.count;
export const receiverCpuPerRequest = (w: WindowResult) =>
  w.receiverRequests ? w.receiverCpuUs / w.receiverRequests : Number.NaN;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Prints a Markdown table with columns padded, readable as is in a terminal. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? `-${"-".repeat(w)}-` : `-${"-".repeat(w)}:`)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}

export const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
