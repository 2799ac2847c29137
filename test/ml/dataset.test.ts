import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, parseDataset } from '../../src/ml/dataset.js';
import { errorOf, rejectionOf } from '../support/error-code.js';

const classification = { task: 'classification' as const, source: 'd.csv' };

describe('parseDataset', () => {
  it('takes the last column as the label and sorts the classes', () => {
    const ds = parseDataset('x,y,kind\n1,2,b\n3,4,a\n5,6,b\n7,8,a\n', classification);
    expect(ds.features).toEqual(['x', 'y']);
    expect(ds.label).toBe('kind');
    expect(ds.classes).toEqual(['a', 'b']);
    expect([...ds.x]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...ds.y]).toEqual([1, 0, 1, 0]);
    expect(ds.rows).toBe(4);
    expect(ds.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('uses a named label column anywhere in the header', () => {
    const ds = parseDataset('kind,x,y\na,1,2\nb,3,4\na,5,6\nb,7,8\n', { ...classification, label: 'kind' });
    expect(ds.features).toEqual(['x', 'y']);
    expect([...ds.x.subarray(0, 2)]).toEqual([1, 2]);
  });

  it('sorts numeric class names as numbers', () => {
    const rows = ['10', '2', '10', '2', '1', '1'].map((c, i) => `${i},${c}`).join('\n');
    expect(parseDataset(`x,c\n${rows}\n`, classification).classes).toEqual(['1', '2', '10']);
  });

  it('reads numeric regression targets', () => {
    const ds = parseDataset('x,t\n1,2.5\n2,-3e2\n', { task: 'regression' });
    expect([...ds.y]).toEqual([2.5, -300]);
    expect(ds.classes).toBeUndefined();
  });

  it('says the label column is missing and lists the columns there are (E3003)', () => {
    const err = errorOf(() => parseDataset('a,b\n1,x\n2,y\n', { ...classification, label: 'species' }));
    expect(err.code).toBe('MLOPS_DATA_E3003');
    expect(err.message).toBe('d.csv has no label column "species"; its columns are: a, b');
    expect(err.hint).toContain('--label');
    const typo = errorOf(() => parseDataset('petal,Species\n1,x\n', { ...classification, label: 'species' }));
    expect(typo.message).toBe(
      'd.csv has no label column "species" (did you mean "Species"?); its columns are: petal, Species',
    );
  });

  it('rejects a non-numeric feature with column, line and value (E3004)', () => {
    const err = errorOf(() => parseDataset('a,b,c\n1,2,x\n1,oops,y\n', classification));
    expect(err.code).toBe('MLOPS_DATA_E3004');
    expect(err.message).toBe('row 2 (line 3) of d.csv: the feature "b" is "oops", not a number');
  });

  it.each([
    ['', 'empty (a missing value)'],
    ['NaN', '"NaN" (a missing value)'],
    ['Infinity', '"Infinity", not a number'],
    ['0x10', '"0x10", not a number'],
  ])('rejects the feature cell %j (E3004)', (cell, said) => {
    const err = errorOf(() => parseDataset(`a,b\n1,x\n${cell},y\n`, classification));
    expect(err.code).toBe('MLOPS_DATA_E3004');
    expect(err.message).toBe(`row 2 (line 3) of d.csv: the feature "a" is ${said}`);
  });

  it('reports ragged rows from the CSV layer with their line (E3005)', () => {
    const err = errorOf(() => parseDataset('a,b\n1,x\n2\n', classification));
    expect(err.code).toBe('MLOPS_DATA_E3005');
    expect(err.message).toMatch(/^row 2 \(line 3\) of d\.csv:/);
  });

  it('rejects an empty file and a header without rows (E3002)', () => {
    expect(errorOf(() => parseDataset('', classification)).code).toBe('MLOPS_DATA_E3002');
    expect(errorOf(() => parseDataset('a,b\n', classification)).code).toBe('MLOPS_DATA_E3002');
  });

  it('rejects non-numeric regression labels with their line (E3006)', () => {
    const err = errorOf(() => parseDataset('x,t\n1,2\n2,abc\n', { task: 'regression', source: 'r.csv' }));
    expect(err.code).toBe('MLOPS_DATA_E3006');
    expect(err.message).toContain('row 2 (line 3) of r.csv:');
  });

  it('needs two classes and two rows per class (E3006)', () => {
    expect(errorOf(() => parseDataset('x,c\n1,a\n2,a\n', classification)).code).toBe('MLOPS_DATA_E3006');
    const err = errorOf(() => parseDataset('x,c\n1,a\n2,a\n3,b\n', classification));
    expect(err.code).toBe('MLOPS_DATA_E3006');
    expect(err.message).toContain('"b"');
  });

  it('suggests regression when the label looks continuous', () => {
    const err = errorOf(() => parseDataset('x,c\n1,0.1\n2,0.2\n3,0.3\n4,0.3\n', classification));
    expect(err.hint).toContain('regression');
  });

  it('rejects empty labels, duplicate columns and a label-only header (E3006)', () => {
    expect(errorOf(() => parseDataset('x,c\n1,a\n2,\n', classification)).message).toContain(
      'row 2 (line 3) of d.csv:',
    );
    expect(errorOf(() => parseDataset('x,x,c\n1,2,a\n', classification)).code).toBe('MLOPS_DATA_E3006');
    expect(errorOf(() => parseDataset('c\na\nb\n', classification)).code).toBe('MLOPS_DATA_E3006');
  });
});

describe('loadDataset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-ds-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a CSV relative to cwd and hashes its bytes', async () => {
    const text = 'a,b\n1,x\n2,y\n3,x\n4,y\n';
    await writeFile(path.join(dir, 'd.csv'), text);
    const ds = await loadDataset('d.csv', { task: 'classification', cwd: dir });
    expect(ds.source).toBe('d.csv');
    expect(ds.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(ds.rows).toBe(4);
  });

  it('streams a file larger than one chunk: same rows, classes and hash as in memory', async () => {
    // ~3 MB: several 1 MiB chunks, so records straddle chunk boundaries.
    const lines = ['a,b,label'];
    for (let i = 0; i < 100_000; i += 1)
      lines.push(`${i},${(i * 0.37).toFixed(3)},${['x', 'y', 'z'][i % 3]}`);
    const text = `${lines.join('\n')}\n`;
    await writeFile(path.join(dir, 'big.csv'), text);
    const streamed = await loadDataset('big.csv', { task: 'classification', cwd: dir });
    const inMemory = parseDataset(text, { task: 'classification', source: 'big.csv' });
    expect(streamed.rows).toBe(100_000);
    expect(streamed.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(streamed.sha256).toBe(inMemory.sha256);
    expect(streamed.classes).toEqual(['x', 'y', 'z']);
    // Byte comparisons: toEqual walks 200,000 elements slowly.
    expect(Buffer.from(streamed.x.buffer).equals(Buffer.from(inMemory.x.buffer))).toBe(true);
    expect(Buffer.from(streamed.y.buffer).equals(Buffer.from(inMemory.y.buffer))).toBe(true);
    expect([...streamed.x.subarray(2 * 99_999)]).toEqual([99_999, 36999.63]);
    expect(streamed.y[99_999]).toBe(0);
  });

  it('reports a row error of a streamed file with its row and line', async () => {
    await writeFile(path.join(dir, 'bad.csv'), `a,label\n${'1,x\n2,y\n'.repeat(40_000)}3,z,extra\n`);
    const err = await rejectionOf(loadDataset('bad.csv', { task: 'classification', cwd: dir }));
    expect(err.code).toBe('MLOPS_DATA_E3005');
    expect(err.message).toMatch(/^row 80,001 \(line 80,002\) of bad\.csv: the row has 3 fields/);
  });

  it('reports a missing file with E3001 and where it looked', async () => {
    const err = await rejectionOf(loadDataset('nope.csv', { task: 'classification', cwd: dir }));
    expect(err.code).toBe('MLOPS_DATA_E3001');
    expect(err.message).toContain(path.join(dir, 'nope.csv'));
    expect(err.hint).toContain(dir);
    expect((await rejectionOf(loadDataset(dir, { task: 'classification', cwd: dir }))).message).toContain(
      'it is a directory',
    );
  });

  it('refuses s3:// without a reader, with a hint (E3007)', async () => {
    const err = await rejectionOf(loadDataset('s3://bucket/data.csv', { task: 'classification', cwd: dir }));
    expect(err.code).toBe('MLOPS_DATA_E3007');
    expect(err.hint).toMatch(/s3/i);
    expect(
      (await rejectionOf(loadDataset('https://x/y.csv', { task: 'classification', cwd: dir }))).code,
    ).toBe('MLOPS_DATA_E3007');
  });

  it('reads s3:// through an injected reader and hashes its bytes', async () => {
    const bytes = new TextEncoder().encode('a,b\n1,x\n2,y\n3,x\n4,y\n');
    const seen: string[] = [];
    const ds = await loadDataset('s3://bucket/d.csv', {
      task: 'classification',
      cwd: dir,
      readUri: async (uri) => {
        seen.push(uri);
        return bytes;
      },
    });
    expect(seen).toEqual(['s3://bucket/d.csv']);
    expect(ds.rows).toBe(4);
    expect(ds.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('generates a deterministic synthetic dataset', async () => {
    const a = await loadDataset('synthetic', { task: 'classification', cwd: dir });
    const b = await loadDataset('synthetic', { task: 'classification', cwd: dir });
    const c = await loadDataset('synthetic', { task: 'classification', cwd: dir, seed: 7 });
    expect(a.rows).toBe(300);
    expect(a.features).toHaveLength(4);
    expect(a.classes).toEqual(['class_a', 'class_b', 'class_c']);
    expect(a.sha256).toBe(b.sha256);
    expect(a.x).toEqual(b.x);
    expect(a.x).toHaveLength(300 * 4);
    expect(c.sha256).not.toBe(a.sha256);
    const r = await loadDataset('synthetic', { task: 'regression', cwd: dir });
    expect(r.label).toBe('target');
    expect(r.rows).toBe(300);
  });
});
