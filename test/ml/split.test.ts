import { describe, expect, it } from 'vitest';
import { mulberry32, randomSplit, shuffleInPlace, stratifiedSplit } from '../../src/ml/split.js';

const labels = [...Array<number>(50).fill(0), ...Array<number>(30).fill(1), ...Array<number>(20).fill(2)];
const count = (idx: number[], c: number): number => idx.filter((i) => labels[i] === c).length;

describe('mulberry32', () => {
  it('is deterministic per seed and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(xs[0]);
  });

  it('shuffles to a permutation', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const shuffled = shuffleInPlace([...items], mulberry32(1));
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
  });
});

describe('stratifiedSplit', () => {
  it('keeps class proportions and partitions the rows', () => {
    const { train, validation } = stratifiedSplit(labels, { validationSplit: 0.2, seed: 42 });
    expect([count(validation, 0), count(validation, 1), count(validation, 2)]).toEqual([10, 6, 4]);
    expect([...train, ...validation].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
  });

  it('is deterministic per seed', () => {
    const a = stratifiedSplit(labels, { validationSplit: 0.2, seed: 42 });
    expect(stratifiedSplit(labels, { validationSplit: 0.2, seed: 42 })).toEqual(a);
    expect(stratifiedSplit(labels, { validationSplit: 0.2, seed: 43 }).validation).not.toEqual(a.validation);
  });

  it('holds out at least one row of every class that has two, and keeps one for training', () => {
    const few = [0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2];
    const { train, validation } = stratifiedSplit(few, { validationSplit: 0.1, seed: 3 });
    for (const c of [0, 1, 2]) {
      expect(validation.some((i) => few[i] === c)).toBe(true);
      expect(train.some((i) => few[i] === c)).toBe(true);
    }
  });
});

describe('randomSplit', () => {
  it('splits by the fraction, deterministically', () => {
    const a = randomSplit(100, { validationSplit: 0.25, seed: 9 });
    expect(a.validation).toHaveLength(25);
    expect(a.train).toHaveLength(75);
    expect(randomSplit(100, { validationSplit: 0.25, seed: 9 })).toEqual(a);
    expect(new Set([...a.train, ...a.validation]).size).toBe(100);
  });
});

describe('large inputs', () => {
  it('splits a million rows of typed labels without overflowing the call stack', () => {
    // Spreading a class's rows into push() overflowed the stack from a few hundred thousand rows.
    const y = new Float64Array(1_000_000).map((_, i) => (i % 4 === 0 ? 1 : 0));
    const { train, validation } = stratifiedSplit(y, { validationSplit: 0.2, seed: 1 });
    expect(validation).toHaveLength(200_000);
    expect(train).toHaveLength(800_000);
    expect(validation.filter((i) => y[i] === 1)).toHaveLength(50_000);
  });
});
