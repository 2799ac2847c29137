export type Task = 'classification' | 'regression';

export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Rows of this class in the evaluated set. */
  readonly support: number;
}

export interface ConfusionMatrix {
  readonly labels: string[];
  /** matrix[true][predicted], both in `labels` order. */
  readonly matrix: number[][];
}

export interface LossPoint {
  readonly epoch: number;
  readonly loss: number;
  readonly valLoss: number;
}

export interface ClassificationMetrics {
  readonly accuracy: number;
  readonly perClass: Record<string, ClassMetrics>;
  readonly macroF1: number;
  readonly confusionMatrix: ConfusionMatrix;
}

export interface RegressionMetrics {
  readonly rmse: number;
  readonly mae: number;
  readonly r2: number;
}

/** What a training run measured, on the validation split with the restored best weights. */
export interface Metrics extends Partial<ClassificationMetrics>, Partial<RegressionMetrics> {
  readonly task: Task;
  readonly lossCurve: LossPoint[];
  readonly epochsRun: number;
  /** 1-based epoch whose weights were kept. */
  readonly bestEpoch: number;
  readonly trainingSeconds: number;
  readonly rows: { readonly train: number; readonly validation: number };
}

/**
 * Accuracy, per-class precision/recall/F1 and the confusion matrix. A class never predicted has
 * precision 0 (scikit-learn's zero_division=0), so that the numbers stay plain JSON numbers.
 */
export function classificationMetrics(
  yTrue: readonly number[],
  yPred: readonly number[],
  classes: readonly string[],
): ClassificationMetrics {
  const k = classes.length;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  yTrue.forEach((t, i) => {
    const p = yPred[i] ?? -1;
    const row = matrix[t];
    if (row !== undefined && p >= 0 && p < k) row[p] = (row[p] ?? 0) + 1;
    if (t === p) correct += 1;
  });
  const perClass: Record<string, ClassMetrics> = {};
  let f1Sum = 0;
  classes.forEach((name, c) => {
    const tp = matrix[c]?.[c] ?? 0;
    const support = (matrix[c] ?? []).reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + (row[c] ?? 0), 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[name] = { precision, recall, f1, support };
    f1Sum += f1;
  });
  return {
    accuracy: yTrue.length > 0 ? correct / yTrue.length : 0,
    perClass,
    macroF1: k > 0 ? f1Sum / k : 0,
    confusionMatrix: { labels: [...classes], matrix },
  };
}

/**
 * RMSE, MAE and the coefficient of determination. R² of a constant target is 1 when predicted
 * exactly and 0 otherwise (scikit-learn would give NaN, which JSON cannot carry).
 */
export function regressionMetrics(yTrue: readonly number[], yPred: readonly number[]): RegressionMetrics {
  const n = yTrue.length;
  if (n === 0) return { rmse: 0, mae: 0, r2: 0 };
  let sse = 0;
  let sae = 0;
  let mean = 0;
  yTrue.forEach((t, i) => {
    const e = t - (yPred[i] ?? 0);
    sse += e * e;
    sae += Math.abs(e);
    mean += t;
  });
  mean /= n;
  const sst = yTrue.reduce((a, t) => a + (t - mean) * (t - mean), 0);
  const r2 = sst > 0 ? 1 - sse / sst : sse === 0 ? 1 : 0;
  return { rmse: Math.sqrt(sse / n), mae: sae / n, r2 };
}

/** Index of the largest value in row `r` of a row-major [rows, width] array. */
export function argmaxRow(values: ArrayLike<number>, r: number, width: number): number {
  const base = r * width;
  let best = 0;
  let bestValue = -Infinity;
  for (let j = 0; j < width; j += 1) {
    const v = values[base + j] as number;
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}
