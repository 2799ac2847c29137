import { describe, expect, it } from 'vitest';
import { fitScaler, isScaler, scaleRows, transform } from '../../src/ml/scaler.js';

describe('scaler', () => {
  // Three rows of three features, row-major, as Dataset.x holds them.
  const x = Float64Array.of(1, 10, 5, 3, 20, 5, 5, 30, 5);

  it('fits the mean and population std, with std 1 for a constant feature', () => {
    const s = fitScaler(x, 3);
    expect(s.mean).toEqual([3, 20, 5]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(s.std[1]).toBeCloseTo(Math.sqrt(200 / 3), 12);
    expect(s.std[2]).toBe(1);
  });

  it('fits on the chosen rows only (the training split)', () => {
    const s = fitScaler(x, 3, [2, 0]);
    expect(s.mean).toEqual([3, 20, 5]);
    expect(s.std[0]).toBeCloseTo(2, 12);
    expect(fitScaler(x, 3, [1]).mean).toEqual([3, 20, 5]);
  });

  it('scales chosen rows, in the order given, into a row-major Float32Array', () => {
    const s = fitScaler(x, 3);
    const out = scaleRows(s, x, [1, 2]);
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out.slice(0, 3))).toEqual([0, 0, 0]);
    expect(out[3]).toBeCloseTo(2 / Math.sqrt(8 / 3), 5);
    expect(out[5]).toBe(0);
  });

  it('transforms rows as a model receives them (one array each) the same way', () => {
    const s = fitScaler(x, 3);
    const out = transform(s, [
      [3, 20, 5],
      [5, 30, 7],
    ]);
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out.slice(0, 3))).toEqual([0, 0, 0]);
    expect(out[3]).toBeCloseTo(2 / Math.sqrt(8 / 3), 5);
    expect(out[5]).toBeCloseTo(2, 6);
  });

  it('survives a JSON round trip and validates', () => {
    const s = fitScaler(x, 3);
    const back: unknown = JSON.parse(JSON.stringify(s));
    expect(back).toEqual(s);
    expect(isScaler(back, 3)).toBe(true);
    expect(isScaler(back, 2)).toBe(false);
    expect(isScaler({ mean: [0], std: [0] }, 1)).toBe(false);
  });

  it('stays accurate for large values with a small spread', () => {
    const s = fitScaler(Float64Array.of(1e9 + 1, 1e9 + 2, 1e9 + 3), 1);
    expect(s.mean[0]).toBeCloseTo(1e9 + 2, 6);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(2 / 3), 6);
  });
});
