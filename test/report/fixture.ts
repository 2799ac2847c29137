import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FsModelStore } from '../../providers/local/fs-model-store.js';
import { BASELINE_FORMAT, BASELINE_JSON, type Baseline } from '../../src/ml/baseline.js';
import { ModelRegistry } from '../../src/core/registry.js';
import type { VersionManifest } from '../../src/core/registry-types.js';
import type { ReportVersion } from '../../src/core/report/report-version.js';
import { repoRoot, runMlops, type RunResult } from '../support/run-mlops.js';

/** A project training iris from the bundled dataset (few epochs: seconds), with a file:// registry. */
export function irisProject(dir: string): {
  readonly mlops: (args: readonly string[]) => Promise<RunResult>;
  readonly registry: ModelRegistry;
} {
  copyFileSync(path.join(repoRoot, 'templates/datasets/iris.csv'), path.join(dir, 'iris.csv'));
  writeFileSync(
    path.join(dir, 'mlops.config.json'),
    JSON.stringify({ name: 'iris', data: { source: 'iris.csv', label: 'species' }, train: { epochs: 6 } }),
  );
  return {
    mlops: (args) => runMlops(args, { cwd: dir, env: { CI: '1' } }),
    registry: new ModelRegistry(new FsModelStore(path.join(dir, '.mlops/registry')), 'iris'),
  };
}

/** Fails the test with the CLI's output when it did not exit 0. */
export function ok(res: RunResult): RunResult {
  if (res.code !== 0) throw new Error(`mlops exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
  return res;
}

/** A baseline of the shape ml/baseline.ts fixes, for versions trained before training wrote one. */
export function standInBaseline(features: readonly string[], labels: readonly string[]): Baseline {
  return {
    format: BASELINE_FORMAT,
    rows: { train: 120, validation: 30 },
    features: features.map((name, i) => ({ name, edges: [i, i + 1, i + 2], shares: [0.1, 0.4, 0.3, 0.2] })),
    predictions: { kind: 'classes', labels, shares: labels.map(() => 1 / labels.length) },
  };
}

/** A new version with `version`'s artifacts and lineage, its artifacts changed by `edit`. */
export async function copyWith(
  registry: ModelRegistry,
  version: string,
  edit: (artifacts: Record<string, Uint8Array>, manifest: VersionManifest) => Record<string, Uint8Array>,
): Promise<string> {
  const { manifest, artifacts } = await registry.load(version);
  const copy = await registry.createVersion({
    artifacts: edit({ ...artifacts }, manifest),
    createdBy: manifest.createdBy,
    gitCommit: manifest.gitCommit,
    data: manifest.data,
    parameters: manifest.parameters,
    metrics: manifest.metrics,
    backend: manifest.backend,
  });
  return copy.version;
}

/**
 * The version whose report shows real training output: `version` itself once training stores
 * baseline.json; until then a copy with a stand-in baseline (the same artifacts otherwise).
 */
export async function withBaseline(
  registry: ModelRegistry,
  version: string,
): Promise<{ readonly version: string; readonly real: boolean }> {
  const manifest = await registry.manifest(version);
  if (manifest.artifacts.some((a) => a.name === BASELINE_JSON)) return { version, real: true };
  const copied = await copyWith(registry, version, (artifacts, m) => {
    const metrics = JSON.parse(new TextDecoder().decode(artifacts['metrics.json'])) as {
      confusionMatrix: { labels: string[] };
    };
    const features = m.parameters.features as string[];
    const baseline = standInBaseline(features, metrics.confusionMatrix.labels);
    return { ...artifacts, [BASELINE_JSON]: new TextEncoder().encode(JSON.stringify(baseline)) };
  });
  return { version: copied, real: false };
}

/** A hand-made version for the pure renderers: no registry, every part given. */
export function reportVersion(over: Partial<ReportVersion> & { version?: string } = {}): ReportVersion {
  const version = over.version ?? 'v1.0';
  const manifest: VersionManifest = {
    formatVersion: 1,
    model: 'iris',
    version,
    createdAt: '2026-11-27T10:00:00.000Z',
    createdBy: 'tester',
    gitCommit: 'abc123',
    data: { source: 'data/iris.csv', sha256: 'f'.repeat(64), rows: 150 },
    parameters: { epochs: 10, learningRate: 0.01 },
    metrics: { accuracy: 0.9, macroF1: 0.88, epochsRun: 10 },
    backend: 'cpu',
    artifacts: [{ name: 'model.json', sha256: 'a'.repeat(64), size: 1234 }],
    ...over.manifest,
  };
  return {
    aliases: [],
    metrics: {
      task: 'classification',
      lossCurve: [
        { epoch: 1, loss: 1.1, valLoss: 1.2 },
        { epoch: 2, loss: 0.6, valLoss: 0.7 },
        { epoch: 3, loss: 0.4, valLoss: 0.5 },
      ],
      bestEpoch: 3,
      perClass: {
        setosa: { precision: 1, recall: 1, f1: 1, support: 10 },
        versicolor: { precision: 0.8, recall: 0.9, f1: 0.8471, support: 10 },
      },
      confusionMatrix: {
        labels: ['setosa', 'versicolor'],
        matrix: [
          [10, 0],
          [1, 9],
        ],
      },
    },
    baseline: standInBaseline(['petal_length'], ['setosa', 'versicolor']),
    ...over,
    manifest,
  };
}
