import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { writeBigCsv } from '../support/big-csv.mjs';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

const ROWS = 1_500_000;

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// DESIGN.md §8: a 1.5-million-row CSV (~50 MB) trains. One epoch in large batches keeps this real
// run affordable in CI; the parsing, split, scaling and validation are those of any run.
it('trains a 1.5-million-row CSV through the CLI and registers its row count and hash', async () => {
  const dir = tempDir('mlops-big-');
  const file = path.join(dir, 'big.csv');
  const bytes = await writeBigCsv(file, ROWS);
  expect(bytes).toBeGreaterThan(45e6);
  writeFileSync(path.join(dir, 'mlops.config.json'), JSON.stringify({ name: 'big' }));

  const res = await runMlops(
    ['train', '--local', '--json', '--data', 'big.csv', '--param', 'epochs=1', '--param', 'batchSize=4096'],
    { cwd: dir },
  );
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const events = res.lines<{
    event: string;
    rows?: number;
    version?: string;
    metrics?: { accuracy: number };
  }>();
  expect(events.find((e) => e.event === 'dataset')?.rows).toBe(ROWS);
  const registered = events.at(-1);
  expect(registered).toMatchObject({ event: 'registered', model: 'big', version: 'v1.0' });
  expect(registered?.metrics?.accuracy).toBeGreaterThan(0.9);

  const shown = (await runMlops('models show v1.0 --json', { cwd: dir })).json<{
    data: { rows: number; sha256: string };
    fullMetrics: { rows: { train: number; validation: number } };
  }>();
  expect(shown.data.rows).toBe(ROWS);
  expect(shown.data.sha256).toBe(await sha256(file));
  expect(shown.fullMetrics.rows.train + shown.fullMetrics.rows.validation).toBe(ROWS);
  expect(shown.fullMetrics.rows.validation).toBe(ROWS * 0.2);
}, 300_000);
