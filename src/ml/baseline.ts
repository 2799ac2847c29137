/**
 * The training baseline of a version (DESIGN.md §5, drift): what the features and the predictions looked
 * like when the model was trained, stored beside the model as `baseline.json`. The server and
 * `mlops drift` compare recent rows against it with the population stability index; the model report
 * draws its histograms.
 *
 * Binning rule (the same everywhere): a value x falls in bin `i` = the number of edges strictly below x,
 * so bins are (-inf, e0], (e0, e1], …, (e_last, +inf) and there are `edges.length + 1` of them.
 */
export const BASELINE_JSON = 'baseline.json';
export const BASELINE_FORMAT = 'mlops-baseline/v1';

export interface FeatureBaseline {
  readonly name: string;
  /** Ascending, distinct interior cut points: the deciles of the training split (fewer when values repeat). */
  readonly edges: readonly number[];
  /** Share of training rows in each bin; `edges.length + 1` numbers summing to 1. */
  readonly shares: readonly number[];
}

/** What the model predicted on the validation split. */
export type PredictionBaseline =
  | { readonly kind: 'classes'; readonly labels: readonly string[]; readonly shares: readonly number[] }
  | { readonly kind: 'bins'; readonly edges: readonly number[]; readonly shares: readonly number[] };

export interface Baseline {
  readonly format: typeof BASELINE_FORMAT;
  readonly rows: { readonly train: number; readonly validation: number };
  readonly features: readonly FeatureBaseline[];
  readonly predictions: PredictionBaseline;
}

/** The bin of `x` by the rule above: how many edges lie strictly below it (edges are few: a linear scan). */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  let i = 0;
  while (i < edges.length && (edges[i] as number) < x) i += 1;
  return i;
}

/**
 * Nearest-rank deciles (q = 0.1 … 0.9: the value of rank ⌈q·n⌉ in ascending order) of `values`,
 * repeats removed. Ranks are computed as ⌈k·n/10⌉ from integers: with q = 0.1·k, q·n for k = 3, n = 10
 * is 3.0000000000000004 in floating point, whose ceiling is the wrong rank.
 */
export function decileEdges(values: ArrayLike<number>): number[] {
  const n = values.length;
  if (n === 0) return [];
  const sorted = Float64Array.from(values).sort();
  const edges: number[] = [];
  for (let k = 1; k <= 9; k += 1) {
    const value = sorted[Math.ceil((k * n) / 10) - 1] as number;
    if (edges.length === 0 || value !== edges[edges.length - 1]) edges.push(value);
  }
  return edges;
}

/** Share of `values` in each of the `edges.length + 1` bins. */
export function binShares(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let r = 0; r < values.length; r += 1) {
    const i = binIndex(edges, values[r] as number);
    counts[i] = (counts[i] as number) + 1;
  }
  return counts.map((c) => (values.length === 0 ? 0 : c / values.length));
}

/** A feature's baseline: its deciles and the share of `values` between them. */
export function featureBaseline(name: string, values: ArrayLike<number>): FeatureBaseline {
  const edges = decileEdges(values);
  return { name, edges, shares: binShares(values, edges) };
}

/** The predicted-class shares (`predicted` holds class indices into `labels`). */
export function classBaseline(labels: readonly string[], predicted: ArrayLike<number>): PredictionBaseline {
  const counts = new Array<number>(labels.length).fill(0);
  for (let r = 0; r < predicted.length; r += 1) {
    const c = predicted[r] as number;
    counts[c] = (counts[c] as number) + 1;
  }
  return { kind: 'classes', labels, shares: counts.map((c) => c / Math.max(1, predicted.length)) };
}

/** Regression: the deciles of the predicted values and their shares. */
export function valueBaseline(predicted: ArrayLike<number>): PredictionBaseline {
  const { edges, shares } = featureBaseline('prediction', predicted);
  return { kind: 'bins', edges, shares };
}

const isNumbers = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v));
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const ascending = (edges: readonly number[]): boolean =>
  edges.every((e, i) => i === 0 || e > (edges[i - 1] as number));
const binned = (value: Record<string, unknown>): boolean =>
  isNumbers(value.edges) &&
  isNumbers(value.shares) &&
  ascending(value.edges) &&
  value.shares.length === value.edges.length + 1;

/**
 * Reads `baseline.json`; undefined when the version has none (trained before baselines) or one this
 * mlops cannot read: drift is then "unavailable", and everything else about the version still works.
 */
export function decodeBaseline(bytes: Uint8Array | undefined): Baseline | undefined {
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.format !== BASELINE_FORMAT || !isObject(value.rows)) return undefined;
  const { features, predictions } = value;
  if (!Array.isArray(features) || features.length === 0 || !isObject(predictions)) return undefined;
  if (!features.every((f) => isObject(f) && typeof f.name === 'string' && binned(f))) return undefined;
  const classes =
    predictions.kind === 'classes' &&
    Array.isArray(predictions.labels) &&
    predictions.labels.every((l) => typeof l === 'string') &&
    isNumbers(predictions.shares) &&
    predictions.shares.length === predictions.labels.length;
  if (!classes && !(predictions.kind === 'bins' && binned(predictions))) return undefined;
  return value as unknown as Baseline;
}

export function encodeBaseline(baseline: Baseline): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(baseline));
}

/**
 * The baseline of a training run: each feature's raw values (before scaling) over the training rows
 * of the row-major `x`, and what the trained model predicted on the validation split.
 */
export function trainingBaseline(input: {
  readonly x: ArrayLike<number>;
  readonly features: readonly string[];
  readonly trainRows: readonly number[];
  readonly predictions: PredictionBaseline;
  readonly validationRows: number;
}): Baseline {
  const { x, features, trainRows } = input;
  const width = features.length;
  const column = new Float64Array(trainRows.length);
  return {
    format: BASELINE_FORMAT,
    rows: { train: trainRows.length, validation: input.validationRows },
    features: features.map((name, j) => {
      trainRows.forEach((r, k) => (column[k] = x[r * width + j] as number));
      return featureBaseline(name, column);
    }),
    predictions: input.predictions,
  };
}
