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
