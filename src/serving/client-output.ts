import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { MlopsError } from '../kernel/errors.js';
import type { ClientPrediction } from './client.js';

/** The file types `predict --out` writes. */
const OUT_TYPES = ['.csv', '.jsonl'] as const;

const outError = (message: string, hint: string, source: 'usage' | 'operation', cause?: unknown) =>
  new MlopsError(message, { code: 'MLOPS_SERVE_E8008', hint, source, cause });

/** The type of an `--out` file by its extension; a usage error for any other. */
export function outType(shown: string): (typeof OUT_TYPES)[number] {
  const type = extname(shown).toLowerCase();
  const known = OUT_TYPES.find((t) => t === type);
  if (known === undefined) {
    throw outError(
      `--out ${shown}: unknown file type "${type || '(none)'}".`,
      `Name the file ${OUT_TYPES.map((t) => `predictions${t}`).join(' or ')}.`,
      'usage',
    );
  }
  return known;
}

/**
 * What is shown of many predictions, in bounded memory: the first `keep` of them, the count per
 * predicted class, and for numeric labels (regression) their range and mean.
 */
export class PredictionTally {
  /** The first `keep` predictions, in row order. */
  readonly kept: ClientPrediction[] = [];
  /** Rows per predicted class, in order of first appearance. */
  readonly classes = new Map<string, number>();
  total = 0;
  /** Numeric labels (regression): count, sum, least and greatest. */
  readonly values = { count: 0, sum: 0, min: Infinity, max: -Infinity };

  constructor(private readonly keep: number) {}

  add(predictions: readonly ClientPrediction[]): void {
    for (const p of predictions) {
      if (this.kept.length < this.keep) this.kept.push(p);
      this.total += 1;
      const label = p.label;
      if (typeof label === 'number') {
        const v = this.values;
        v.count += 1;
        v.sum += label;
        if (label < v.min) v.min = label;
        if (label > v.max) v.max = label;
      } else {
        this.classes.set(label, (this.classes.get(label) ?? 0) + 1);
      }
    }
  }
}

/**
 * Every prediction written as it arrives, one batch at a time: `.jsonl` has one `{"label",
 * "probabilities"}` per line, `.csv` the columns `row,label` and `p_<class>` per class (from the
 * first prediction). Rows keep the input's order; `row` counts from 1, as in the table.
 */
export class PredictionsFile {
  private classes: readonly string[] | undefined;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    private readonly csv: boolean,
    private readonly path: string,
    private readonly temp: string,
    readonly shown: string,
  ) {}

  /**
   * Starts the file under a temporary name beside it: it takes the real name only at `commit`, so a run
   * that fails half-way leaves no half-written file (and an older one stays as it was).
   */
  static async create(path: string, shown = path): Promise<PredictionsFile> {
    const csv = outType(shown) === '.csv';
    const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      return new PredictionsFile(await open(temp, 'wx'), csv, path, temp, shown);
    } catch (error) {
      throw outError(
        `Cannot write ${shown}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
        'Give --out a file path in an existing directory you can write to.',
        'usage',
        error,
      );
    }
  }

  /** Appends `predictions`, the first of which is input row `firstRow` (0-based). */
  async write(predictions: readonly ClientPrediction[], firstRow: number): Promise<void> {
    const lines: string[] = [];
    if (this.csv) {
      if (this.classes === undefined) {
        this.classes = Object.keys(predictions[0]?.probabilities ?? {});
        lines.push(['row', 'label', ...this.classes.map((c) => `p_${c}`)].map(csvField).join(','));
      }
      const classes = this.classes;
      predictions.forEach((p, i) => {
        const cells = [String(firstRow + i + 1), csvField(String(p.label))];
        for (const c of classes) cells.push(String(p.probabilities?.[c] ?? ''));
        lines.push(cells.join(','));
      });
    } else {
      for (const p of predictions) lines.push(JSON.stringify(p));
    }
    if (lines.length === 0) return;
    try {
      await this.handle.write(`${lines.join('\n')}\n`);
    } catch (error) {
      throw outError(
        `Writing ${this.shown} failed: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
        'Check the free space and permissions where --out points.',
        'operation',
        error,
      );
    }
  }

  /** Every prediction is written: the file takes its name. */
  async commit(): Promise<void> {
    this.closed = true;
    await this.handle.close();
    await rename(this.temp, this.path);
  }

  /** Without a commit (the run failed), the temporary file is removed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
    await rm(this.temp, { force: true });
  }
}

/** RFC 4180: a field with a separator, quote or line break is quoted, its quotes doubled. */
const csvField = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
