/**
 * @module Interleaved rounds: every scenario gets one window per round, in
 * alternating order, so drift on a shared machine (other load, the JIT, a
 * growing heap) lands on the baseline and the scenario alike. A figure is then
 * compared round by round, each window against the baseline window of its round.
 */

/** Runs `measure` once per scenario per round, forwards then backwards; answers each scenario's windows in order. */
export async function inRounds<S, W>(
  scenarios: readonly S[],
  rounds: number,
  measure: (scenario: S, round: number) => Promise<W>,
): Promise<Map<S, W[]>> {
  const results = new Map<S, W[]>(scenarios.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? scenarios : [...scenarios].reverse();
    for (const s of order) results.get(s)?.push(await measure(s, round));
  }
  return results;
}

/** `figure` of each window over the figure of the baseline window of the same round. */
export function roundRatios<W>(
  windows: readonly W[],
  baseline: readonly W[],
  figure: (w: W) => number,
): number[] {
  return baseline.length ? windows.map((w, i) => figure(w) / figure(baseline[i] as W)) : [];
}
