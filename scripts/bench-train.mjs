// Local training benchmark (DESIGN.md §8): trains the default model on the shared datasets and compares
// validation accuracy with the scikit-learn reference, then trains a generated 1.5-million-row CSV
// through the CLI in a child process (wall time and peak RSS). Run `npm run build` first; it imports dist/.
//   npm run bench:train -- [--data-dir DIR] [--param key=value ...] [--seeds N]
//                          [--big-rows N (0 skips)] [--big-param key=value ...]
// Exits non-zero only when something crashes; accuracy and times are reported, not enforced.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeBigCsv } from '../test/support/big-csv.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Best of logistic regression, random forest and a small MLP (80/20 stratified split, seed 42).
const REFERENCE = { iris: 0.967, wine: 1.0, breast_cancer: 0.965 };

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: path.resolve(repo, 'templates/datasets') },
    param: { type: 'string', multiple: true, default: [] },
    seeds: { type: 'string', default: '1' },
    'big-rows': { type: 'string', default: '1500000' },
    // Large batches: per-batch overhead dominates a 1.2-million-row epoch at the default 32.
    'big-param': { type: 'string', multiple: true, default: ['epochs=2', 'batchSize=4096'] },
  },
});

const { loadDataset, trainModel } = await import(path.join(repo, 'dist/src/ml/index.js'));
const { trainSchema } = await import(path.join(repo, 'dist/src/config/schema.js'));
const { trainParamOverrides } = await import(path.join(repo, 'dist/src/config/params.js'));

/** The CLI's own --param parsing, then the training section's defaults. */
const trainParams = (list) =>
  trainSchema.parse(
    Object.fromEntries(
      Object.entries(trainParamOverrides(list)).map(([k, v]) => [k.slice('train.'.length), v]),
    ),
  );
const params = trainParams(values.param);
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
printTable(rows);

const bigRows = Number(values['big-rows']);
if (bigRows > 0) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-train-'));
  try {
    const file = path.join(dir, 'big.csv');
    let started = performance.now();
    const bytes = await writeBigCsv(file, bigRows);
    const generated = (performance.now() - started) / 1000;
    writeFileSync(path.join(dir, 'mlops.config.json'), JSON.stringify({ name: 'bench-big' }));
    const args = ['train', '--local', '--json', '--data', 'big.csv'];
    for (const p of values['big-param']) args.push('--param', p);
    started = performance.now();
    const run = await trainInChild(args, dir);
    const wall = (performance.now() - started) / 1000;
    const registered = run.events.find((e) => e.event === 'registered');
    if (run.code !== 0 || registered === undefined) {
      console.error(run.stderr || JSON.stringify(run.events.at(-1)));
      throw new Error(`the big-CSV training exited ${run.code}`);
    }
    const dataset = run.events.find((e) => e.event === 'dataset');
    console.log();
    console.log(
      `big CSV: ${bigRows.toLocaleString('en-US')} rows, ${(bytes / 1e6).toFixed(1)} MB (generated in ${generated.toFixed(1)} s)`,
    );
    printTable([
      ['case', 'rows read', 'val acc', 'epochs', 'train s', 'total s', 'peak RSS MB', 'backend'],
      [
        `mlops ${args.slice(0, 2).join(' ')} ${values['big-param'].map((p) => `--param ${p}`).join(' ')}`,
        String(dataset?.rows ?? '?'),
        registered.metrics.accuracy.toFixed(3),
        String(registered.metrics.epochsRun),
        registered.metrics.trainingSeconds.toFixed(1),
        wall.toFixed(1),
        (run.maxRssKb / 1024).toFixed(0),
        String(dataset?.backend ?? '?'),
      ],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the CLI (dist/) in a child node process and collects its JSON events and its peak RSS, which the
 * child reports itself (process.resourceUsage) on an extra pipe once the command has returned.
 */
function trainInChild(args, cwd) {
  const script = `
    import { writeSync } from 'node:fs';
    const { run } = await import(${JSON.stringify(path.join(repo, 'dist/src/cli/main.js'))});
    const code = await run(JSON.parse(process.argv[1]), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() });
    writeSync(3, JSON.stringify({ code, maxRssKb: process.resourceUsage().maxRSS }));
    process.exit(code);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(args)], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let report = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdio[3].on('data', (d) => (report += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const events = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      const { maxRssKb = NaN } = report ? JSON.parse(report) : {};
      resolve({ code, events, stderr, maxRssKb });
    });
  });
}

function printTable(table) {
  const widths = table[0].map((_, i) => table.reduce((w, r) => Math.max(w, r[i].length), 0));
  for (const r of table)
    console.log(
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
}
