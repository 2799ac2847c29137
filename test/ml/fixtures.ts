import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../../src/ml/dataset.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The bundled datasets (iris, wine, breast_cancer): shipped in templates/, so tests need nothing beside the checkout. */
export const dataDir = process.env.MLOPS_DATA_DIR ?? path.resolve(repo, 'templates/datasets');

/** A small noisy linear regression problem as CSV: y = 2a - 3b + 0.5c + 4 + noise. */
export function linearCsv(rows: number): string {
  let state = 12345;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const lines = ['a,b,c,y'];
  for (let i = 0; i < rows; i += 1) {
    const [a, b, c] = [next() * 10, next() * 5, next() * 2 - 1];
    const y = 2 * a - 3 * b + 0.5 * c + 4 + (next() - 0.5) * 0.2;
    lines.push([a, b, c, y].map((v) => v.toFixed(4)).join(','));
  }
  return lines.join('\n') + '\n';
}

/** Rows of a dataset as a model's callers send them (one array per row): all, or those at `indices`. */
export function featureRows(dataset: Dataset, indices?: readonly number[]): number[][] {
  const width = dataset.features.length;
  const pick = indices ?? Array.from({ length: dataset.rows }, (_, r) => r);
  return pick.map((r) => Array.from(dataset.x.subarray(r * width, (r + 1) * width)));
}
