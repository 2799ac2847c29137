import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { outType, PredictionsFile, PredictionTally } from '../../src/serving/client-output.js';
import { errorOf, rejectionOf } from '../support/error-code.js';
import { tempDir } from '../support/temp-dir.js';

const root = tempDir();

describe('predict --out files', () => {
  it('CSV: a row number per prediction, probabilities by class, labels quoted when they need it', async () => {
    const file = path.join(root, 'out.csv');
    const out = await PredictionsFile.create(file);
    const probabilities = { 'a,b': 0.25, 'say "hi"': 0.75 };
    await out.write([{ label: 'say "hi"', probabilities }], 0);
    await out.write([{ label: 'a,b', probabilities }], 1);
    await out.commit();
    expect(readFileSync(file, 'utf8')).toBe(
      'row,label,"p_a,b","p_say ""hi"""\n1,"say ""hi""",0.25,0.75\n2,"a,b",0.25,0.75\n',
    );
  });

  it('CSV of a regression model: the row and the predicted value', async () => {
    const file = path.join(root, 'values.csv');
    const out = await PredictionsFile.create(file);
    await out.write([{ label: 1.5 }, { label: -2 }], 0);
    await out.commit();
    expect(readFileSync(file, 'utf8')).toBe('row,label\n1,1.5\n2,-2\n');
  });

  it('refuses an unknown file type, and a path it cannot create', async () => {
    expect(errorOf(() => outType('predictions.txt'))).toMatchObject({
      code: 'MLOPS_SERVE_E8008',
      source: 'usage',
      hint: expect.stringContaining('predictions.csv or predictions.jsonl'),
    });
    const err = await rejectionOf(PredictionsFile.create(path.join(root, 'no', 'such', 'dir.jsonl')));
    expect(err).toMatchObject({ code: 'MLOPS_SERVE_E8008', message: expect.stringContaining('ENOENT') });
  });
});

describe('PredictionTally', () => {
  it('keeps the first rows only, and counts every label or the range of values', () => {
    const tally = new PredictionTally(2);
    tally.add([{ label: 'x' }, { label: 'y' }, { label: 'x' }]);
    tally.add([{ label: 'x' }]);
    expect(tally.kept).toEqual([{ label: 'x' }, { label: 'y' }]);
    expect(tally.total).toBe(4);
    expect([...tally.classes]).toEqual([
      ['x', 3],
      ['y', 1],
    ]);
    const values = new PredictionTally(0);
    values.add([{ label: 3 }, { label: -1 }, { label: 4 }]);
    expect(values.values).toEqual({ count: 3, sum: 6, min: -1, max: 4 });
    expect(values.kept).toEqual([]);
  });
});
