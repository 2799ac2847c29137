import { MlopsError } from '../kernel/errors.js';
import { formatCount } from '../kernel/format-count.js';

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

/** Receives the records of a CSV as they are read. */
export interface CsvSink {
  /** The first record. */
  header(fields: string[]): void;
  /** Every later record, already checked to have one field per header column; `row` is 1-based. */
  row(fields: string[], row: number, line: number): void;
}

/**
 * Where a record is, for messages: `row 1,234 (line 1,235) of data.csv`. Rows count the records
 * after the header; lines are the file's, which differ once blank lines or quoted newlines appear.
 */
export function csvPlace(source: string, row: number, line: number): string {
  return row === 0
    ? `line ${formatCount(line)} of ${source}`
    : `row ${formatCount(row)} (line ${formatCount(line)}) of ${source}`;
}

/**
 * A streaming RFC 4180 reader: feed it text in chunks of any size (`push`), then `end`; it hands
 * every complete record to the sink as soon as it is read, so a file never has to be in memory at
 * once. Quoted fields take "" escapes and embedded separators or newlines; LF, CRLF or a lone CR end a
 * record; a leading BOM is dropped. Blank lines are skipped rather than read as rows of one empty
 * field, because editors and exports leave them around. Unquoted fields are trimmed so that "1, 2"
 * reads as two numbers; quoted fields are kept verbatim.
 */
export class CsvReader {
  /** The start of a record that the text so far does not finish. */
  private tail = '';
  private line = 1;
  private rows = 0;
  private width = -1;
  private first = true;

  constructor(
    private readonly source: string,
    private readonly sink: CsvSink,
  ) {}

  push(chunk: string): void {
    let text = this.tail + chunk;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.tail = text.slice(this.scan(text, false));
  }

  /** Reads what is left as the last record and checks the file had a header. */
  end(): void {
    this.scan(this.tail, true);
    this.tail = '';
    if (this.width === -1) {
      throw new MlopsError(`${this.source} is empty: no header row`, {
        code: 'MLOPS_DATA_E3002',
        hint: 'give a CSV whose first line names the columns, followed by one line per example',
        source: 'operation',
      });
    }
  }

  /**
   * Reads the records of `text` and returns where the first incomplete one starts (text.length when
   * none is). Unless `final`, a record that reaches the end of the text is incomplete: more may follow.
   */
  private scan(text: string, final: boolean): number {
    const length = text.length;
    let pos = 0;
    while (pos < length) {
      const start = pos;
      const startLine = this.line;
      const fields: string[] = [];
      let blank = true;
      let complete = true;
      // One iteration per field until the record's line end.
      for (;;) {
        if (text.charCodeAt(pos) === 34 /* " */) {
          blank = false;
          const quoteLine = this.line;
          let value = '';
          pos += 1;
          let closed = false;
          for (;;) {
            const close = text.indexOf('"', pos);
            if (close === -1) break;
            const chunk = text.slice(pos, close);
            this.line += countNewlines(chunk);
            value += chunk;
            if (close + 1 === length && !final) break; // a "" escape may straddle the chunks
            if (text.charCodeAt(close + 1) === 34) {
              value += '"';
              pos = close + 2;
            } else {
              pos = close + 1;
              closed = true;
              break;
            }
          }
          if (!closed) {
            if (!final) {
              complete = false;
              break;
            }
            throw this.malformed(
              quoteLine,
              'a quoted field is never closed',
              'close the field with a double quote; write a literal quote inside a quoted field as ""',
            );
          }
          // Tolerate spaces between the closing quote and the separator; anything else is malformed.
          while (text.charCodeAt(pos) === 32 || text.charCodeAt(pos) === 9) pos += 1;
          const next = text.charCodeAt(pos);
          if (pos < length && next !== 44 && next !== 10 && next !== 13) {
            throw this.malformed(
              this.line,
              'unexpected text after a closing quote',
              'quote the whole field, and write a literal quote inside it as ""',
            );
          }
          fields.push(value);
        } else {
          let end = pos;
          while (end < length) {
            const c = text.charCodeAt(end);
            if (c === 44 /* , */ || c === 10 /* \n */ || c === 13 /* \r */) break;
            end += 1;
          }
          const value = text.slice(pos, end).trim();
          if (value !== '') blank = false;
          fields.push(value);
          pos = end;
        }
        if (text.charCodeAt(pos) === 44) {
          blank = false;
          pos += 1;
          continue;
        }
        break;
      }
      // Record end: CRLF, LF, a lone CR (old Mac exports) or the end of the text. A CR that ends the
      // text may be the first half of a CRLF, so it waits for the next chunk too.
      if (complete && !final && (pos >= length || (text.charCodeAt(pos) === 13 && pos + 1 >= length))) {
        complete = false;
      }
      if (!complete) {
        this.line = startLine;
        return start;
      }
      if (text.charCodeAt(pos) === 13) pos += 1;
      if (text.charCodeAt(pos) === 10) pos += 1;
      this.line += 1;
      if (!blank) this.record(fields, startLine);
    }
    return length;
  }

  private record(fields: string[], line: number): void {
    if (this.width === -1) {
      this.width = fields.length;
      this.sink.header(fields);
      return;
    }
    this.rows += 1;
    if (fields.length !== this.width) {
      throw new MlopsError(
        `${csvPlace(this.source, this.rows, line)}: the row has ${fields.length} field${fields.length === 1 ? '' : 's'}, the header has ${this.width}`,
        {
          code: 'MLOPS_DATA_E3005',
          hint: 'make every row have one value per header column; quote values that contain a comma',
          source: 'operation',
        },
      );
    }
    this.sink.row(fields, this.rows, line);
  }

  private malformed(line: number, what: string, hint: string): MlopsError {
    // The record being read is the next row (or the header, before any).
    const row = this.width === -1 ? 0 : this.rows + 1;
    return new MlopsError(`${csvPlace(this.source, row, line)}: ${what}`, {
      code: 'MLOPS_DATA_E3001',
      hint,
      source: 'operation',
    });
  }
}

/** Parses a whole CSV text into its header and rows (small inputs: the rows are kept in memory). */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvTable {
  let header: string[] = [];
  const rows: CsvRow[] = [];
  const reader = new CsvReader(options.source ?? 'the CSV', {
    header: (fields) => (header = fields),
    row: (fields, _row, line) => rows.push({ line, fields }),
  });
  reader.push(text);
  reader.end();
  return { header, rows };
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
