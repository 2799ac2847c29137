/** How two versions differ: which way each metric moved, and which parameters changed. */

export type Verdict = 'better' | 'worse' | 'same' | 'changed' | 'missing';

/** Metrics where a larger value is better; the ones in LOWER_IS_BETTER are errors or losses. */
const HIGHER_IS_BETTER = new Set(['accuracy', 'macroF1', 'r2', 'precision', 'recall', 'f1']);
const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'loss', 'valLoss', 'finalLoss', 'finalValLoss']);

export interface MetricDelta {
  readonly name: string;
  readonly a: number | undefined;
  readonly b: number | undefined;
  /** b − a, when both exist. */
  readonly delta: number | undefined;
  /** From the point of view of B against A; `changed` for metrics with no better direction (seconds, rows). */
  readonly verdict: Verdict;
}

/** The metric differences of B against A, over the union of their summary metrics (A's order first). */
export function metricDeltas(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): MetricDelta[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return names.map((name) => {
    const va = a[name];
    const vb = b[name];
    if (va === undefined || vb === undefined)
      return { name, a: va, b: vb, delta: undefined, verdict: 'missing' };
    const delta = vb - va;
    return { name, a: va, b: vb, delta, verdict: verdictOf(name, delta) };
  });
}

function verdictOf(name: string, delta: number): Verdict {
  // differences below display precision are no difference
  if (Math.abs(delta) < 5e-5) return 'same';
  if (HIGHER_IS_BETTER.has(name)) return delta > 0 ? 'better' : 'worse';
  if (LOWER_IS_BETTER.has(name)) return delta < 0 ? 'better' : 'worse';
  return 'changed';
}

export interface ParameterRow {
  readonly name: string;
  readonly a: unknown;
  readonly b: unknown;
  readonly differs: boolean;
}

/** Every parameter of either version, marked where the two differ (compared as JSON). */
export function parameterRows(
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>> = a,
): ParameterRow[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.map((name) => ({
    name,
    a: a[name],
    b: b[name],
    differs: JSON.stringify(a[name]) !== JSON.stringify(b[name]),
  }));
}
