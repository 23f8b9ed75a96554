import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { lambdaFunctions } from "../lambdas/functions";
import { esbuildOptions } from "../lib/bundling";

/**
 * Each Lambda's bundle as `cdk synth` builds it: minified size, and the time a
 * fresh Node process takes to import it (median of 5), which is what a cold
 * start pays before the handler runs.
 */
const RUNS = 5;
const dir = mkdtempSync(join(tmpdir(), "hookline-bundles-"));

function importMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  const times = Array.from({ length: RUNS }, () =>
    Number(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }).trim(),
    ),
  ).sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] ?? Number.NaN;
}

console.log("function          bundle (min)   import (median of 5)");
try {
  for (const [name, spec] of Object.entries(lambdaFunctions)) {
    if (!existsSync(spec.entry)) {
      console.log(`${name.padEnd(17)} (no handler yet: ${spec.entry})`);
      continue;
    }
    const result = await build({
      ...esbuildOptions,
      entryPoints: [spec.entry],
      write: false,
      sourcemap: false,
    });
    const code = result.outputFiles[0]?.contents ?? new Uint8Array();
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, code);
    const kb = (code.length / 1024).toFixed(0).padStart(6);
    console.log(`${name.padEnd(17)} ${kb} KB      ${importMs(file).toFixed(0).padStart(5)} ms`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
