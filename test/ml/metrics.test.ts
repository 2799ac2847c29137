import { describe, expect, it } from 'vitest';
import { classificationMetrics, regressionMetrics } from '../../src/ml/metrics.js';

describe('classificationMetrics', () => {
  it('matches a hand-computed example', () => {
    // true:  a a a b b c
    // pred:  a a b b c c
    const m = classificationMetrics([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], ['a', 'b', 'c']);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.confusionMatrix).toEqual({
      labels: ['a', 'b', 'c'],
      matrix: [
        [2, 1, 0],
        [0, 1, 1],
        [0, 0, 1],
      ],
    });
    expect(m.perClass.a).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(m.perClass.b?.precision).toBeCloseTo(0.5, 12);
    expect(m.perClass.b?.recall).toBeCloseTo(0.5, 12);
    expect(m.perClass.b?.f1).toBeCloseTo(0.5, 12);
    expect(m.perClass.c?.precision).toBeCloseTo(0.5, 12);
    expect(m.perClass.c?.recall).toBe(1);
    expect(m.perClass.c?.f1).toBeCloseTo(2 / 3, 12);
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
  });

  it('gives 0 precision to a class never predicted', () => {
    const m = classificationMetrics([0, 1], [0, 0], ['x', 'y']);
    expect(m.perClass.y).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(m.perClass.x?.precision).toBe(0.5);
  });
});

describe('regressionMetrics', () => {
  it('matches a hand-computed example', () => {
    const m = regressionMetrics([1, 2, 3, 4], [1, 2, 4, 2]);
    // errors 0, 0, -1, 2: SSE 5, SAE 3; mean 2.5, SST 5
    expect(m.rmse).toBeCloseTo(Math.sqrt(5 / 4), 12);
    expect(m.mae).toBeCloseTo(0.75, 12);
    expect(m.r2).toBeCloseTo(0, 12);
  });

  it('is perfect for exact predictions and finite for a constant target', () => {
    expect(regressionMetrics([1, 2], [1, 2])).toEqual({ rmse: 0, mae: 0, r2: 1 });
    expect(regressionMetrics([3, 3], [3, 4]).r2).toBe(0);
  });
});
