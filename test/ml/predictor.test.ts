import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainSchema } from '../../src/config/schema.js';
import { loadTf } from '../../src/ml/backend.js';
import { loadDataset, parseDataset, type Dataset } from '../../src/ml/dataset.js';
import { classificationMetrics, regressionMetrics } from '../../src/ml/metrics.js';
import { loadPredictor } from '../../src/ml/predictor.js';
import { randomSplit, stratifiedSplit } from '../../src/ml/split.js';
import { trainModel, type TrainedModel } from '../../src/ml/train.js';
import { rejectionOf } from '../support/error-code.js';
import { dataDir, featureRows, linearCsv } from './fixtures.js';

const params = { ...trainSchema.parse({}), epochs: 60 };
const encoder = new TextEncoder();

describe('loadPredictor', () => {
  let iris: Dataset;
  let trained: TrainedModel;
  beforeAll(async () => {
    iris = await loadDataset(path.join(dataDir, 'iris.csv'), { task: 'classification', cwd: process.cwd() });
    trained = await trainModel(iris, params);
  });

  it('predicts raw rows exactly as the training-time model scored them', async () => {
    const predictor = await loadPredictor(trained.artifacts);
    expect(predictor.task).toBe('classification');
    expect(predictor.features).toEqual(iris.features);
    expect(predictor.classes).toEqual(iris.classes);
    const { validation } = stratifiedSplit(iris.y, {
      validationSplit: params.validationSplit,
      seed: params.seed,
    });
    const predictions = predictor.predict(featureRows(iris, validation));
    const classes = iris.classes ?? [];
    const predicted = predictions.map((p) => classes.indexOf(p.label as string));
    const again = classificationMetrics(
      validation.map((i) => iris.y[i] as number),
      predicted,
      classes,
    );
    expect(again.confusionMatrix).toEqual(trained.metrics.confusionMatrix);
    expect(again.accuracy).toBe(trained.metrics.accuracy);
    for (const p of predictions) {
      const probs = Object.values(p.probabilities ?? {});
      expect(Object.keys(p.probabilities ?? {})).toEqual(classes);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.probabilities?.[p.label as string]).toBe(Math.max(...probs));
    }
    predictor.dispose();
  });

  it('gives the same answers one row at a time as in a batch, and leaks nothing', async () => {
    const { tf } = await loadTf();
    const before = tf.memory().numTensors;
    for (const engine of ['auto', 'tfjs'] as const) {
      const predictor = await loadPredictor(trained.artifacts, { engine });
      const rows = featureRows(iris).slice(0, 20);
      const batch = predictor.predict(rows);
      const single = rows.map((r) => predictor.predict([r])[0]);
      expect(single.map((p) => p?.label)).toEqual(batch.map((p) => p.label));
      expect(predictor.predict([])).toEqual([]);
      predictor.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('computes the same outputs on the plain-JS dense path as in tfjs', async () => {
    const fast = await loadPredictor(trained.artifacts);
    const slow = await loadPredictor(trained.artifacts, { engine: 'tfjs' });
    expect(fast.engine).toBe('dense-js');
    expect(slow.engine).toBe('tfjs');
    const a = fast.predict(featureRows(iris));
    const b = slow.predict(featureRows(iris));
    expect(a.map((p) => p.label)).toEqual(b.map((p) => p.label));
    a.forEach((p, r) => {
      for (const c of iris.classes ?? []) {
        expect(p.probabilities?.[c]).toBeCloseTo(b[r]?.probabilities?.[c] ?? NaN, 5);
      }
    });
    fast.dispose();
    slow.dispose();
    expect(() => fast.predict(featureRows(iris, [0]))).toThrow(/disposed/);
  });

  it('keeps the dense path for a model trained with dropout', async () => {
    const withDropout = await trainModel(iris, { ...params, epochs: 3, dropout: 0.3 });
    const fast = await loadPredictor(withDropout.artifacts);
    const slow = await loadPredictor(withDropout.artifacts, { engine: 'tfjs' });
    expect(fast.engine).toBe('dense-js');
    expect(fast.predict(featureRows(iris)).map((p) => p.label)).toEqual(
      slow.predict(featureRows(iris)).map((p) => p.label),
    );
    fast.dispose();
    slow.dispose();
  });

  it('rejects rows of the wrong width or with non-numbers', async () => {
    const predictor = await loadPredictor(trained.artifacts);
    expect(() => predictor.predict([[1, 2, 3]])).toThrow(
      expect.objectContaining({ code: 'MLOPS_DATA_E3005' }),
    );
    expect(() => predictor.predict([[1, 2, 3, NaN]])).toThrow(
      expect.objectContaining({ code: 'MLOPS_DATA_E3004' }),
    );
    predictor.dispose();
  });

  it('rejects a value beyond float32 range (it would reach the model as Infinity)', async () => {
    const predictor = await loadPredictor(trained.artifacts);
    expect(() => predictor.predict([[1e39, 1, 1, 1]])).toThrow(
      expect.objectContaining({ code: 'MLOPS_DATA_E3004', message: expect.stringContaining('float32') }),
    );
    expect(predictor.predict([[3e38, 1, 1, 1]])).toHaveLength(1);
    predictor.dispose();
  });

  it('round-trips a regression model with its target scaling', async () => {
    const ds = parseDataset(linearCsv(200), { task: 'regression', source: 'linear' });
    const model = await trainModel(ds, { ...params, task: 'regression', epochs: 40 });
    const predictor = await loadPredictor(model.artifacts);
    const { validation } = randomSplit(ds.rows, {
      validationSplit: params.validationSplit,
      seed: params.seed,
    });
    const predictions = predictor.predict(featureRows(ds, validation));
    const again = regressionMetrics(
      validation.map((i) => ds.y[i] as number),
      predictions.map((p) => p.label as number),
    );
    expect(again.rmse).toBeCloseTo(model.metrics.rmse ?? NaN, 4);
    expect(again.r2).toBeCloseTo(model.metrics.r2 ?? NaN, 6);
    expect(predictions[0]?.probabilities).toBeUndefined();
    predictor.dispose();
  });

  describe('corrupt artifacts (E5002)', () => {
    const variants: [string, () => Record<string, Uint8Array>][] = [
      [
        'a truncated weights.bin',
        () => ({ ...trained.artifacts, 'weights.bin': trained.artifacts['weights.bin']!.slice(0, 100) }),
      ],
      [
        'a missing weights.bin',
        () => ({ ...trained.artifacts, 'weights.bin': undefined as unknown as Uint8Array }),
      ],
      [
        'model.json that is not JSON',
        () => ({ ...trained.artifacts, 'model.json': encoder.encode('{"modelTopology":') }),
      ],
      ['model.json without a topology', () => ({ ...trained.artifacts, 'model.json': encoder.encode('{}') })],
      [
        'a topology tfjs cannot build',
        () => ({
          ...trained.artifacts,
          'model.json': encoder.encode(
            JSON.stringify({ modelTopology: { class_name: 'Nope', config: {} }, weightsManifest: [] }),
          ),
          'weights.bin': new Uint8Array(0),
        }),
      ],
      [
        'a missing preprocessing.json',
        () => ({ ...trained.artifacts, 'preprocessing.json': undefined as unknown as Uint8Array }),
      ],
      [
        'preprocessing.json of another format',
        () => ({ ...trained.artifacts, 'preprocessing.json': encoder.encode('{"a":1}') }),
      ],
      [
        'preprocessing.json for another model',
        () => {
          const prep = JSON.parse(
            new TextDecoder().decode(trained.artifacts['preprocessing.json']),
          ) as Record<string, unknown>;
          const other = { ...prep, features: ['a', 'b'], scaler: { mean: [0, 0], std: [1, 1] } };
          return { ...trained.artifacts, 'preprocessing.json': encoder.encode(JSON.stringify(other)) };
        },
      ],
    ];
    it.each(variants)('rejects %s', async (_, make) => {
      const artifacts = Object.fromEntries(Object.entries(make()).filter(([, v]) => v !== undefined));
      const err = await rejectionOf(loadPredictor(artifacts));
      expect(err.code).toBe('MLOPS_MODEL_E5002');
      expect(err.hint).toBeTypeOf('string');
    });
  });
});
