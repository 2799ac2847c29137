import type { Task } from './metrics.js';
import { mulberry32, type Rng } from './split.js';

const ROWS_PER_CLASS = 100;
const CLASS_CENTERS: readonly (readonly [string, readonly number[]])[] = [
  ['class_a', [0, 0, 0, 0]],
  ['class_b', [2.5, 1.5, -1, 0.5]],
  ['class_c', [0.5, 3, 1.5, -1.5]],
];
const COEFFICIENTS = [3, -2, 0.5, 1.5];

/**
 * The built-in `synthetic` dataset as canonical CSV text (so it hashes and parses like a file):
 * classification: 3 overlapping Gaussian classes over 4 features, 300 rows, interleaved;
 * regression: a noisy linear target of 4 uniform features, 300 rows. Same seed, same bytes.
 */
export function syntheticCsv(task: Task, seed: number): string {
  const rng = mulberry32(seed);
  const lines = ['feature_1,feature_2,feature_3,feature_4,' + (task === 'regression' ? 'target' : 'label')];
  for (let i = 0; i < ROWS_PER_CLASS; i += 1) {
    if (task === 'regression') {
      for (let k = 0; k < CLASS_CENTERS.length; k += 1) {
        const x = COEFFICIENTS.map(() => rng() * 4 - 2);
        const y = x.reduce((acc, v, j) => acc + v * (COEFFICIENTS[j] as number), 10) + 0.3 * gaussian(rng);
        lines.push([...x, y].map((v) => v.toFixed(4)).join(','));
      }
    } else {
      for (const [name, center] of CLASS_CENTERS) {
        lines.push([...center.map((c) => (c + gaussian(rng)).toFixed(4)), name].join(','));
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** Standard normal via Box-Muller. */
function gaussian(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
