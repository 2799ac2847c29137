import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainSchema, type TrainParams } from '../../src/config/schema.js';
import { loadTf } from '../../src/ml/backend.js';
import { loadDataset, parseDataset, type Dataset } from '../../src/ml/dataset.js';
import type { Metrics } from '../../src/ml/metrics.js';
import { trainModel, type EpochEvent } from '../../src/ml/train.js';
import { rejectionOf } from '../support/error-code.js';
import { dataDir, linearCsv } from './fixtures.js';

const withoutTime = ({ trainingSeconds: _, ...rest }: Metrics): Omit<Metrics, 'trainingSeconds'> => rest;

describe('trainModel', () => {
  let iris: Dataset;
  const defaults: TrainParams = trainSchema.parse({});
  beforeAll(async () => {
    iris = await loadDataset(path.join(dataDir, 'iris.csv'), { task: 'classification', cwd: process.cwd() });
  });

  it('reaches the accuracy target on iris with the default parameters', async () => {
    const events: EpochEvent[] = [];
    const { metrics, artifacts, backend } = await trainModel(iris, defaults, {
      onEpoch: (e) => events.push(e),
    });
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.93);
    expect(metrics.task).toBe('classification');
    expect(metrics.rows).toEqual({ train: 120, validation: 30 });
    expect(metrics.confusionMatrix?.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(metrics.confusionMatrix?.matrix.flat().reduce((a, b) => a + b, 0)).toBe(30);
    expect(Object.keys(metrics.perClass ?? {})).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(metrics.macroF1).toBeGreaterThan(0.9);
    expect(metrics.epochsRun).toBe(events.length);
    expect(metrics.lossCurve).toHaveLength(metrics.epochsRun);
    expect(metrics.bestEpoch).toBeGreaterThanOrEqual(1);
    expect(metrics.bestEpoch).toBeLessThanOrEqual(metrics.epochsRun);
    // Early stopping: the best validation loss is the lowest of the curve.
    const best = metrics.lossCurve[metrics.bestEpoch - 1]?.valLoss ?? NaN;
    expect(Math.min(...metrics.lossCurve.map((p) => p.valLoss))).toBe(best);
    expect(events[0]).toMatchObject({ epoch: 1, epochs: defaults.epochs });
    expect(events[0]?.valAccuracy).toBeGreaterThanOrEqual(0);
    expect(events[0]?.valAccuracy).toBeLessThanOrEqual(1);
    expect(Object.keys(artifacts).sort()).toEqual([
      'baseline.json',
      'model.json',
      'preprocessing.json',
      'weights.bin',
    ]);
    // How long it took is measured, not judged: `npm run bench:train` holds the time target (DESIGN.md §8).
    expect(metrics.trainingSeconds).toBeGreaterThan(0);
    expect(Number.isFinite(metrics.trainingSeconds)).toBe(true);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(backend);
    expect(backend).toBe((await loadTf(defaults.backend)).backend);
  });

  it('is deterministic for a seed and leaks no tensors', async () => {
    const { tf } = await loadTf(defaults.backend);
    const params = { ...defaults, epochs: 15, dropout: 0.2 };
    const before = tf.memory().numTensors;
    const a = await trainModel(iris, params);
    const afterOne = tf.memory().numTensors;
    const b = await trainModel(iris, params);
    expect(tf.memory().numTensors).toBe(before);
    expect(afterOne).toBe(before);
    expect(withoutTime(b.metrics)).toEqual(withoutTime(a.metrics));
    expect(Buffer.from(b.artifacts['weights.bin'] ?? [])).toEqual(
      Buffer.from(a.artifacts['weights.bin'] ?? []),
    );
    expect(Buffer.from(b.artifacts['model.json'] ?? [])).toEqual(
      Buffer.from(a.artifacts['model.json'] ?? []),
    );
    const c = await trainModel(iris, { ...params, seed: 7 });
    expect(withoutTime(c.metrics)).not.toEqual(withoutTime(a.metrics));
  });

  it('stops early after `patience` epochs without improvement', async () => {
    const { metrics } = await trainModel(iris, { ...defaults, patience: 3, learningRate: 0.05 });
    expect(metrics.epochsRun).toBeLessThan(defaults.epochs);
    expect(metrics.epochsRun - metrics.bestEpoch).toBe(3);
  });

  it('fits a linear regression (r2 > 0.9)', async () => {
    const ds = parseDataset(linearCsv(200), { task: 'regression', source: 'linear' });
    const { metrics } = await trainModel(ds, { ...defaults, task: 'regression', epochs: 50 });
    expect(metrics.task).toBe('regression');
    expect(metrics.r2).toBeGreaterThan(0.9);
    // finite and positive: a NaN or an infinity would pass a `number` type check
    expect(metrics.rmse).toBeGreaterThan(0);
    expect(metrics.mae).toBeGreaterThan(0);
    expect(Number.isFinite(metrics.rmse) && Number.isFinite(metrics.mae)).toBe(true);
    expect(metrics.accuracy).toBeUndefined();
    expect(metrics.rows).toEqual({ train: 160, validation: 40 });
  });

  it('stops with MLOPS_INTERRUPTED when aborted', async () => {
    const controller = new AbortController();
    const err = await rejectionOf(
      trainModel(iris, defaults, {
        signal: controller.signal,
        onEpoch: (e) => e.epoch === 2 && controller.abort(),
      }),
    );
    expect(err.code).toBe('MLOPS_INTERRUPTED');
  });

  it('wraps a failure of tfjs once, as E5001 with the cause and the backend in the hint', async () => {
    // Params bypass the config schema here, which would refuse a negative layer size up front.
    const err = await rejectionOf(trainModel(iris, { ...defaults, epochs: 1, hiddenUnits: [-1] }));
    expect(err.code).toBe('MLOPS_TRAIN_E5001');
    expect(err.message).toMatch(/^training failed: .*units/);
    expect(err.message.match(/training failed/gi)).toHaveLength(1);
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.hint).toContain('backend');
  });

  it.each([{ batchSize: 0 }, { batchSize: 2.5 }, { epochs: 0 }])(
    'refuses %j from a library caller at once (no endless loop)',
    async (bad) => {
      const err = await rejectionOf(trainModel(iris, { ...defaults, ...bad }));
      expect(err.code).toBe('MLOPS_USAGE_E1002');
      expect(err.hint).toMatch(/positive whole number/);
    },
  );

  it('refuses a dataset loaded for another task (E5001)', async () => {
    const err = await rejectionOf(trainModel(iris, { ...defaults, task: 'regression' }));
    expect(err.code).toBe('MLOPS_TRAIN_E5001');
  });
});
