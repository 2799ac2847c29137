import { MlopsError } from '../kernel/errors.js';

export interface CsvRow {
  /** 1-based line of the file where the record starts (a quoted field may span lines). */
  readonly line: number;
  readonly fields: string[];
}

export interface CsvTable {
  readonly header: string[];
  readonly rows: CsvRow[];
}

export interface ParseCsvOptions {
  /** Where the text came from, for messages (a path, or "synthetic"). */
  readonly source?: string;
}

/**
 * Parses RFC 4180 CSV: quoted fields with "" escapes and embedded separators or newlines, LF or CRLF
 * line ends, a leading BOM, a trailing newline. Blank lines are skipped rather than read as rows of
 * one empty field, because editors and exports leave them around. Unquoted fields are trimmed so that
 * "1, 2" reads as two numbers; quoted fields are kept verbatim.
 */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvTable {
  const source = options.source ?? 'the CSV';
  const records = readRecords(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, source);
  const first = records[0];
  if (first === undefined) {
    throw new MlopsError(`${source} is empty: no header row`, {
      code: 'MLOPS_DATA_E3002',
      hint: 'give a CSV whose first line names the columns, followed by one line per example',
      source: 'operation',
    });
  }
  const header = first.fields;
  const rows = records.slice(1);
  for (const row of rows) {
    if (row.fields.length !== header.length) {
      throw new MlopsError(
        `${source}:${row.line}: the row has ${row.fields.length} field${row.fields.length === 1 ? '' : 's'}, the header has ${header.length}`,
        {
          code: 'MLOPS_DATA_E3005',
          hint: 'make every row have one value per header column; quote values that contain a comma',
          source: 'operation',
        },
      );
    }
  }
  return { header, rows };
}

interface RawField {
  readonly value: string;
  readonly quoted: boolean;
}

function readRecords(text: string, source: string): CsvRow[] {
  const records: CsvRow[] = [];
  const length = text.length;
  let pos = 0;
  let line = 1;
  while (pos < length) {
    const startLine = line;
    const fields: RawField[] = [];
    // One iteration per field until the record's line end.
    for (;;) {
      if (text[pos] === '"') {
        const quoteLine = line;
        let value = '';
        pos += 1;
        for (;;) {
          const close = text.indexOf('"', pos);
          if (close === -1) {
            throw new MlopsError(`${source}:${quoteLine}: a quoted field is never closed`, {
              code: 'MLOPS_DATA_E3001',
              hint: 'close the field with a double quote; write a literal quote inside a quoted field as ""',
              source: 'operation',
            });
          }
          const chunk = text.slice(pos, close);
          line += countNewlines(chunk);
          value += chunk;
          if (text[close + 1] === '"') {
            value += '"';
            pos = close + 2;
          } else {
            pos = close + 1;
            break;
          }
        }
        // Tolerate spaces between the closing quote and the separator; anything else is malformed.
        while (text[pos] === ' ' || text[pos] === '\t') pos += 1;
        const next = text[pos];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new MlopsError(`${source}:${line}: unexpected text after a closing quote`, {
            code: 'MLOPS_DATA_E3001',
            hint: 'quote the whole field, and write a literal quote inside it as ""',
            source: 'operation',
          });
        }
        fields.push({ value, quoted: true });
      } else {
        let end = pos;
        while (end < length) {
          const c = text.charCodeAt(end);
          if (c === 44 /* , */ || c === 10 /* \n */ || c === 13 /* \r */) break;
          end += 1;
        }
        fields.push({ value: text.slice(pos, end).trim(), quoted: false });
        pos = end;
      }
      if (text[pos] === ',') {
        pos += 1;
        continue;
      }
      break;
    }
    // Record end: CRLF, LF, a lone CR (old Mac exports) or the end of the text.
    if (text[pos] === '\r') pos += 1;
    if (text[pos] === '\n') pos += 1;
    line += 1;
    const only = fields[0];
    const blank = fields.length === 1 && only !== undefined && !only.quoted && only.value === '';
    if (!blank) records.push({ line: startLine, fields: fields.map((f) => f.value) });
  }
  return records;
}

function countNewlines(chunk: string): number {
  let n = 0;
  for (let i = 0; i < chunk.length; i += 1) {
    const c = chunk.charCodeAt(i);
    // CRLF counts once: count LF, and CR only when no LF follows.
    if (c === 10 || (c === 13 && chunk.charCodeAt(i + 1) !== 10)) n += 1;
  }
  return n;
}
