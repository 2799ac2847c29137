/** Per-feature standardization, (x - mean) / std. Plain JSON: it is saved in preprocessing.json. */
export interface Scaler {
  readonly mean: number[];
  readonly std: number[];
}

/**
 * Fits on the rows `rows` (indices; default all) of `x`, a row-major matrix of `width` columns: the
 * training split only, so validation stays unseen. Population std, as scikit-learn's
 * StandardScaler; a constant feature gets std 1 so it maps to 0 instead of NaN.
 */
export function fitScaler(x: ArrayLike<number>, width: number, rows?: ArrayLike<number>): Scaler {
  const n = rows?.length ?? (width > 0 ? Math.floor(x.length / width) : 0);
  const mean = new Array<number>(width).fill(0);
  const m2 = new Array<number>(width).fill(0);
  // Welford's update: stable for large values with small spread (e.g. timestamps).
  for (let k = 0; k < n; k += 1) {
    const base = (rows === undefined ? k : (rows[k] as number)) * width;
    for (let j = 0; j < width; j += 1) {
      const v = x[base + j] as number;
      const delta = v - (mean[j] as number);
      const next = (mean[j] as number) + delta / (k + 1);
      mean[j] = next;
      m2[j] = (m2[j] as number) + delta * (v - next);
    }
  }
  const std = m2.map((s) => {
    const sd = n > 0 ? Math.sqrt(s / n) : 0;
    return sd > 1e-12 && Number.isFinite(sd) ? sd : 1;
  });
  return { mean, std };
}

/** Scales the rows `rows` (indices) of the row-major matrix `x` into one float32 matrix, in that order. */
export function scaleRows(scaler: Scaler, x: ArrayLike<number>, rows: ArrayLike<number>): Float32Array {
  const width = scaler.mean.length;
  const out = new Float32Array(rows.length * width);
  const { mean, std } = scaler;
  for (let k = 0; k < rows.length; k += 1) {
    const from = (rows[k] as number) * width;
    const to = k * width;
    for (let j = 0; j < width; j += 1)
      out[to + j] = ((x[from + j] as number) - (mean[j] as number)) / (std[j] as number);
  }
  return out;
}

/** Scales rows as sent to a model (one array per row) into one row-major Float32Array, the layout tf.tensor2d takes. */
export function transform(scaler: Scaler, rows: readonly (readonly number[])[]): Float32Array {
  const width = scaler.mean.length;
  const out = new Float32Array(rows.length * width);
  const { mean, std } = scaler;
  for (let r = 0; r < rows.length; r += 1) {
    const row = rows[r] as readonly number[];
    const base = r * width;
    for (let j = 0; j < width; j += 1)
      out[base + j] = ((row[j] as number) - (mean[j] as number)) / (std[j] as number);
  }
  return out;
}

/** Whether a parsed JSON value is a usable scaler for `width` features. */
export function isScaler(value: unknown, width: number): value is Scaler {
  if (typeof value !== 'object' || value === null) return false;
  const { mean, std } = value as Record<string, unknown>;
  const finite = (xs: unknown): boolean =>
    Array.isArray(xs) && xs.length === width && xs.every((x) => typeof x === 'number' && Number.isFinite(x));
  return finite(mean) && finite(std) && (std as number[]).every((s) => s > 0);
}
