import { readFile } from 'node:fs/promises';
import { MlopsError } from '../kernel/errors.js';
import type { BackendPreference } from '../ml/backend.js';
import { BASELINE_JSON, decodeBaseline } from '../ml/baseline.js';
import type { Prediction } from '../ml/predictor.js';
import { driftVerdict, type DriftVerdict } from '../ml/psi.js';
import { DriftWindow, driftReport } from '../serving/drift-window.js';
import type { ModelRegistry } from './registry.js';

export interface DriftOptions {
  readonly registry: ModelRegistry;
  /** A version or an alias (what `mlops serve` follows by default). */
  readonly ref: string;
  /** The CSV of production rows: a header with the model's feature columns (others are ignored). */
  readonly data: string;
  /** How `data` is named in messages. */
  readonly shown?: string;
  readonly backend?: BackendPreference;
}

export interface FeatureDrift {
  readonly feature: string;
  readonly psi: number;
  readonly verdict: DriftVerdict;
}

export interface DriftResult {
  readonly model: string;
  readonly version: string;
  readonly rows: number;
  /** Worst first. */
  readonly features: readonly FeatureDrift[];
  /** PSI of the predicted classes (regression: of the predicted value's deciles). */
  readonly predictions: { readonly psi: number; readonly verdict: DriftVerdict };
}

/** Rows per model call: bounds the activations of a large file. */
const PREDICT_ROWS = 8192;

/**
 * `mlops drift`: a batch of production rows against a version's training baseline, by the server's own
 * computation (a drift window holding every row of the file), the model run on the rows for the
 * prediction drift.
 */
export async function measureDrift(options: DriftOptions): Promise<DriftResult> {
  const { registry } = options;
  const shown = options.shown ?? options.data;
  const version = await registry.resolve(options.ref);
  const { artifacts } = await registry.load(version);
  const baseline = decodeBaseline(artifacts[BASELINE_JSON]);
  if (baseline === undefined) {
    throw new MlopsError(
      `${registry.model} ${version} has no training baseline, so its drift is unavailable.`,
      {
        code: 'MLOPS_DRIFT_E5601',
        hint: 'It was trained before mlops stored baselines: train it again with this mlops (mlops train), then compare against the new version (--version).',
        source: 'operation',
      },
    );
  }
  const features = baseline.features.map((f) => f.name);
  const rows = await readRows(options.data, shown, features);
  const { loadPredictor } = await import('../ml/predictor.js');
  const predictor = await loadPredictor(artifacts, { backend: options.backend ?? 'auto' });
  const predictions: Prediction[] = [];
  try {
    for (let start = 0; start < rows.length; start += PREDICT_ROWS) {
      predictions.push(...predictor.predict(rows.slice(start, start + PREDICT_ROWS)));
    }
  } finally {
    predictor.dispose();
  }
  const window = new DriftWindow(version, baseline, rows.length);
  window.record(rows, predictions);
  const report = driftReport(window.snapshot());
  if (report === undefined) throw noRows(shown);
  return {
    model: registry.model,
    version,
    rows: report.rows,
    features: report.features
      .map((f) => ({ feature: f.name, psi: f.psi, verdict: driftVerdict(f.psi) }))
      .sort((a, b) => b.psi - a.psi),
    predictions: { psi: report.predictions, verdict: driftVerdict(report.predictions) },
  };
}

const noRows = (shown: string) =>
  new MlopsError(`${shown} has no rows to compare.`, {
    code: 'MLOPS_DRIFT_E5603',
    hint: 'Give a CSV with a header and at least one row of production data.',
    source: 'usage',
  });

/** The feature columns of the CSV, in the model's order, as numbers; errors name the row and column. */
async function readRows(file: string, shown: string, features: readonly string[]): Promise<number[][]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MlopsError(`Cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, {
      code: 'MLOPS_DRIFT_E5603',
      hint: 'Pass the path of a CSV file of production rows with --data.',
      source: 'usage',
      cause: error,
    });
  }
  const [{ parseCsv }, { parseNumber }] = await Promise.all([
    import('../ml/csv.js'),
    import('../ml/dataset.js'),
  ]);
  const table = parseCsv(text, { source: shown });
  const columns = features.map((f) => table.header.indexOf(f));
  const missing = features.filter((_, j) => columns[j] === -1);
  if (missing.length > 0) {
    throw new MlopsError(
      `${shown} lacks the feature column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}.`,
      {
        code: 'MLOPS_DRIFT_E5602',
        hint: `The model reads ${features.join(', ')}: the CSV's header must name each (other columns, such as the label, are ignored).`,
        source: 'usage',
      },
    );
  }
  if (table.rows.length === 0) throw noRows(shown);
  return table.rows.map(({ fields, line }) =>
    columns.map((c, j) => {
      const value = parseNumber(fields[c] as string);
      if (value === undefined) {
        throw new MlopsError(
          `Line ${line} of ${shown}: "${features[j]}" is ${JSON.stringify(fields[c])}, not a number.`,
          {
            code: 'MLOPS_DRIFT_E5603',
            hint: 'Every feature value must be a number; remove or fix the row.',
            source: 'usage',
          },
        );
      }
      return value;
    }),
  );
}
