import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainSchema } from '../../src/config/schema.js';
import { BASELINE_JSON, decileEdges, decodeBaseline } from '../../src/ml/baseline.js';
import { loadDataset, parseDataset } from '../../src/ml/dataset.js';
import { trainModel } from '../../src/ml/train.js';
import { stratifiedSplit } from '../../src/ml/split.js';
import { dataDir, linearCsv } from '../ml/fixtures.js';

const defaults = trainSchema.parse({});

describe('training stores baseline.json', () => {
  it('classification: deciles of the raw training-split values, predicted-class shares on validation', async () => {
    const iris = await loadDataset(path.join(dataDir, 'iris.csv'), {
      task: 'classification',
      cwd: process.cwd(),
    });
    const params = { ...defaults, epochs: 20 };
    const { artifacts, metrics } = await trainModel(iris, params);
    const baseline = decodeBaseline(artifacts[BASELINE_JSON]);
    expect(baseline?.rows).toEqual({ train: 120, validation: 30 });
    // The same split training used: the baseline's edges are those of these 120 rows, unscaled.
    const { train } = stratifiedSplit(iris.y, { validationSplit: params.validationSplit, seed: params.seed });
    iris.features.forEach((name, j) => {
      const values = train.map((r) => iris.x[r * iris.features.length + j] as number);
      const feature = baseline?.features[j];
      expect(feature?.name).toBe(name);
      expect(feature?.edges).toEqual(decileEdges(values));
      expect(feature?.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    });
    const predictions = baseline?.predictions;
    expect(predictions?.kind).toBe('classes');
    if (predictions?.kind !== 'classes') return;
    expect(predictions.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    // The predicted-class shares are the confusion matrix's column sums over the validation rows.
    const matrix = metrics.confusionMatrix?.matrix ?? [];
    const columns = predictions.labels.map(
      (_, c) => matrix.reduce((sum, row) => sum + (row[c] ?? 0), 0) / 30,
    );
    expect(predictions.shares).toEqual(columns);
  });

  it('regression: the predicted values are binned by their own deciles', async () => {
    const data = parseDataset(linearCsv(200), { task: 'regression', source: 'linear' });
    const { artifacts } = await trainModel(data, { ...defaults, task: 'regression', epochs: 5 });
    const predictions = decodeBaseline(artifacts[BASELINE_JSON])?.predictions;
    expect(predictions?.kind).toBe('bins');
    if (predictions?.kind !== 'bins') return;
    expect(predictions.edges).toHaveLength(9);
    expect(predictions.shares).toHaveLength(10);
  });
});
