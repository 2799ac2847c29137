// Local training benchmark (DESIGN.md §8): trains the default model on the shared datasets and compares
// validation accuracy with the scikit-learn reference. Run `npm run build` first; it imports dist/.
//   npm run bench:train -- [--data-dir DIR] [--param key=value ...] [--seeds N]
// Exits non-zero only when something crashes; accuracy is reported, not enforced.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Best of logistic regression, random forest and a small MLP (80/20 stratified split, seed 42).
const REFERENCE = { iris: 0.967, wine: 1.0, breast_cancer: 0.965 };

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: path.resolve(repo, 'templates/datasets') },
    param: { type: 'string', multiple: true, default: [] },
    seeds: { type: 'string', default: '1' },
  },
});

const { loadDataset, trainModel } = await import(path.join(repo, 'dist/src/ml/index.js'));
const { trainSchema } = await import(path.join(repo, 'dist/src/config/schema.js'));

const overrides = {};
for (const kv of values.param) {
  const at = kv.indexOf('=');
  if (at < 1) throw new Error(`--param expects key=value, got ${kv}`);
  const raw = kv.slice(at + 1);
  let value;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  overrides[kv.slice(0, at)] = value;
}
const params = trainSchema.parse(overrides);
const seeds = Math.max(1, Number(values.seeds));

console.log(`data: ${values['data-dir']}`);
console.log(
  `params: ${JSON.stringify(params)}${seeds > 1 ? ` (seeds ${params.seed}..${params.seed + seeds - 1}, mean)` : ''}`,
);
const header = ['dataset', 'rows', 'val acc', 'reference', 'diff', 'epochs', 'train s', 'backend'];
const rows = [header];
for (const [name, reference] of Object.entries(REFERENCE)) {
  const dataset = await loadDataset(path.join(values['data-dir'], `${name}.csv`), {
    task: 'classification',
    cwd: repo,
  });
  let accuracy = 0;
  let epochs = 0;
  let seconds = 0;
  let backend = '';
  for (let s = 0; s < seeds; s += 1) {
    const result = await trainModel(dataset, { ...params, seed: params.seed + s });
    accuracy += result.metrics.accuracy / seeds;
    epochs += result.metrics.epochsRun / seeds;
    seconds += result.metrics.trainingSeconds / seeds;
    backend = result.backend;
  }
  // Rounded first so that a difference below the printed precision shows as +0.000, not -0.000.
  const diff = Number((accuracy - reference).toFixed(3));
  rows.push([
    name,
    String(dataset.rows),
    accuracy.toFixed(3),
    reference.toFixed(3),
    `${diff >= 0 ? '+' : ''}${diff.toFixed(3)}${diff < -0.02 ? ' (below target)' : ''}`,
    seeds > 1 ? epochs.toFixed(0) : String(epochs),
    seconds.toFixed(2),
    backend,
  ]);
}
const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows)
  console.log(
    r
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
