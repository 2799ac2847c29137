import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/kernel/errors.js';
import { parseCsv } from '../../src/ml/csv.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (MlopsError.is(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('parseCsv', () => {
  it('reads a header and rows with their line numbers', () => {
    const table = parseCsv('a,b\n1,2\n3,4\n');
    expect(table.header).toEqual(['a', 'b']);
    expect(table.rows).toEqual([
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
    ]);
  });

  it('handles CRLF, a BOM, no trailing newline and skips blank lines', () => {
    const table = parseCsv('\uFEFFa,b\r\n1,2\r\n\r\n   \r\n3,4');
    expect(table.header).toEqual(['a', 'b']);
    expect(table.rows).toEqual([
      { line: 2, fields: ['1', '2'] },
      { line: 5, fields: ['3', '4'] },
    ]);
  });

  it('reads quoted fields with separators, escaped quotes and newlines', () => {
    const table = parseCsv('name,note\n"Smith, J.","said ""hi""\nand left"\nx,""\n');
    expect(table.rows).toEqual([
      { line: 2, fields: ['Smith, J.', 'said "hi"\nand left'] },
      { line: 4, fields: ['x', ''] },
    ]);
  });

  it('trims unquoted fields but keeps quoted ones verbatim', () => {
    expect(parseCsv('a , b\n 1 ," 2 "\n').rows[0]?.fields).toEqual(['1', ' 2 ']);
    expect(parseCsv('a , b\n 1 ," 2 "\n').header).toEqual(['a', 'b']);
  });

  it('keeps a trailing empty field', () => {
    expect(parseCsv('a,b,c\n1,2,\n').rows[0]?.fields).toEqual(['1', '2', '']);
  });

  it('rejects an empty file with E3002', () => {
    expect(codeOf(() => parseCsv(''))).toBe('MLOPS_DATA_E3002');
    expect(codeOf(() => parseCsv('\uFEFF\n\n  \n'))).toBe('MLOPS_DATA_E3002');
  });

  it('rejects a ragged row with its line and the field counts (E3005)', () => {
    const text = 'a,b,c\n1,2,3\n\n4,5\n';
    expect(codeOf(() => parseCsv(text, { source: 'data.csv' }))).toBe('MLOPS_DATA_E3005');
    expect(() => parseCsv(text, { source: 'data.csv' })).toThrow(
      'data.csv:4: the row has 2 fields, the header has 3',
    );
  });

  it('counts lines inside quoted fields for later errors', () => {
    expect(() => parseCsv('a,b\n"x\ny",1\n1,2,3\n', { source: 'f.csv' })).toThrow(/^f\.csv:4:/);
  });

  it('rejects an unterminated quote with the line it opened on', () => {
    expect(codeOf(() => parseCsv('a,b\n1,"oops\n2,3\n'))).toBe('MLOPS_DATA_E3001');
    expect(() => parseCsv('a,b\n1,"oops\n2,3\n', { source: 'f.csv' })).toThrow(
      'f.csv:2: a quoted field is never closed',
    );
  });

  it('rejects text after a closing quote', () => {
    expect(() => parseCsv('a,b\n"1"x,2\n', { source: 'f.csv' })).toThrow(
      'f.csv:2: unexpected text after a closing quote',
    );
  });
});
