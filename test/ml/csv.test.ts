import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/kernel/errors.js';
import { CsvReader, parseCsv, type CsvTable } from '../../src/ml/csv.js';

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

  it('rejects a ragged row with its row, line and the field counts (E3005)', () => {
    const text = 'a,b,c\n1,2,3\n\n4,5\n';
    expect(codeOf(() => parseCsv(text, { source: 'data.csv' }))).toBe('MLOPS_DATA_E3005');
    expect(() => parseCsv(text, { source: 'data.csv' })).toThrow(
      'row 2 (line 4) of data.csv: the row has 2 fields, the header has 3',
    );
  });

  it('counts lines inside quoted fields for later errors', () => {
    expect(() => parseCsv('a,b\n"x\ny",1\n1,2,3\n', { source: 'f.csv' })).toThrow(
      /^row 2 \(line 4\) of f\.csv:/,
    );
  });

  it('writes large row and line numbers with thousands separators', () => {
    const text = `a,b\n${'1,2\n'.repeat(1233)}1,2,3\n`;
    expect(() => parseCsv(text, { source: 'data.csv' })).toThrow(/^row 1,234 \(line 1,235\) of data\.csv: /);
  });

  it('rejects an unterminated quote with the line it opened on', () => {
    expect(codeOf(() => parseCsv('a,b\n1,"oops\n2,3\n'))).toBe('MLOPS_DATA_E3001');
    expect(() => parseCsv('a,b\n1,"oops\n2,3\n', { source: 'f.csv' })).toThrow(
      'row 1 (line 2) of f.csv: a quoted field is never closed',
    );
    expect(() => parseCsv('"a,b\n1,2\n', { source: 'f.csv' })).toThrow(
      'line 1 of f.csv: a quoted field is never closed',
    );
  });

  it('rejects text after a closing quote', () => {
    expect(() => parseCsv('a,b\n"1"x,2\n', { source: 'f.csv' })).toThrow(
      'row 1 (line 2) of f.csv: unexpected text after a closing quote',
    );
  });
});

describe('CsvReader', () => {
  /** Reads `text` pushed in pieces of `size` characters. */
  function readInPieces(text: string, size: number): CsvTable {
    const table: CsvTable = { header: [], rows: [] };
    const reader = new CsvReader('f.csv', {
      header: (fields) => table.header.push(...fields),
      row: (fields, row, line) => {
        expect(row).toBe(table.rows.length + 1);
        table.rows.push({ line, fields });
      },
    });
    for (let at = 0; at < text.length; at += size) reader.push(text.slice(at, at + size));
    reader.end();
    return table;
  }

  it('reads the same records whatever the chunk boundaries', () => {
    // Every kind of token straddles a boundary at some chunk size: BOM, CRLF, "" escapes, quoted
    // newlines, blank lines, a lone CR and a last line without its newline.
    const text = '\uFEFFid,"na,me",note\r\n1,"a ""b""",x\r\n\r\n2,"multi\r\nline", y \r3,"",z\n\n4,q,"end"';
    const whole = parseCsv(text, { source: 'f.csv' });
    expect(whole.header).toEqual(['id', 'na,me', 'note']);
    expect(whole.rows).toEqual([
      { line: 2, fields: ['1', 'a "b"', 'x'] },
      { line: 4, fields: ['2', 'multi\r\nline', 'y'] },
      { line: 6, fields: ['3', '', 'z'] },
      { line: 8, fields: ['4', 'q', 'end'] },
    ]);
    for (let size = 1; size <= text.length; size += 1) expect(readInPieces(text, size)).toEqual(whole);
  });

  it('reports errors with the same row and line when streamed', () => {
    expect(() => readInPieces('a,b\n1,2\n\n"x\ny",1\n3,4,5\n', 3)).toThrow(
      'row 3 (line 6) of f.csv: the row has 3 fields, the header has 2',
    );
    expect(() => readInPieces('a,b\n1,"never\nclosed\n', 2)).toThrow(
      'row 1 (line 2) of f.csv: a quoted field is never closed',
    );
  });
});
