import { binIndex, type Baseline } from '../ml/baseline.js';
import type { Prediction } from '../ml/predictor.js';
import { psiOfCounts } from '../ml/psi.js';
import type { Row } from './batcher.js';

/**
 * What a drift window holds, as plain data: per feature (and for the predictions) the expected shares
 * of the baseline and the window's row count per bin. It crosses the process boundary from a pool
 * worker to the primary, which adds up the counts of every worker (`mergeDrift`).
 */
export interface DriftCounts {
  /** The version whose baseline `expected` comes from: only windows of one version are merged. */
  readonly version: string;
  readonly rows: number;
  readonly features: readonly BinCounts[];
  readonly predictions: BinCounts;
}

export interface BinCounts {
  readonly name: string;
  readonly expected: readonly number[];
  readonly counts: readonly number[];
}

/** Where each of consecutive runs of the given lengths starts, and (last) where the runs end. */
function starts(lengths: readonly number[]): number[] {
  const out = [0];
  for (const n of lengths) out.push((out[out.length - 1] as number) + n);
  return out;
}

/** Marks a prediction whose label the baseline does not know: it takes a slot but counts nowhere. */
const UNKNOWN = 0xffff;

/**
 * The last `capacity` rows the server was asked about, kept as bin indices (one Uint16Array slot per
 * row and feature, a ring buffer) with the count of each bin kept up to date as rows enter and leave,
 * so that PSI on scrape costs O(features × bins) whatever the window's size. Recording allocates
 * nothing: it runs once per model call (batch), on the hot path. One window per loaded version: a new
 * version starts with an empty one.
 */
export class DriftWindow {
  readonly width: number;
  /** Every feature's edges end to end; feature j's are [edgeStart[j], edgeStart[j + 1]). */
  private readonly edges: Float64Array;
  private readonly edgeStart: Int32Array;
  /** Every feature's bin counts end to end; feature j's bin i is counts[countStart[j] + i]. */
  private readonly counts: Float64Array;
  private readonly countStart: Int32Array;
  /** The ring buffer: row slot s, feature j holds its bin at bins[s * width + j]. */
  private readonly bins: Uint16Array;
  private readonly predictionBins: Uint16Array;
  private readonly predictionCounts: Float64Array;
  /** Classification: label → bin; undefined for regression (binned by `predictionEdges`). */
  private readonly classIndex: Map<string, number> | undefined;
  private readonly predictionEdges: Float64Array;
  /** Where the next row goes. */
  private head = 0;
  private filled = 0;

  constructor(
    readonly version: string,
    private readonly baseline: Baseline,
    readonly capacity: number,
  ) {
    const { features } = baseline;
    this.width = features.length;
    this.edges = Float64Array.from(features.flatMap((f) => f.edges));
    this.edgeStart = Int32Array.from(starts(features.map((f) => f.edges.length)));
    this.countStart = Int32Array.from(starts(features.map((f) => f.edges.length + 1)));
    this.counts = new Float64Array(this.countStart[this.width] as number);
    this.bins = new Uint16Array(capacity * this.width);
    this.predictionBins = new Uint16Array(capacity);
    const p = baseline.predictions;
    this.classIndex = p.kind === 'classes' ? new Map(p.labels.map((label, i) => [label, i])) : undefined;
    this.predictionEdges = Float64Array.from(p.kind === 'bins' ? p.edges : []);
    this.predictionCounts = new Float64Array(p.shares.length);
  }

  /** Rows in the window now (at most `capacity`). */
  get rows(): number {
    return this.filled;
  }

  /**
   * Adds a model call's rows and their predictions; the oldest rows leave once the window is full. The
   * loop keeps to locals and flat typed arrays: it runs for every row the server predicts.
   */
  record(rows: readonly Row[], predictions: readonly Prediction[]): void {
    const { width, capacity, bins, counts, countStart, edges, edgeStart, predictionBins, predictionCounts } =
      this;
    let head = this.head;
    let filled = this.filled;
    // A request larger than the window: only its last `capacity` rows would stay.
    for (let r = Math.max(0, rows.length - capacity); r < rows.length; r += 1) {
      const row = rows[r] as Row;
      const base = head * width;
      const full = filled === capacity;
      for (let j = 0; j < width; j += 1) {
        const offset = countStart[j] as number;
        if (full) {
          const old = offset + (bins[base + j] as number);
          counts[old] = (counts[old] as number) - 1;
        }
        // binIndex, inlined: the number of this feature's edges strictly below the value.
        const x = row[j] as number;
        const first = edgeStart[j] as number;
        const last = edgeStart[j + 1] as number;
        let e = first;
        while (e < last && (edges[e] as number) < x) e += 1;
        bins[base + j] = e - first;
        const bin = offset + e - first;
        counts[bin] = (counts[bin] as number) + 1;
      }
      if (full) {
        const old = predictionBins[head] as number;
        if (old !== UNKNOWN) predictionCounts[old] = (predictionCounts[old] as number) - 1;
      }
      const bin = this.predictionBin(predictions[r]);
      predictionBins[head] = bin;
      if (bin !== UNKNOWN) predictionCounts[bin] = (predictionCounts[bin] as number) + 1;
      head = head + 1 === capacity ? 0 : head + 1;
      if (!full) filled += 1;
    }
    this.head = head;
    this.filled = filled;
  }

  private predictionBin(prediction: Prediction | undefined): number {
    const label = prediction?.label;
    if (typeof label === 'number') return binIndex(this.predictionEdges, label);
    return (label === undefined ? undefined : this.classIndex?.get(label)) ?? UNKNOWN;
  }

  /** A copy of the counts (what a worker sends the primary, and what PSI is computed from). */
  snapshot(): DriftCounts {
    const p = this.baseline.predictions;
    return {
      version: this.version,
      rows: this.filled,
      features: this.baseline.features.map((f, j) => ({
        name: f.name,
        expected: f.shares,
        counts: Array.from(this.counts.subarray(this.countStart[j], this.countStart[j + 1])),
      })),
      predictions: { name: 'prediction', expected: p.shares, counts: Array.from(this.predictionCounts) },
    };
  }
}

/**
 * The windows of a pool's workers as one: the counts of the workers serving the same version added up
 * (each worker sees a share of the traffic, so the sum is the pool's window). Mid-swap, when workers
 * serve different versions, the version with the most rows stands for the pool.
 */
export function mergeDrift(windows: readonly DriftCounts[]): DriftCounts | undefined {
  const byVersion = new Map<string, DriftCounts>();
  for (const w of windows) {
    const seen = byVersion.get(w.version);
    byVersion.set(w.version, seen === undefined ? w : addCounts(seen, w));
  }
  let best: DriftCounts | undefined;
  for (const w of byVersion.values()) if (best === undefined || w.rows > best.rows) best = w;
  return best;
}

const addBins = (a: BinCounts, b: BinCounts): BinCounts => ({
  ...a,
  counts: a.counts.map((c, i) => c + (b.counts[i] ?? 0)),
});

function addCounts(a: DriftCounts, b: DriftCounts): DriftCounts {
  return {
    version: a.version,
    rows: a.rows + b.rows,
    features: a.features.map((f, j) => addBins(f, b.features[j] ?? { ...f, counts: [] })),
    predictions: addBins(a.predictions, b.predictions),
  };
}

/** PSI of a window against its baseline: per feature (in the model's order) and for the predictions. */
export interface DriftReport {
  readonly version: string;
  readonly rows: number;
  readonly features: readonly { readonly name: string; readonly psi: number }[];
  readonly predictions: number;
}

/** The PSI of every feature and of the predictions; undefined for an empty window (nothing to compare). */
export function driftReport(window: DriftCounts | undefined): DriftReport | undefined {
  if (window === undefined || window.rows === 0) return undefined;
  const { rows } = window;
  return {
    version: window.version,
    rows,
    features: window.features.map((f) => ({ name: f.name, psi: psiOfCounts(f.counts, rows, f.expected) })),
    predictions: psiOfCounts(window.predictions.counts, rows, window.predictions.expected),
  };
}
