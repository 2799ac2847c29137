import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { ModelRegistry } from '../../src/core/registry.js';
import { serveModel } from '../../src/core/serve.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import { tempDir } from '../support/temp-dir.js';
import { http, IRIS_FEATURES, irisProject, parseMetrics, projectRegistry, startServer } from './fixture.js';

/** What the test knows of baseline.json, read as plain JSON (not through mlops' decoder). */
interface RawBaseline {
  features: { name: string; edges: number[]; shares: number[] }[];
  predictions: { labels: string[]; shares: number[] };
}

/**
 * PSI computed here, independently of src/: bin = edges strictly below x, shares floored at 1e-4,
 * Σ (a − e) ln(a / e).
 */
function independentPsi(values: readonly number[], edges: readonly number[], expected: readonly number[]) {
  const counts = expected.map(() => 0);
  for (const v of values) counts[edges.filter((e) => e < v).length]! += 1;
  return psiOfShares(
    counts.map((c) => c / values.length),
    expected,
  );
}

function psiOfShares(actual: readonly number[], expected: readonly number[]): number {
  let sum = 0;
  actual.forEach((a0, i) => {
    const a = Math.max(1e-4, a0);
    const e = Math.max(1e-4, expected[i]!);
    sum += (a - e) * Math.log(a / e);
  });
  return sum;
}

const close = (actual: number | undefined, expected: number) =>
  expect(Math.abs((actual ?? NaN) - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));

const drift = (m: Map<string, number>, feature: string) => m.get(`ml_feature_drift{feature="${feature}"}`);

describe('drift in the serving app (iris, served from the registry)', () => {
  let dir: string;
  let registry: ModelRegistry;
  let rows: number[][];
  let baseline: RawBaseline;

  beforeAll(async () => {
    dir = await irisProject(tempDir(), 'iris', 2); // v1.0 (production), v1.1
    registry = await projectRegistry(dir);
    const { config } = loadConfig({ cwd: dir });
    const csv = readFileSync(path.resolve(dir, config.data.source), 'utf8').trim().split('\n');
    const header = (csv[0] ?? '').split(',');
    const columns = IRIS_FEATURES.map((f) => header.indexOf(f));
    rows = csv.slice(1).map((line) => {
      const fields = line.split(',');
      return columns.map((c) => Number(fields[c]));
    });
    const manifest = await registry.manifest('v1.0');
    expect(manifest.artifacts.map((a) => a.name)).toContain('baseline.json');
    const bytes = await registry.artifact(manifest, 'baseline.json');
    baseline = JSON.parse(new TextDecoder().decode(bytes)) as RawBaseline;
  }, 120_000);

  /** Sends each row alone (as production clients do) and returns the predicted labels. */
  async function send(url: string, sent: readonly number[][]): Promise<string[]> {
    const labels: string[] = [];
    for (const row of sent) {
      const answer = await http(`${url}/predict`, { body: { instances: [row] } });
      expect(answer.status).toBe(200);
      labels.push(answer.json<{ predictions: { label: string }[] }>().predictions[0]!.label);
    }
    return labels;
  }

  function expectIndependentPsi(m: Map<string, number>, window: number[][], labels: string[]) {
    baseline.features.forEach((f, j) =>
      close(
        drift(m, f.name),
        independentPsi(
          window.map((r) => r[j]!),
          f.edges,
          f.shares,
        ),
      ),
    );
    const { labels: classes, shares } = baseline.predictions;
    const predicted = classes.map((c) => labels.filter((l) => l === c).length / labels.length);
    close(m.get('ml_prediction_drift'), psiOfShares(predicted, shares));
  }

  describe('a version with a baseline', () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    const window = 150;
    beforeAll(async () => {
      server = await startServer(dir, { driftWindow: window, pollIntervalSeconds: 3600 });
    }, 60_000);
    afterAll(() => server?.stop());

    it('says so in its metadata, and exports no drift series before any row', async () => {
      const meta = (await http(`${server.url}/v2/models/iris`)).json<{
        parameters: Record<string, unknown>;
      }>();
      expect(meta.parameters.baseline).toBe(true);
      expect(meta.parameters.drift).toBeUndefined();
      const text = (await http(`${server.url}/metrics`)).text;
      expect(text).not.toMatch(/^ml_feature_drift\{/m);
      expect(text).not.toMatch(/^ml_drift_window_rows /m);
    });

    it('rows of the training distribution: every feature stays below 0.1, equal to an independent PSI', async () => {
      const labels = await send(server.url, rows);
      const m = parseMetrics((await http(`${server.url}/metrics`)).text);
      expect(m.get('ml_drift_window_rows')).toBe(window);
      for (const f of IRIS_FEATURES) expect(drift(m, f)).toBeLessThan(0.1);
      expectIndependentPsi(m, rows, labels);
      const meta = (await http(`${server.url}/v2/models/iris`)).json<{ parameters: { drift: object } }>();
      expect(meta.parameters.drift).toMatchObject({ rows: window });
    }, 60_000);

    it('one feature shifted: it passes 0.2 and the others do not; the old rows have left the window', async () => {
      const shifted = rows.map(([a, b, c, d]) => [a!, b!, c! + 2.5, d!]);
      const labels = await send(server.url, shifted);
      const m = parseMetrics((await http(`${server.url}/metrics`)).text);
      expect(m.get('ml_drift_window_rows')).toBe(window);
      expect(drift(m, 'petal_length_cm')).toBeGreaterThan(0.2);
      for (const f of ['sepal_length_cm', 'sepal_width_cm', 'petal_width_cm'])
        expect(drift(m, f)).toBeLessThan(0.1);
      // The window is the 150 shifted rows alone.
      expectIndependentPsi(m, shifted, labels);
      // The scrape looked at the window: one warning naming the shifted feature.
      const warnings = server.io.events.filter((e) => e.event === 'drift');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.level).toBe('warn');
      expect(warnings[0]?.message).toMatch(/petal_length_cm/);
      expect(warnings[0]?.message).not.toMatch(/sepal/);
    }, 60_000);

    it('a hot reload to another version starts an empty window', async () => {
      await registry.setAlias('production', 'v1.1', 'test');
      await server.app.poll();
      expect(server.app.status().version).toBe('v1.1');
      const text = (await http(`${server.url}/metrics`)).text;
      expect(text).not.toMatch(/^ml_feature_drift\{/m);
      expect(text).not.toMatch(/^ml_drift_window_rows /m);
      await send(server.url, rows.slice(0, 10));
      expect(parseMetrics((await http(`${server.url}/metrics`)).text).get('ml_drift_window_rows')).toBe(10);
    }, 60_000);
  });

  describe('a version trained before baselines', () => {
    let server: Awaited<ReturnType<typeof serveModel>>;
    beforeAll(async () => {
      const { artifacts, manifest } = await registry.load('v1.0');
      const { 'baseline.json': _, ...old } = artifacts;
      const created = await registry.createVersion({
        artifacts: old,
        createdBy: 'test',
        data: manifest.data,
        parameters: manifest.parameters,
        metrics: manifest.metrics,
      });
      const { config } = loadConfig({ cwd: dir });
      server = await serveModel({
        registry,
        serve: { ...config.serve, port: 0, host: '127.0.0.1' },
        version: created.version,
        io: new MemoryIoHost(),
      });
    }, 60_000);
    afterAll(() => server?.stop());

    it('serves as before; its metadata says there is no baseline and /metrics has no drift series', async () => {
      const meta = (await http(`${server.url}/v2/models/iris`)).json<{
        parameters: Record<string, unknown>;
      }>();
      expect(meta.parameters.baseline).toBe(false);
      await send(server.url, rows.slice(0, 20));
      const text = (await http(`${server.url}/metrics`)).text;
      expect(text).toMatch(/^ml_predictions_total\{/m);
      expect(text).not.toMatch(/^ml_feature_drift\{/m);
      expect(text).not.toMatch(/^ml_prediction_drift /m);
      expect(text).not.toMatch(/^ml_drift_window_rows /m);
    }, 60_000);
  });
});
