/**
 * The population stability index: how far a distribution over bins (`actual`) has moved from a
 * reference one (`expected`), PSI = Σ (a_i − e_i) · ln(a_i / e_i). The conventional reading: below 0.1
 * stable, 0.1 to 0.2 a moderate shift, above 0.2 drift. One implementation for the server's
 * `ml_feature_drift`, `mlops drift` and `mlops status`.
 */

/**
 * Every share is floored at ε before the sum: a bin empty on one side (a training decile no request
 * reached, a class never predicted) would make ln(a/e) infinite. 1e-4 is one row in 10,000 — below
 * what a window of 5,000 rows can resolve — so it bounds an empty bin's term (at ~0.1 · ln(1000) ≈ 0.7
 * for a bin that held a tenth of the rows) without hiding real shifts.
 */
export const PSI_FLOOR = 1e-4;

/** The alarm threshold of dashboards, alerts, the serve log and `mlops status`. */
export const PSI_DRIFT = 0.2;
/** Below it, a feature is stable. */
export const PSI_MODERATE = 0.1;

export type DriftVerdict = 'stable' | 'moderate' | 'drift';

export const driftVerdict = (psi: number): DriftVerdict =>
  psi > PSI_DRIFT ? 'drift' : psi >= PSI_MODERATE ? 'moderate' : 'stable';

/**
 * PSI of observed bin counts (their total is `rows`) against the expected shares; both have one entry
 * per bin. Allocation-free: the server calls it on every scrape.
 */
export function psiOfCounts(counts: ArrayLike<number>, rows: number, expected: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < expected.length; i += 1) {
    const a = Math.max(PSI_FLOOR, (counts[i] as number) / rows);
    const e = Math.max(PSI_FLOOR, expected[i] as number);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}
