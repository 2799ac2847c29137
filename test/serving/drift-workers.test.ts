import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { spawnJsonLines, type JsonLinesChild } from '../support/json-lines-child.js';
import { binPath } from '../support/run-mlops.js';
import { childEnvironment } from '../support/sealed-env.js';
import { tempDir } from '../support/temp-dir.js';
import { IRIS_FEATURES, irisProject, parseMetrics } from './fixture.js';

/** A request on a connection of its own, so that the primary hands each to the next worker. */
function call(url: string, body?: unknown): Promise<{ worker: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent: false,
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ worker: String(res.headers['x-mlops-worker']), text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The test's own PSI (bins: edges strictly below; shares floored at 1e-4). */
function psi(values: readonly number[], edges: readonly number[], expected: readonly number[]): number {
  const counts = expected.map(() => 0);
  for (const v of values) counts[edges.filter((e) => e < v).length]! += 1;
  return expected.reduce((sum, e0, i) => {
    const a = Math.max(1e-4, counts[i]! / values.length);
    const e = Math.max(1e-4, e0);
    return sum + (a - e) * Math.log(a / e);
  }, 0);
}

describe('drift with serve.workers 2 (the built bin)', () => {
  let dir: string;
  let server: JsonLinesChild;
  let url: string;
  let rows: number[][];

  beforeAll(async () => {
    dir = await irisProject(tempDir(), 'iris');
    const { config } = loadConfig({ cwd: dir });
    const csv = readFileSync(path.resolve(dir, config.data.source), 'utf8').trim().split('\n');
    const header = (csv[0] ?? '').split(',');
    rows = csv.slice(1).map((line) => IRIS_FEATURES.map((f) => Number(line.split(',')[header.indexOf(f)])));
    const sealed = childEnvironment();
    server = spawnJsonLines(process.execPath, [binPath, 'serve', '--port', '0', '--json', '--workers', '2'], {
      cwd: dir,
      env: sealed.env,
      timeoutMs: 120_000,
    });
    void server.exited.then(sealed.dispose);
    url = (await server.next('serving')).url as string;
  }, 120_000);
  afterAll(() => server?.child.kill('SIGKILL'));

  it("/metrics computes PSI over the workers' windows merged: the same as one window of every row", async () => {
    const workers = new Set<string>();
    // A third of the rows shifted: the pool's PSI is then far from the mean of the two workers' PSIs.
    const sent = rows.map(([a, b, c, d], i) => (i % 3 === 0 ? [a!, b!, c! + 2.5, d!] : [a!, b!, c!, d!]));
    for (const row of sent) workers.add((await call(`${url}/predict`, { instances: [row] })).worker);
    expect(workers.size).toBe(2);

    const baseline = JSON.parse(
      readFileSync(path.join(dir, '.mlops/registry/iris/versions/v1.0/baseline.json'), 'utf8'),
    ) as { features: { name: string; edges: number[]; shares: number[] }[] };
    for (let i = 0; i < 4; i += 1) {
      const m = parseMetrics((await call(`${url}/metrics`)).text);
      expect(m.get('ml_drift_window_rows')).toBe(sent.length);
      baseline.features.forEach((f, j) => {
        const expected = psi(
          sent.map((r) => r[j]!),
          f.edges,
          f.shares,
        );
        const got = m.get(`ml_feature_drift{feature="${f.name}"}`) ?? NaN;
        expect(Math.abs(got - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
      });
      expect(m.get('ml_prediction_drift')).toBeGreaterThan(0);
    }
  }, 60_000);
});
