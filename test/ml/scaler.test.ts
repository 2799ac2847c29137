import { describe, expect, it } from 'vitest';
import { fitScaler, isScaler, transform } from '../../src/ml/scaler.js';

describe('scaler', () => {
  const rows = [
    [1, 10, 5],
    [3, 20, 5],
    [5, 30, 5],
  ];

  it('fits the mean and population std, with std 1 for a constant feature', () => {
    const s = fitScaler(rows);
    expect(s.mean).toEqual([3, 20, 5]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(s.std[1]).toBeCloseTo(Math.sqrt(200 / 3), 12);
    expect(s.std[2]).toBe(1);
  });

  it('transforms into a row-major Float32Array', () => {
    const s = fitScaler(rows);
    const x = transform(s, [
      [3, 20, 5],
      [5, 30, 7],
    ]);
    expect(x).toBeInstanceOf(Float32Array);
    expect(Array.from(x.slice(0, 3))).toEqual([0, 0, 0]);
    expect(x[3]).toBeCloseTo(2 / Math.sqrt(8 / 3), 5);
    expect(x[5]).toBeCloseTo(2, 6);
  });

  it('survives a JSON round trip and validates', () => {
    const s = fitScaler(rows);
    const back: unknown = JSON.parse(JSON.stringify(s));
    expect(back).toEqual(s);
    expect(isScaler(back, 3)).toBe(true);
    expect(isScaler(back, 2)).toBe(false);
    expect(isScaler({ mean: [0], std: [0] }, 1)).toBe(false);
  });

  it('stays accurate for large values with a small spread', () => {
    const s = fitScaler([[1e9 + 1], [1e9 + 2], [1e9 + 3]]);
    expect(s.mean[0]).toBeCloseTo(1e9 + 2, 6);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(2 / 3), 6);
  });
});
