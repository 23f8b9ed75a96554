/**
 * @module The targets the bench reports against (docs/performance.md): each
 * section answers its figures as values, printed under the section and again
 * all together at the end of the run. Nothing here fails a run: a target not
 * met is a finding, printed as such.
 */
import { printTable } from "./harness";

export interface TargetResult {
  /** What was measured, e.g. "fan-out 20, 2 of 20 hang: healthy deliveries/s vs all-healthy". */
  readonly what: string;
  readonly figure: string;
  readonly target: string;
  readonly met: boolean;
}

export const verdict = (met: boolean): string => (met ? "met" : "NOT met");

export function printTargets(results: readonly TargetResult[]): void {
  printTable(
    ["what", "figure", "target", "verdict"],
    results.map((r) => [r.what, r.figure, r.target, verdict(r.met)]),
  );
  const missed = results.filter((r) => !r.met);
  const met = results.length - missed.length;
  console.log(
    missed.length === 0
      ? `\nall ${results.length} targets met`
      : `\n${met} of ${results.length} targets met; NOT met: ${missed.map((r) => r.what).join("; ")}`,
  );
}
