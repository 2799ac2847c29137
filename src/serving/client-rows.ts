import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { MlopsError } from '../kernel/errors.js';
import { parseCsv } from '../ml/csv.js';

/** A row as sent: numbers in feature order, or values keyed by feature name. */
export type ClientRow = readonly unknown[] | Readonly<Record<string, unknown>>;

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
export async function rowsFromFile(path: string, shown = path): Promise<ClientRow[]> {
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
    return table.rows.map((row) =>
      Object.fromEntries(table.header.map((name, i) => [name, parseCell(row.fields[i] ?? '')])),
    );
  }
  if (ext === '.jsonl' || ext === '.ndjson') {
    const rows: ClientRow[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const parsed = rowsFromJson(line, `${file}:${i + 1}`);
      rows.push(...parsed);
    });
    if (rows.length === 0) throw rowsError(`${file} has no rows.`, 'Write one JSON row per line.');
    return rows;
  }
  if (ext === '.json') return rowsFromJson(text, file);
  throw rowsError(
    `${file}: unknown file type "${ext || '(none)'}".`,
    'Use a .csv (with a header), .jsonl or .json file.',
  );
}
