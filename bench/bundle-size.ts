/**
 * @module Each Lambda's bundle as `cdk synth` builds it: the minified size a cold start parses
 * (index.mjs and the chunks it imports statically; what loads on first use is in chunks of
 * its own), and the time a fresh Node process takes to import it, which is what a cold start
 * pays before the handler runs. Next to it, its baseline: a bundle of only the AWS SDK clients
 * the function builds on its normal path, constructed, built with the same options (split too:
 * the SDK's own lazily loaded parts, such as its other credential providers, are chunks in both). Target (issue 10, point 4): each function's
 * import time at most 1.3x its baseline's.
 *
 * Each function and its baseline are imported in turns, in fresh processes, RUNS times, the
 * one that goes first alternating, so load from elsewhere on the machine falls on both alike.
 * The times are each side's median; the ratio is the median of the RUNS paired ratios. CPU time
 * (the child's user + system time over the import) is printed too: on a shared machine it moves
 * less than the wall clock, which counts time spent waiting for a core.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { type LambdaFunctionName, lambdaFunctions } from "../lambdas/functions";
import { esbuildOptions } from "../lib/bundling";

const RUNS = 15;
const TARGET_RATIO = 1.3;

/** The SDK clients a baseline builds, as lambdas/wiring/clients.ts builds them. */
const clientCode = {
  DynamoDB: {
    imports: [
      'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";',
      'import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";',
    ],
    build:
      "DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } })",
  },
  SQS: { imports: ['import { SQSClient } from "@aws-sdk/client-sqs";'], build: "new SQSClient({})" },
} as const;
type Client = keyof typeof clientCode;

/**
 * The clients each function builds on its normal path. Scheduler is on none: only a failed
 * attempt (a retry) or an opened breaker (a probe) schedules, never a successful delivery.
 */
const coldStartClients = {
  // Looks the key up and records its last use.
  apiAuthorizer: ["DynamoDB"],
  webhookQueries: ["DynamoDB"],
  webhookCommands: ["DynamoDB"],
  // Test and resend record what they send; recover queues resends on the slow lane.
  deliveryCommands: ["DynamoDB", "SQS"],
  // The catalog is in the table; accepted events go on the events queue.
  eventsApi: ["DynamoDB", "SQS"],
  adminApi: ["DynamoDB"],
  // Serves files and the OpenAPI document: no AWS client at all.
  portal: [],
  // Fan-out and the delivery log; the queues for platform events and the slow lane.
  deliveryWorker: ["DynamoDB", "SQS"],
  slowLaneWorker: ["DynamoDB", "SQS"],
} as const satisfies Record<LambdaFunctionName, readonly Client[]>;

// On Node 20 (not Lambda's 24) each process would print the SDK's end-of-support warning.
const childEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

interface ImportTime {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function importTime(file: string): ImportTime {
  const script = [
    "const cpu = process.cpuUsage(); const t = performance.now();",
    `await import(${JSON.stringify(file)});`,
    "const wall = performance.now() - t; const used = process.cpuUsage(cpu);",
    "console.log(wall, (used.user + used.system) / 1000);",
  ].join(" ");
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: childEnv,
  });
  const [wallMs = Number.NaN, cpuMs = Number.NaN] = out.trim().split(" ").map(Number);
  return { wallMs, cpuMs };
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * Builds into `outdir` as `cdk synth` does: index.mjs and its chunks. `kb` is what a cold start
 * parses (index.mjs and the chunks it imports statically), `totalKb` everything shipped.
 */
async function bundle(outdir: string, options: Pick<BuildOptions, "entryPoints" | "stdin">) {
  const result = await build({ ...esbuildOptions, ...options, outdir, sourcemap: false, metafile: true });
  const outputs = result.metafile.outputs;
  const entryKey = Object.keys(outputs).find((key) => key.endsWith("/index.mjs")) ?? "";
  const eager = new Set([entryKey]);
  for (const key of eager) {
    for (const edge of outputs[key]?.imports ?? []) {
      if (edge.kind === "import-statement" && !edge.external) eager.add(edge.path);
    }
  }
  const sum = (keys: Iterable<string>) =>
    [...keys].reduce((kb, key) => kb + (outputs[key]?.bytes ?? 0) / 1024, 0);
  return {
    file: join(outdir, "index.mjs"),
    kb: sum(eager),
    totalKb: sum(Object.keys(outputs)),
    metafile: result.metafile,
  };
}

/**
 * What a bundle evaluates when imported, from esbuild's metafile: the inputs reached from the
 * entry through static imports and require() calls. Those reached only through `import()` run
 * when first awaited. (A require() inside a function counts as static here, so this can only
 * overstate what runs at import.)
 */
function evaluatedAtImport(metafile: Metafile, entry: string): Set<string> {
  const reached = new Set([entry]);
  const pending = [entry];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    for (const edge of metafile.inputs[path]?.imports ?? []) {
      if (edge.kind === "dynamic-import" || edge.external || reached.has(edge.path)) continue;
      reached.add(edge.path);
      pending.push(edge.path);
    }
  }
  return reached;
}

const isSdkRuntime = (name: string) => /^@(aws-sdk|smithy|aws)\//.test(name) || name === "mnemonist";

/** Package name to KB in the bundle, for what runs at import and what waits for first use. */
function packagesByPhase(metafile: Metafile, entry: string) {
  const eager = evaluatedAtImport(metafile, entry);
  const atImport = new Map<string, number>();
  const onFirstUse = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      if (!name) continue;
      const phase = eager.has(path) ? atImport : onFirstUse;
      phase.set(name, (phase.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return { atImport, onFirstUse };
}

/** Packages of 8 KB or more, largest first, but those `skip` names. */
function listPackages(sizes: Map<string, number>, skip: (name: string) => boolean): string {
  const listed = [...sizes]
    .filter(([name, size]) => size >= 8 * 1024 && !skip(name))
    .sort((a, b) => b[1] - a[1])
    .map(([name, size]) => `${name} ${(size / 1024).toFixed(0)}`);
  return listed.join(", ") || "nothing";
}

const dir = mkdtempSync(join(tmpdir(), "hookline-bundles-"));
try {
  const baselines = new Map<string, Awaited<ReturnType<typeof bundle>>>();
  const rows = [];
  for (const name of Object.keys(lambdaFunctions) as LambdaFunctionName[]) {
    const { entry } = lambdaFunctions[name];
    if (!existsSync(entry)) {
      console.log(`${name.padEnd(17)} (no handler yet: ${entry})`);
      continue;
    }
    const clients: readonly Client[] = coldStartClients[name];
    const key = clients.join(" + ");
    if (!baselines.has(key)) {
      const contents = [
        ...clients.flatMap((client) => clientCode[client].imports),
        `export const clients = [${clients.map((client) => clientCode[client].build).join(", ")}];`,
      ].join("\n");
      const outdir = join(dir, `baseline-${clients.join("-")}`);
      baselines.set(
        key,
        await bundle(outdir, { stdin: { contents, resolveDir: process.cwd(), loader: "js" } }),
      );
    }
    const baseline = baselines.get(key);
    if (!baseline) continue;
    const fn = await bundle(join(dir, name), { entryPoints: [entry] });
    rows.push({
      name,
      entry,
      key,
      fn,
      baseline,
      times: { fn: [] as ImportTime[], base: [] as ImportTime[] },
    });
  }

  for (let run = 0; run < RUNS; run++) {
    for (const row of rows) {
      if (run % 2 === 0) {
        row.times.fn.push(importTime(row.fn.file));
        row.times.base.push(importTime(row.baseline.file));
      } else {
        row.times.base.push(importTime(row.baseline.file));
        row.times.fn.push(importTime(row.fn.file));
      }
    }
  }

  console.log(
    `Import time: median of ${RUNS} fresh node ${process.version} processes, in turns with the baseline, a bundle` +
      ` of only the SDK clients the function builds at cold start. Target: ratio <= ${TARGET_RATIO}.\n`,
  );
  console.log(
    "function          parsed (of all)  import    cpu | clients at cold start baseline  import    cpu | ratio  (cpu)",
  );
  const ms = (value: number) => `${value.toFixed(0).padStart(4)} ms`;
  // A function that builds no SDK client has an empty baseline (Node starting, ~10 ms), which no
  // handler with a logger can be within 1.3x of; it is held to the lightest SDK-only baseline.
  const sdkBaselines = rows
    .filter((row) => row.key)
    .map((row) => median(row.times.base.map((t) => t.wallMs)));
  const lightestSdkBaseline = Math.min(...sdkBaselines);
  const verdict = (key: string, ratio: number, importMs: number) =>
    key
      ? ratio <= TARGET_RATIO
        ? "met"
        : "not met"
      : `${importMs <= lightestSdkBaseline ? "met" : "not met"}: no SDK client, against the lightest SDK-only baseline (${lightestSdkBaseline.toFixed(0)} ms)`;
  for (const { name, key, fn, baseline, times } of rows) {
    const ratio = median(times.fn.map((t, i) => t.wallMs / (times.base[i]?.wallMs ?? Number.NaN)));
    const cpuRatio = median(times.fn.map((t, i) => t.cpuMs / (times.base[i]?.cpuMs ?? Number.NaN)));
    console.log(
      `${name.padEnd(17)} ${fn.kb.toFixed(0).padStart(4)} KB (${fn.totalKb.toFixed(0).padStart(4)} KB) ${ms(median(times.fn.map((t) => t.wallMs)))} ` +
        `${ms(median(times.fn.map((t) => t.cpuMs)))} | ${key.padEnd(21)} ${baseline.kb.toFixed(0).padStart(4)} KB ` +
        `${ms(median(times.base.map((t) => t.wallMs)))} ${ms(median(times.base.map((t) => t.cpuMs)))} | ` +
        `${ratio.toFixed(2)}x (${cpuRatio.toFixed(2)}x) ${verdict(key, ratio, median(times.fn.map((t) => t.wallMs)))}`,
    );
  }
  console.log(
    "\nPackages (KB in the bundle) evaluated at import besides the AWS SDK, and loaded on first use:",
  );
  for (const { name, entry, fn, baseline } of rows) {
    const { atImport, onFirstUse } = packagesByPhase(fn.metafile, entry);
    // The SDK's own lazy parts (the credential providers' nested clients) wait in the baseline too.
    const lazyInBaseline = packagesByPhase(baseline.metafile, "<stdin>").onFirstUse;
    console.log(
      `  ${name.padEnd(17)} at import: ${listPackages(atImport, isSdkRuntime)}\n` +
        `  ${"".padEnd(17)} on first use: ${listPackages(onFirstUse, (pkg) => lazyInBaseline.has(pkg))}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
