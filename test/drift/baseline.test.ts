import { describe, expect, it } from 'vitest';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import {
  binIndex,
  binShares,
  classBaseline,
  decileEdges,
  decodeBaseline,
  encodeBaseline,
  trainingBaseline,
  type Baseline,
} from '../../src/ml/baseline.js';
import { driftVerdict, psiOfCounts } from '../../src/ml/psi.js';
import { driftAlarm } from '../../src/serving/drift-alarm.js';
import { DriftWindow, driftReport, mergeDrift } from '../../src/serving/drift-window.js';

describe('baseline: deciles and bins', () => {
  it('takes nearest-rank deciles (rank ⌈k·n/10⌉), repeats removed', () => {
    // 1…10: the k-th decile is k (with q = 0.1 · 3, ⌈q · 10⌉ would be 4 in floating point).
    expect(decileEdges([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Ranks 1…9 of 1,1,1,1,1,2,2,2,3,4 are 1,1,1,1,1,2,2,2,3.
    expect(decileEdges([4, 1, 2, 1, 3, 1, 2, 1, 2, 1])).toEqual([1, 2, 3]);
    // n = 4: ranks ⌈0.4⌉=1, ⌈0.8⌉=1, ⌈1.2⌉=2, 2, ⌈2.0⌉=2, 3, 3, 4, 4 → 10, 20, 30, 40.
    expect(decileEdges([40, 30, 20, 10])).toEqual([10, 20, 30, 40]);
    expect(decileEdges([])).toEqual([]);
  });

  it('bins x into the number of edges strictly below it: (-inf, e0], (e0, e1], …, (e_last, +inf)', () => {
    const edges = [1, 2, 3];
    expect([0, 1, 1.5, 2, 3, 3.01, 100].map((x) => binIndex(edges, x))).toEqual([0, 0, 1, 1, 2, 3, 3]);
    expect(binShares([4, 1, 2, 1, 3, 1, 2, 1, 2, 1], edges)).toEqual([0.5, 0.3, 0.1, 0.1]);
  });

  it('builds a baseline from the training rows only (raw values) and the validation predictions', () => {
    // Two features, row-major; rows 0-3 train, row 4 (a far outlier) is validation and must not count.
    const x = [1, 10, 2, 20, 3, 30, 4, 40, 1000, 1000];
    const baseline = trainingBaseline({
      x,
      features: ['a', 'b'],
      trainRows: [0, 1, 2, 3],
      predictions: classBaseline(['no', 'yes'], [1, 1, 0]),
      validationRows: 1,
    });
    expect(baseline.features).toEqual([
      { name: 'a', edges: [1, 2, 3, 4], shares: [0.25, 0.25, 0.25, 0.25, 0] },
      { name: 'b', edges: [10, 20, 30, 40], shares: [0.25, 0.25, 0.25, 0.25, 0] },
    ]);
    expect(baseline.predictions).toEqual({ kind: 'classes', labels: ['no', 'yes'], shares: [1 / 3, 2 / 3] });
    expect(baseline.rows).toEqual({ train: 4, validation: 1 });
    expect(decodeBaseline(encodeBaseline(baseline))).toEqual(baseline);
  });

  it('reads a missing or foreign baseline.json as no baseline (drift unavailable), not as an error', () => {
    expect(decodeBaseline(undefined)).toBeUndefined();
    expect(decodeBaseline(new TextEncoder().encode('not json'))).toBeUndefined();
    expect(decodeBaseline(new TextEncoder().encode('{"format":"mlops-baseline/v9"}'))).toBeUndefined();
  });
});

describe('PSI', () => {
  it('is Σ (a − e) · ln(a / e), worked by hand', () => {
    // a = 3/4, 1/4 against e = 1/2, 1/2: 0.25 · ln 1.5 + 0.25 · ln 2 = 0.101366 + 0.173287.
    expect(psiOfCounts([3, 1], 4, [0.5, 0.5])).toBeCloseTo(0.274653, 6);
    expect(psiOfCounts([5, 5], 10, [0.5, 0.5])).toBe(0);
  });

  it('floors empty bins at 1e-4 on both sides instead of reaching infinity', () => {
    const byHand = (0.0001 - 0.5) * Math.log(0.0001 / 0.5) + (1 - 0.5) * Math.log(1 / 0.5);
    expect(psiOfCounts([0, 4], 4, [0.5, 0.5])).toBeCloseTo(byHand, 12);
    expect(Number.isFinite(psiOfCounts([4, 0], 4, [1, 0]))).toBe(true);
  });

  it('reads < 0.1 as stable, 0.1–0.2 as moderate, > 0.2 as drift', () => {
    expect([0, 0.099, 0.1, 0.2, 0.2001].map(driftVerdict)).toEqual([
      'stable',
      'stable',
      'moderate',
      'moderate',
      'drift',
    ]);
  });
});

const BASELINE: Baseline = {
  format: 'mlops-baseline/v1',
  rows: { train: 100, validation: 20 },
  features: [
    { name: 'a', edges: [0.25, 0.5, 0.75], shares: [0.25, 0.25, 0.25, 0.25] },
    { name: 'b', edges: [0.5], shares: [0.5, 0.5] },
  ],
  predictions: { kind: 'classes', labels: ['no', 'yes'], shares: [0.5, 0.5] },
};

/** A seeded stream in [0, 1) (the test's own, so that runs repeat). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('DriftWindow: a ring buffer of bin indices with running counts', () => {
  it('keeps the counts of exactly the last `capacity` rows, whatever the batch sizes', () => {
    const next = random(7);
    const window = new DriftWindow('v1.0', BASELINE, 50);
    const sent: { row: number[]; label: string }[] = [];
    while (sent.length < 537) {
      const batch = Array.from({ length: 1 + Math.floor(next() * 9) }, () => [next(), next()]);
      const predictions = batch.map((r) => ({ label: (r[0] as number) > (r[1] as number) ? 'yes' : 'no' }));
      window.record(batch, predictions);
      batch.forEach((row, i) => sent.push({ row, label: (predictions[i] as { label: string }).label }));
    }
    const last = sent.slice(-50);
    const recount = (edges: readonly number[], values: number[]) => {
      const counts = new Array<number>(edges.length + 1).fill(0);
      for (const v of values) counts[edges.filter((e) => e < v).length]! += 1;
      return counts;
    };
    const snapshot = window.snapshot();
    expect(snapshot.rows).toBe(50);
    expect(snapshot.features.map((f) => f.counts)).toEqual([
      recount(
        [0.25, 0.5, 0.75],
        last.map((s) => s.row[0] as number),
      ),
      recount(
        [0.5],
        last.map((s) => s.row[1] as number),
      ),
    ]);
    expect(snapshot.predictions.counts).toEqual([
      last.filter((s) => s.label === 'no').length,
      last.filter((s) => s.label === 'yes').length,
    ]);
  });

  it('keeps only the last `capacity` rows of one request larger than the window', () => {
    const window = new DriftWindow('v1.0', BASELINE, 2);
    window.record(
      [
        [0.9, 0.9],
        [0.1, 0.1],
        [0.6, 0.1],
      ],
      [{ label: 'no' }, { label: 'no' }, { label: 'yes' }],
    );
    const s = window.snapshot();
    expect(s.features[0]?.counts).toEqual([1, 0, 1, 0]);
    expect(s.predictions.counts).toEqual([1, 1]);
  });

  it('reports nothing while empty; PSI per feature and for the predictions once rows arrive', () => {
    const window = new DriftWindow('v1.0', BASELINE, 10);
    expect(driftReport(window.snapshot())).toBeUndefined();
    window.record(
      [
        [0.1, 0.9],
        [0.2, 0.8],
        [0.3, 0.7],
        [0.9, 0.1],
      ],
      [{ label: 'no' }, { label: 'no' }, { label: 'no' }, { label: 'yes' }],
    );
    const report = driftReport(window.snapshot());
    expect(report?.rows).toBe(4);
    expect(report?.features[0]?.psi).toBeCloseTo(psiOfCounts([2, 1, 0, 1], 4, [0.25, 0.25, 0.25, 0.25]), 12);
    expect(report?.features[1]?.psi).toBeCloseTo(psiOfCounts([1, 3], 4, [0.5, 0.5]), 12);
    expect(report?.predictions).toBeCloseTo(psiOfCounts([3, 1], 4, [0.5, 0.5]), 12);
  });

  it("merges a pool's windows by adding the counts of one version (not by averaging PSI)", () => {
    const one = new DriftWindow('v1.0', BASELINE, 10);
    const two = new DriftWindow('v1.0', BASELINE, 10);
    const old = new DriftWindow('v0.9', BASELINE, 10);
    one.record([[0.1, 0.1]], [{ label: 'no' }]);
    two.record(
      [
        [0.9, 0.9],
        [0.9, 0.9],
      ],
      [{ label: 'yes' }, { label: 'yes' }],
    );
    old.record([[0.9, 0.9]], [{ label: 'yes' }]);
    const merged = mergeDrift([one.snapshot(), old.snapshot(), two.snapshot()]);
    expect(merged?.version).toBe('v1.0');
    expect(merged?.rows).toBe(3);
    expect(merged?.features[0]?.counts).toEqual([1, 0, 0, 2]);
    expect(mergeDrift([])).toBeUndefined();
  });
});

describe('the serve log warning', () => {
  it('names the worst features above 0.2, once a minute per feature', () => {
    const io = new MemoryIoHost();
    let now = 0;
    const alarm = driftAlarm(io, 'iris', () => now);
    const report = (a: number, b: number) => ({
      version: 'v1.0',
      rows: 100,
      features: [
        { name: 'a', psi: a },
        { name: 'b', psi: b },
      ],
      predictions: 0.01,
    });
    alarm(report(0.05, 0.05));
    alarm(report(0.3, 0.9));
    alarm(report(0.3, 0.9));
    now = 30_000;
    alarm(report(0.3, 0.9));
    now = 60_000;
    alarm(report(0.3, 0.9));
    const warnings = io.events.filter((e) => e.event === 'drift');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]?.level).toBe('warn');
    expect(warnings[0]?.message).toMatch(/b 0\.90, a 0\.30/);
    expect(warnings[0]?.data).toMatchObject({ features: [{ feature: 'b' }, { feature: 'a' }] });
  });
});
