import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { irisProject, projectRegistry } from '../serving/fixture.js';

interface DriftJson {
  model: string;
  version: string;
  rows: number;
  features: { feature: string; psi: number; verdict: string }[];
  predictions: { psi: number; verdict: string };
  failAbove?: number;
  failed?: boolean;
}

const parse = (stdout: string) => JSON.parse(stdout) as DriftJson;
const errorOf = (stdout: string) =>
  (JSON.parse(stdout) as { error: { code: string; message: string } }).error;

describe('mlops drift --data FILE.csv', () => {
  let dir: string;
  let csv: string[];

  beforeAll(async () => {
    dir = await irisProject(tempDir(), 'iris', 2); // v1.0 (production), v1.1
    const { config } = loadConfig({ cwd: dir });
    csv = readFileSync(path.resolve(dir, config.data.source), 'utf8').trim().split('\n');
    // A shifted copy: petal_length_cm + 2.5 (the label column stays, and is ignored).
    const header = (csv[0] ?? '').split(',');
    const shifted = header.indexOf('petal_length_cm');
    writeFileSync(
      path.join(dir, 'shifted.csv'),
      [
        csv[0],
        ...csv.slice(1).map((line) =>
          line
            .split(',')
            .map((v, i) => (i === shifted ? String(Number(v) + 2.5) : v))
            .join(','),
        ),
      ].join('\n'),
    );
    // No petal_width_cm column.
    const dropped = header.indexOf('petal_width_cm');
    writeFileSync(
      path.join(dir, 'missing.csv'),
      csv
        .map((line) =>
          line
            .split(',')
            .filter((_, i) => i !== dropped)
            .join(','),
        )
        .join('\n'),
    );
    writeFileSync(path.join(dir, 'rows.csv'), csv.join('\n'));
  }, 120_000);

  it('the training CSV against the served alias: every feature stable, exit 0, a table worst first', async () => {
    const res = await runMlops(['drift', '--data', 'rows.csv'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/iris v1\.0: 150 rows against the training baseline/);
    expect(res.stdout).toMatch(/FEATURE\s+PSI\s+VERDICT/);
    const json = await runMlops(['drift', '--data', 'rows.csv', '--json'], { cwd: dir });
    const result = parse(json.stdout);
    expect(result).toMatchObject({ model: 'iris', version: 'v1.0', rows: 150 });
    expect(result.features.map((f) => f.feature).sort()).toEqual([
      'petal_length_cm',
      'petal_width_cm',
      'sepal_length_cm',
      'sepal_width_cm',
    ]);
    for (const f of result.features) {
      expect(f.psi).toBeLessThan(0.1);
      expect(f.verdict).toBe('stable');
    }
    const psis = result.features.map((f) => f.psi);
    expect(psis).toEqual([...psis].sort((a, b) => b - a));
    expect(result.predictions.psi).toBeLessThan(0.1);
    // The table lists the features in the same order.
    const order = res.stdout
      .split('\n')
      .map((line) => line.split(/\s+/)[0])
      .filter((word) => result.features.some((f) => f.feature === word));
    expect(order).toEqual(result.features.map((f) => f.feature));
  }, 60_000);

  it('a shifted copy: that feature drifts; --fail-above 0.2 exits 3; --version picks the version', async () => {
    const res = await runMlops(
      ['drift', '--data', 'shifted.csv', '--fail-above', '0.2', '--version', 'v1.1', '--json'],
      { cwd: dir },
    );
    expect(res.code).toBe(3);
    const result = parse(res.stdout);
    expect(result).toMatchObject({ version: 'v1.1', failAbove: 0.2, failed: true });
    expect(result.features[0]).toMatchObject({ feature: 'petal_length_cm', verdict: 'drift' });
    expect(result.features[0]?.psi).toBeGreaterThan(0.2);
    for (const f of result.features.slice(1)) expect(f.psi).toBeLessThan(0.1);

    // Without --fail-above the same drift is reported, and the exit code is 0.
    const plain = await runMlops(['drift', '--data', 'shifted.csv'], { cwd: dir });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/petal_length_cm\s+\d+\.\d{4}\s+drift/);
    // A threshold none passes: exit 0.
    const high = await runMlops(['drift', '--data', 'shifted.csv', '--fail-above', '50'], { cwd: dir });
    expect(high.code).toBe(0);
  }, 60_000);

  it('a CSV without one of the feature columns: an error naming it', async () => {
    const res = await runMlops(['drift', '--data', 'missing.csv', '--json'], { cwd: dir });
    expect(res.code).toBe(2);
    const error = errorOf(res.stdout);
    expect(error.code).toBe('MLOPS_DRIFT_E5602');
    expect(error.message).toMatch(/"petal_width_cm"/);
  }, 60_000);

  it('a version without a baseline: drift is unavailable, with a hint to retrain', async () => {
    const registry = await projectRegistry(dir);
    const { artifacts, manifest } = await registry.load('v1.0');
    const { 'baseline.json': _, ...old } = artifacts;
    const { version } = await registry.createVersion({
      artifacts: old,
      createdBy: 'test',
      data: manifest.data,
      parameters: manifest.parameters,
      metrics: manifest.metrics,
    });
    const res = await runMlops(['drift', '--data', 'rows.csv', '--version', version, '--json'], { cwd: dir });
    expect(res.code).toBe(1);
    const error = errorOf(res.stdout);
    expect(error.code).toBe('MLOPS_DRIFT_E5601');
    expect(error).toMatchObject({ hint: expect.stringMatching(/train/) });
  }, 60_000);
});
