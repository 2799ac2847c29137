import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { MlopsError } from '../kernel/errors.js';
import { parseCsv, type CsvRow } from '../ml/csv.js';

/** A row as sent: numbers in feature order, or values keyed by feature name. */
export type ClientRow = readonly unknown[] | Readonly<Record<string, unknown>>;

/**
 * Rows to predict, read whole but turned into request rows one batch at a time (`slice`), so that a
 * large file is never held in two forms at once.
 */
export interface RowSet {
  readonly count: number;
  /** The names rows are keyed by: a CSV's header, or the keys of a first row that is an object. */
  readonly columns: readonly string[] | undefined;
  /** Rows [start, end) as they are sent. */
  slice(start: number, end: number): ClientRow[];
  /**
   * The same rows with only `features` (the model's). A CSV lacking one of them is an error naming it
   * and the columns the file has (MLOPS_SERVE_E8007); its rows are then sent as arrays in feature
   * order. An object row lacking one is left to the server, which names the row and the feature.
   */
  select(features: readonly string[]): RowSet;
}

const rowsError = (message: string, hint: string, cause?: unknown): MlopsError =>
  new MlopsError(message, { code: 'MLOPS_SERVE_E8005', hint, source: 'usage', cause });

const isRow = (value: unknown): value is ClientRow => typeof value === 'object' && value !== null;

/**
 * `--data`: one row (`[5.1, 3.5, 1.4, 0.2]` or `{"feature": 5.1, …}`), a list of rows, or a request
 * body `{"instances": [...]}`.
 */
export function rowsFromJson(text: string, where = '--data'): ClientRow[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw rowsError(
      `${where} is not JSON: ${(error as Error).message}`,
      `Quote it for the shell, e.g. --data '[5.1, 3.5, 1.4, 0.2]' or --data '{"feature": 1.0}'.`,
      error,
    );
  }
  if (isRow(value) && !Array.isArray(value)) {
    const instances = (value as Record<string, unknown>).instances;
    if (Array.isArray(instances)) value = instances;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) throw rowsError(`${where} has no rows.`, 'Give at least one row.');
    if (value.every(isRow)) return value;
    if (value.every((v) => !isRow(v))) return [value];
    throw rowsError(
      `${where} mixes rows and single values.`,
      'Give one row ([1, 2, 3]) or a list of rows ([[1, 2, 3], [4, 5, 6]]).',
    );
  }
  if (isRow(value)) return [value];
  throw rowsError(
    `${where} is ${JSON.stringify(value)}, not a row.`,
    'Give a row such as [5.1, 3.5, 1.4, 0.2].',
  );
}

/** Rows given as a list (`--data`, JSON and JSON Lines files). */
export function listRows(rows: readonly ClientRow[], features?: readonly string[]): RowSet {
  const first = rows[0];
  return {
    count: rows.length,
    columns: first === undefined || Array.isArray(first) ? undefined : Object.keys(first),
    slice(start, end) {
      const batch = rows.slice(start, end);
      return features === undefined ? batch : batch.map((row) => pick(row, features));
    },
    select: (wanted) => listRows(rows, wanted),
  };
}

/** An object row reduced to `features`; one without some of them stays so, for the server to name. */
function pick(row: ClientRow, features: readonly string[]): ClientRow {
  if (Array.isArray(row)) return row;
  const record = row as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const name of features) if (Object.hasOwn(record, name)) out[name] = record[name];
  return out;
}

/** A CSV's records: objects keyed by the header, or arrays of the `picked` columns once selected. */
function csvRows(
  file: string,
  header: readonly string[],
  records: readonly CsvRow[],
  picked?: number[],
): RowSet {
  return {
    count: records.length,
    columns: header,
    slice(start, end) {
      const out = new Array<ClientRow>(Math.max(0, Math.min(end, records.length) - start));
      for (let r = 0; r < out.length; r += 1) {
        const fields = (records[start + r] as CsvRow).fields;
        out[r] =
          picked === undefined
            ? Object.fromEntries(header.map((name, i) => [name, parseCell(fields[i] ?? '')]))
            : picked.map((i) => parseCell(fields[i] ?? ''));
      }
      return out;
    },
    select(features) {
      const missing = features.filter((f) => !header.includes(f));
      if (missing.length > 0) {
        const s = missing.length > 1 ? 's' : '';
        throw new MlopsError(
          `${file} lacks the column${s} ${quotedList(missing)} the model needs; its columns are ${quotedList(header)}.`,
          {
            code: 'MLOPS_SERVE_E8007',
            hint: `Add the missing column${s} to the file (the model's features: ${quotedList(features)}), or correct a misspelt header name.`,
            source: 'usage',
          },
        );
      }
      return csvRows(
        file,
        header,
        records,
        features.map((f) => header.indexOf(f)),
      );
    },
  };
}

/** Names as `"a", "b"`, the first 30 of a wide file and how many there are. */
const quotedList = (names: readonly string[]): string =>
  names
    .slice(0, 30)
    .map((n) => `"${n}"`)
    .join(', ') + (names.length > 30 ? ` … (${names.length} in all)` : '');

const parseCell = (text: string): unknown => {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isNaN(n) ? text : n;
};

/**
 * `--file`: CSV with a header (rows keyed by column), JSON Lines (one row per line), or JSON. `file` is
 * the path to read, `shown` the path as the user wrote it (for messages).
 */
export async function rowsFromFile(path: string, shown = path): Promise<RowSet> {
  const file = shown;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw rowsError(
      `Cannot read ${file}: ${(error as Error).message}`,
      'Check the path given to --file.',
      error,
    );
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') {
    const table = parseCsv(text, { source: file });
    if (table.rows.length === 0)
      throw rowsError(`${file} has a header but no rows.`, 'Add rows under the header.');
    return csvRows(file, table.header, table.rows);
  }
  if (ext === '.jsonl' || ext === '.ndjson') {
    const rows: ClientRow[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      // One line may hold a long list of rows: appended one by one, never spread into arguments.
      for (const row of rowsFromJson(line, `${file}:${i + 1}`)) rows.push(row);
    });
    if (rows.length === 0) throw rowsError(`${file} has no rows.`, 'Write one JSON row per line.');
    return listRows(rows);
  }
  if (ext === '.json') return listRows(rowsFromJson(text, file));
  throw rowsError(
    `${file}: unknown file type "${ext || '(none)'}".`,
    'Use a .csv (with a header), .jsonl or .json file.',
  );
}
