import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { uriScheme } from '../config/paths.js';
import { didYouMean } from '../config/suggest.js';
import { MlopsError } from '../kernel/errors.js';
import { CsvReader, csvPlace, type CsvSink } from './csv.js';
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
  /**
   * Feature values, row-major: row r is x[r * width, (r + 1) * width) with width = features.length.
   * One typed array instead of an array per row: a tenth of the memory for millions of rows, and
   * float64 keeps the values as read (e.g. timestamps) for the scaler; the model sees float32 after.
   */
  readonly x: Float64Array;
  /** Classification: index into `classes`; regression: the target value. */
  readonly y: Float64Array;
  /** Classification only: the class names, sorted. */
  readonly classes?: string[];
  readonly rows: number;
}

export interface LoadDatasetOptions {
  /** Label column; default: the last column. */
  readonly label?: string;
  readonly task: Task;
  /** Relative paths resolve against this directory. */
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

/** Bytes handed to the CSV reader at a time: large enough to amortize the calls, small next to the data. */
const CHUNK_BYTES = 1 << 20;

/**
 * Loads a CSV path (or file:// URI), an s3:// URI (through `readUri`) or the built-in `synthetic`
 * dataset. Files are streamed: parsed and hashed chunk by chunk, never read whole.
 */
export async function loadDataset(source: string, options: LoadDatasetOptions): Promise<Dataset> {
  const read = { label: options.label, task: options.task, source };
  if (source === 'synthetic') return parseDataset(syntheticCsv(options.task, options.seed ?? 42), read);
  const scheme = uriScheme(source);
  if (scheme === 's3' && options.readUri) return readDataset(slices(await options.readUri(source)), read);
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
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw unreadable(source, file, options.cwd, error);
  }
  const stream = handle.createReadStream({ highWaterMark: CHUNK_BYTES });
  try {
    return await readDataset(stream, read);
  } catch (error) {
    // Read errors surface from the stream (EISDIR: a directory opens, then fails to read).
    if (MlopsError.is(error) || typeof (error as NodeJS.ErrnoException).code !== 'string') throw error;
    throw unreadable(source, file, options.cwd, error);
  } finally {
    stream.destroy();
  }
}

function unreadable(source: string, file: string, cwd: string, error: unknown): MlopsError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'it is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : String((error as Error).message);
  return new MlopsError(`cannot read the dataset ${file}: ${reason}`, {
    code: 'MLOPS_DATA_E3001',
    hint:
      source === file
        ? 'check the path and that the file is readable'
        : `check the path (${source} was taken relative to ${cwd}) and that the file is readable`,
    source: 'operation',
    cause: error,
  });
}

/** Zero-copy views of `bytes`, so that in-memory data takes the same chunked path as a file. */
function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
}

/** Parses and hashes CSV bytes as they arrive. */
async function readDataset(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ParseDatasetOptions & { readonly source: string },
): Promise<Dataset> {
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8');
  const builder = new DatasetBuilder(options);
  const reader = new CsvReader(options.source, builder);
  for await (const chunk of chunks) {
    hash.update(chunk);
    reader.push(decoder.decode(chunk, { stream: true }));
  }
  reader.push(decoder.decode());
  reader.end();
  return builder.finish(hash.digest('hex'));
}

/** The in-memory half of loadDataset: CSV text in, validated numeric dataset out. */
export function parseDataset(text: string, options: ParseDatasetOptions): Dataset {
  const builder = new DatasetBuilder(options);
  const reader = new CsvReader(options.source ?? 'the dataset', builder);
  reader.push(text);
  reader.end();
  return builder.finish(options.sha256 ?? createHash('sha256').update(text).digest('hex'));
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a number strictly: no empty cells, hex, "Infinity" or trailing text, which Number() lets through. */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

const BLOCK = 1 << 16;

/**
 * An append-only float64 column of unknown final length, kept in fixed blocks: growing never copies
 * (a doubling array briefly needs three times its size), and one copy at the end makes it contiguous.
 */
class Float64Column {
  private readonly full: Float64Array[] = [];
  private block = new Float64Array(BLOCK);
  private used = 0;

  push(value: number): void {
    if (this.used === BLOCK) {
      this.full.push(this.block);
      this.block = new Float64Array(BLOCK);
      this.used = 0;
    }
    this.block[this.used] = value;
    this.used += 1;
  }

  toArray(): Float64Array {
    const out = new Float64Array(this.full.length * BLOCK + this.used);
    this.full.forEach((block, i) => out.set(block, i * BLOCK));
    out.set(this.block.subarray(0, this.used), this.full.length * BLOCK);
    return out;
  }
}

/** Turns CSV records into a numeric dataset as they are read, checking each cell once. */
class DatasetBuilder implements CsvSink {
  private readonly source: string;
  private header_: string[] = [];
  private labelAt = -1;
  private rows = 0;
  private readonly x = new Float64Column();
  private readonly y = new Float64Column();
  /** Classification: class name → id in order of first appearance, and rows per id. */
  private readonly ids = new Map<string, number>();
  private readonly counts: number[] = [];

  constructor(private readonly options: ParseDatasetOptions) {
    this.source = options.source ?? 'the dataset';
  }

  header(fields: string[]): void {
    checkHeader(fields, this.source);
    const label = this.options.label ?? (fields[fields.length - 1] as string);
    this.labelAt = fields.indexOf(label);
    if (this.labelAt === -1) {
      const guess = didYouMean(label, fields);
      throw new MlopsError(
        `${this.source} has no label column "${label}"${guess === undefined ? '' : ` (${guess})`}; its columns are: ${fields.join(', ')}`,
        {
          code: 'MLOPS_DATA_E3003',
          hint: 'name the label column with --label COLUMN, or data.label in the config',
          source: 'operation',
        },
      );
    }
    if (fields.length === 1) {
      throw new MlopsError(`${this.source}: there is no feature column besides the label "${label}"`, {
        code: 'MLOPS_DATA_E3006',
        hint: 'add at least one numeric feature column',
        source: 'operation',
      });
    }
    this.header_ = fields;
  }

  row(fields: string[], row: number, line: number): void {
    const { labelAt } = this;
    for (let i = 0; i < fields.length; i += 1) {
      if (i === labelAt) continue;
      const cell = fields[i] as string;
      const value = parseNumber(cell);
      if (value === undefined)
        throw notNumeric(csvPlace(this.source, row, line), this.header_[i] as string, cell);
      this.x.push(value);
    }
    const cell = fields[labelAt] as string;
    const label = this.header_[labelAt] as string;
    if (this.options.task === 'regression') {
      const value = parseNumber(cell);
      if (value === undefined) {
        throw new MlopsError(
          `${csvPlace(this.source, row, line)}: the label "${label}" is ${cell === '' ? 'empty' : `"${cell}"`}; regression needs numeric labels`,
          {
            code: 'MLOPS_DATA_E3006',
            hint: 'fix the value, or train a classifier (--param task=classification) for class labels',
            source: 'operation',
          },
        );
      }
      this.y.push(value);
    } else {
      if (cell === '') {
        throw new MlopsError(`${csvPlace(this.source, row, line)}: the label "${label}" is empty`, {
          code: 'MLOPS_DATA_E3006',
          hint: 'fill in the class of every row, or drop unlabelled rows',
          source: 'operation',
        });
      }
      let id = this.ids.get(cell);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(cell, id);
        this.counts.push(0);
      }
      this.counts[id] = (this.counts[id] as number) + 1;
      this.y.push(id);
    }
    this.rows += 1;
  }

  finish(sha256: string): Dataset {
    const { source, rows } = this;
    const label = this.header_[this.labelAt] as string;
    if (rows === 0) {
      throw new MlopsError(`${source} has a header but no rows`, {
        code: 'MLOPS_DATA_E3002',
        hint: 'add one line per example below the header',
        source: 'operation',
      });
    }
    const base = {
      source: this.options.source ?? 'inline',
      sha256,
      features: this.header_.filter((_, i) => i !== this.labelAt),
      label,
      x: this.x.toArray(),
      rows,
    };
    const y = this.y.toArray();
    if (this.options.task === 'regression') {
      if (rows < 2) {
        throw new MlopsError(`${source} has ${rows} row; regression needs at least 2`, {
          code: 'MLOPS_DATA_E3006',
          hint: 'add rows: some are held out for validation',
          source: 'operation',
        });
      }
      return { ...base, task: 'regression', y };
    }
    const names = [...this.ids.keys()];
    const classes = sortClasses([...names]);
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
    const rare = classes.filter((c) => (this.counts[this.ids.get(c) as number] as number) < 2);
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
    // Ids were given in order of appearance; renumber them into the sorted class order.
    const sortedIndex = new Map(classes.map((c, i) => [c, i]));
    const remap = names.map((name) => sortedIndex.get(name) as number);
    for (let r = 0; r < y.length; r += 1) y[r] = remap[y[r] as number] as number;
    return { ...base, task: 'classification', y, classes };
  }
}

function checkHeader(header: readonly string[], source: string): void {
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === '') {
      throw new MlopsError(`${csvPlace(source, 0, 1)}: column ${i + 1} of the header has no name`, {
        code: 'MLOPS_DATA_E3006',
        hint: 'name every column in the first line',
        source: 'operation',
      });
    }
    if (seen.has(name)) {
      throw new MlopsError(`${csvPlace(source, 0, 1)}: the column "${name}" appears twice in the header`, {
        code: 'MLOPS_DATA_E3006',
        hint: 'give every column a unique name',
        source: 'operation',
      });
    }
    seen.add(name);
  });
}

function notNumeric(place: string, column: string, cell: string): MlopsError {
  const empty = cell === '' || /^nan$/i.test(cell);
  return new MlopsError(
    `${place}: the feature "${column}" is ${empty ? `${cell === '' ? 'empty' : `"${cell}"`} (a missing value)` : `"${cell}", not a number`}`,
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
