import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlopsError } from '../kernel/errors.js';
import { parseCsv } from './csv.js';
import type { Task } from './metrics.js';
import { syntheticCsv } from './synthetic.js';

export interface Dataset {
  /** As given: a path, a URI or "synthetic". */
  readonly source: string;
  /** Of the file's bytes (of the canonical CSV text for synthetic data): the lineage the registry records. */
  readonly sha256: string;
  readonly features: string[];
  readonly label: string;
  readonly task: Task;
  /** One row of feature values per example, in `features` order. */
  readonly x: number[][];
  /** Classification: index into `classes`; regression: the target value. */
  readonly y: number[];
  /** Classification only: the class names, sorted. */
  readonly classes?: string[];
  readonly rows: number;
}

export interface LoadDatasetOptions {
  /** Label column; default: the last column. */
  readonly label?: string;
  readonly task: Task;
  /** Relative paths resolve against this directory (the config file's). */
  readonly cwd: string;
  /** Seed of the synthetic generator. */
  readonly seed?: number;
  /**
   * Reads a remote data URI (s3://) into bytes. Injected by the caller, so that this module never
   * imports a cloud SDK; without it, remote sources are refused.
   */
  readonly readUri?: (uri: string) => Promise<Uint8Array>;
}

export interface ParseDatasetOptions {
  readonly label?: string;
  readonly task: Task;
  /** Named in messages and kept as Dataset.source. */
  readonly source?: string;
  /** Of the original bytes when the caller has them; default: of `text`. */
  readonly sha256?: string;
}

/** Loads a CSV path (or file:// URI) or the built-in `synthetic` dataset. */
export async function loadDataset(source: string, options: LoadDatasetOptions): Promise<Dataset> {
  if (source === 'synthetic') {
    const text = syntheticCsv(options.task, options.seed ?? 42);
    return parseDataset(text, { label: options.label, task: options.task, source });
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(source)?.[1]?.toLowerCase();
  if (scheme === 's3' && options.readUri) {
    const bytes = await options.readUri(source);
    return parseDataset(new TextDecoder('utf-8').decode(bytes), {
      label: options.label,
      task: options.task,
      source,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  if (scheme === 's3') {
    throw new MlopsError(`reading training data from ${source} needs an S3 reader, and none was given`, {
      code: 'MLOPS_DATA_E3007',
      hint: 'library callers pass readUri (trainLocal: readData); or copy the file locally (aws s3 cp) and pass its path',
      source: 'operation',
    });
  }
  if (scheme !== undefined && scheme !== 'file') {
    throw new MlopsError(`the data source ${source} is not supported`, {
      code: 'MLOPS_DATA_E3007',
      hint: 'give a CSV path, a file:// or s3:// URI, or "synthetic"',
      source: 'operation',
    });
  }
  const file = scheme === 'file' ? fileURLToPath(source) : path.resolve(options.cwd, source);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String((error as Error).message);
    throw new MlopsError(`cannot read the dataset ${file}: ${reason}`, {
      code: 'MLOPS_DATA_E3001',
      hint: `check the path (relative paths resolve against ${options.cwd}) and that the file is readable`,
      source: 'operation',
      cause: error,
    });
  }
  return parseDataset(new TextDecoder('utf-8').decode(bytes), {
    label: options.label,
    task: options.task,
    source,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  });
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a number strictly: no empty cells, hex, "Infinity" or trailing text, which Number() lets through. */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** The pure half of loadDataset: CSV text in, validated numeric dataset out. */
export function parseDataset(text: string, options: ParseDatasetOptions): Dataset {
  const source = options.source ?? 'the dataset';
  const { header, rows } = parseCsv(text, { source });
  checkHeader(header, source);
  const label = options.label ?? (header[header.length - 1] as string);
  const labelAt = header.indexOf(label);
  if (labelAt === -1) {
    throw new MlopsError(`${source}: the label column "${label}" is not in the header`, {
      code: 'MLOPS_DATA_E3003',
      hint: `choose one of the columns: ${header.join(', ')} (--label COLUMN or data.label)`,
      source: 'operation',
    });
  }
  const features = header.filter((_, i) => i !== labelAt);
  if (features.length === 0) {
    throw new MlopsError(`${source}: there is no feature column besides the label "${label}"`, {
      code: 'MLOPS_DATA_E3006',
      hint: 'add at least one numeric feature column',
      source: 'operation',
    });
  }
  if (rows.length === 0) {
    throw new MlopsError(`${source} has a header but no rows`, {
      code: 'MLOPS_DATA_E3002',
      hint: 'add one line per example below the header',
      source: 'operation',
    });
  }

  const x: number[][] = [];
  const rawLabels: string[] = [];
  for (const { line, fields } of rows) {
    const values: number[] = [];
    fields.forEach((cell, i) => {
      if (i === labelAt) return;
      const value = parseNumber(cell);
      if (value === undefined) throw notNumeric(source, line, header[i] as string, cell);
      values.push(value);
    });
    x.push(values);
    rawLabels.push(fields[labelAt] as string);
  }

  const base = {
    source: options.source ?? 'inline',
    sha256: options.sha256 ?? createHash('sha256').update(text).digest('hex'),
    features,
    label,
    x,
    rows: x.length,
  };
  if (options.task === 'regression') {
    const y = rawLabels.map((cell, r) => {
      const value = parseNumber(cell);
      if (value === undefined) {
        throw new MlopsError(
          `${source}:${rows[r]?.line}: the label "${label}" is ${cell === '' ? 'empty' : `"${cell}"`}; regression needs numeric labels`,
          {
            code: 'MLOPS_DATA_E3006',
            hint: 'fix the value, or train a classifier (--param task=classification) for class labels',
            source: 'operation',
          },
        );
      }
      return value;
    });
    if (y.length < 2) {
      throw new MlopsError(`${source} has ${y.length} row; regression needs at least 2`, {
        code: 'MLOPS_DATA_E3006',
        hint: 'add rows: some are held out for validation',
        source: 'operation',
      });
    }
    return { ...base, task: 'regression', y };
  }

  rawLabels.forEach((cell, r) => {
    if (cell === '') {
      throw new MlopsError(`${source}:${rows[r]?.line}: the label "${label}" is empty`, {
        code: 'MLOPS_DATA_E3006',
        hint: 'fill in the class of every row, or drop unlabelled rows',
        source: 'operation',
      });
    }
  });
  const classes = sortClasses([...new Set(rawLabels)]);
  if (classes.length < 2) {
    throw new MlopsError(
      `${source}: the label "${label}" has ${classes.length} class; classification needs at least 2`,
      {
        code: 'MLOPS_DATA_E3006',
        hint: 'check --label names the class column, and that the data has examples of each class',
        source: 'operation',
      },
    );
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  const y = rawLabels.map((c) => index.get(c) as number);
  const counts = new Array<number>(classes.length).fill(0);
  for (const c of y) counts[c] = (counts[c] ?? 0) + 1;
  const rare = classes.filter((_, i) => (counts[i] ?? 0) < 2);
  if (rare.length > 0) {
    const shown = rare.slice(0, 5).map((c) => `"${c}"`);
    const more = rare.length > shown.length ? ` and ${rare.length - shown.length} more` : '';
    throw new MlopsError(
      `${source}: ${rare.length === 1 ? 'class' : 'classes'} ${shown.join(', ')}${more} of "${label}" ${rare.length === 1 ? 'has' : 'have'} a single row; each class needs at least 2`,
      {
        code: 'MLOPS_DATA_E3006',
        hint:
          rare.length > classes.length / 2
            ? 'the label looks continuous: train a regression (--param task=regression), or pick another --label'
            : 'add examples of those classes or drop their rows (one is held out for validation)',
        source: 'operation',
      },
    );
  }
  return { ...base, task: 'classification', y, classes };
}

function checkHeader(header: readonly string[], source: string): void {
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === '') {
      throw new MlopsError(`${source}:1: column ${i + 1} of the header has no name`, {
        code: 'MLOPS_DATA_E3006',
        hint: 'name every column in the first line',
        source: 'operation',
      });
    }
    if (seen.has(name)) {
      throw new MlopsError(`${source}:1: the column "${name}" appears twice in the header`, {
        code: 'MLOPS_DATA_E3006',
        hint: 'give every column a unique name',
        source: 'operation',
      });
    }
    seen.add(name);
  });
}

function notNumeric(source: string, line: number, column: string, cell: string): MlopsError {
  const empty = cell === '' || /^nan$/i.test(cell);
  return new MlopsError(
    `${source}:${line}: the feature "${column}" is ${empty ? `${cell === '' ? 'empty' : `"${cell}"`} (a missing value)` : `"${cell}", not a number`}`,
    {
      code: 'MLOPS_DATA_E3004',
      hint: empty
        ? 'fill in missing values (e.g. with the column mean) or drop those rows'
        : 'features must be numbers: encode categories as 0/1 columns, or drop the column',
      source: 'operation',
    },
  );
}

/** Numeric class names sort as numbers ("2" before "10"); others by code unit, independent of locale. */
function sortClasses(names: string[]): string[] {
  if (names.every((n) => parseNumber(n) !== undefined)) {
    return names.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
