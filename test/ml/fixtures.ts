import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../../src/core/errors.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared datasets (iris, wine, breast_cancer) that sit beside the repository. */
// The datasets ship inside the package (templates/datasets), so tests never depend on the checkout's surroundings.
export const dataDir = process.env.MLOPS_DATA_DIR ?? path.resolve(repo, 'templates/datasets');

export async function rejectionOf(promise: Promise<unknown>): Promise<MlopsError> {
  try {
    await promise;
  } catch (error) {
    if (MlopsError.is(error)) return error;
    throw error;
  }
  throw new Error('expected an MlopsError');
}

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
