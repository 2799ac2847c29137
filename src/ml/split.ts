/** A seeded 32-bit PRNG (mulberry32): tiny, fast and the same on every platform, unlike Math.random. */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, 2^31), e.g. to seed tfjs ops that take an integer seed. */
export const nextSeed = (rng: Rng): number => Math.floor(rng() * 2147483648);

/** Fisher-Yates in place. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rng() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
  return items;
}

export interface Split {
  /** Row indices, in a seeded shuffled order. */
  readonly train: number[];
  readonly validation: number[];
}

export interface SplitOptions {
  /** Fraction of rows held out for validation, in (0, 1). */
  readonly validationSplit: number;
  readonly seed: number;
}

/**
 * Stratified split for classification: each class is shuffled and cut on its own so that validation
 * keeps the class proportions, with at least one validation and one training row per class that has
 * two or more rows (a class missing from validation would make its metrics meaningless).
 */
export function stratifiedSplit(classIndex: ArrayLike<number>, options: SplitOptions): Split {
  const rng = mulberry32(options.seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < classIndex.length; i += 1) {
    const c = classIndex[i] as number;
    const rows = byClass.get(c);
    if (rows === undefined) byClass.set(c, [i]);
    else rows.push(i);
  }
  const train: number[] = [];
  const validation: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = shuffleInPlace(byClass.get(c) ?? [], rng);
    const take = holdOut(rows.length, options.validationSplit);
    // One push per row: push(...rows) passes every row as an argument and overflows the call stack
    // past a few hundred thousand.
    rows.forEach((row, k) => (k < take ? validation : train).push(row));
  }
  return { train: shuffleInPlace(train, rng), validation: shuffleInPlace(validation, rng) };
}

/** Plain seeded shuffle split, for regression. */
export function randomSplit(rows: number, options: SplitOptions): Split {
  const rng = mulberry32(options.seed);
  const order = shuffleInPlace(
    Array.from({ length: rows }, (_, i) => i),
    rng,
  );
  const take = holdOut(rows, options.validationSplit);
  return { train: order.slice(take), validation: order.slice(0, take) };
}

function holdOut(n: number, fraction: number): number {
  if (n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
}
