import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { MlopsError } from '../kernel/errors.js';
import { decodePreprocessing, loadModel, type Artifacts } from './artifacts.js';
import { loadTf, type BackendPreference } from './backend.js';
import { compileDenseForward } from './dense-forward.js';
import type { Task } from './metrics.js';
import { transform } from './scaler.js';

export interface Prediction {
  /** The class name (classification) or the predicted value (regression). */
  readonly label: string | number;
  /** Classification: probability per class name. */
  readonly probabilities?: Record<string, number>;
}

export interface Predictor {
  readonly task: Task;
  /** Input columns, in the order `predict` expects them. */
  readonly features: readonly string[];
  readonly label: string;
  readonly classes?: readonly string[];
  /** The TensorFlow.js backend the model was loaded with. */
  readonly backend: string;
  /** What computes predictions: the plain-JS dense path, or tfjs for other topologies. */
  readonly engine: 'dense-js' | 'tfjs';
  /**
   * Predicts raw (unscaled) feature rows in one tensor call; the saved scaler is applied here. Throws
   * MLOPS_DATA_E3005 for a row of the wrong width and MLOPS_DATA_E3004 for a value that is not a
   * feature value (`isFeatureValue`), unless loaded with `checkRows: false`.
   */
  predict(rows: readonly (readonly number[])[]): Prediction[];
  /** Frees the model's weights; the predictor is unusable afterwards. */
  dispose(): void;
}

export interface LoadPredictorOptions {
  readonly backend?: BackendPreference;
  /** `auto` (default) uses the plain-JS path for dense stacks; `tfjs` always runs the model in tfjs. */
  readonly engine?: 'auto' | 'tfjs';
  /**
   * Check every row `predict` gets. Off only for a caller that has checked its rows by the same rule
   * already: the serving app, whose input layer answers a bad row with a 400 naming it, so that the
   * hot path does not walk each row twice.
   * @default true
   */
  readonly checkRows?: boolean;
}

/** The largest float32: a bigger value would become Infinity in the model's input (a Float32Array). */
const FLOAT32_MAX = 3.4028234663852886e38;

/** What every feature value must be, wherever rows come from: a finite number within float32 range. */
export const isFeatureValue = (value: unknown): value is number =>
  typeof value === 'number' && value <= FLOAT32_MAX && value >= -FLOAT32_MAX;

/** Loads model.json + weights.bin + preprocessing.json (as written by trainModel) for inference. */
export async function loadPredictor(
  artifacts: Artifacts,
  options: LoadPredictorOptions = {},
): Promise<Predictor> {
  const prep = decodePreprocessing(artifacts);
  const { tf, backend } = await loadTf(options.backend ?? 'auto');
  const model = await loadModel(tf, artifacts);
  const inputs = model.inputs[0]?.shape[1];
  const outputs = model.outputs[0]?.shape[1];
  const expectedOutputs = prep.task === 'classification' ? (prep.classes?.length ?? 0) : 1;
  if (model.inputs.length !== 1 || inputs !== prep.features.length || outputs !== expectedOutputs) {
    model.dispose();
    throw new MlopsError(
      `the saved model cannot be loaded: model.json takes ${inputs} inputs and gives ${outputs} outputs, preprocessing.json describes ${prep.features.length} and ${expectedOutputs}`,
      {
        code: 'MLOPS_MODEL_E5002',
        hint: 'model.json and preprocessing.json come from different training runs; register the model again',
        source: 'operation',
      },
    );
  }
  const width = prep.features.length;
  const classes = prep.classes ?? [];
  const dense = options.engine === 'tfjs' ? undefined : compileDenseForward(model);
  // The dense path copied the weights: the tfjs model has nothing left to do.
  if (dense !== undefined) model.dispose();
  let live: LayersModel | undefined = dense === undefined ? model : undefined;
  let disposed = false;
  const checkRows = options.checkRows ?? true;

  const forward = (x: Float32Array, rows: number): Float32Array => {
    if (dense !== undefined) return dense(x, rows);
    const current = live as LayersModel;
    return tf.tidy(
      () => (current.predictOnBatch(tf.tensor2d(x, [rows, width])) as Tensor).dataSync() as Float32Array,
    );
  };

  const predict = (rows: readonly (readonly number[])[]): Prediction[] => {
    if (disposed) throw new Error('the predictor was disposed');
    if (rows.length === 0) return [];
    if (checkRows) validate(rows, prep.features);
    const values = forward(transform(prep.scaler, rows), rows.length);
    if (prep.task === 'regression') {
      const t = prep.target ?? { mean: 0, std: 1 };
      return rows.map((_, r) => ({ label: (values[r] as number) * t.std + t.mean }));
    }
    const k = classes.length;
    const out: Prediction[] = new Array<Prediction>(rows.length);
    for (let r = 0; r < rows.length; r += 1) {
      const probabilities: Record<string, number> = {};
      let best = 0;
      for (let c = 0; c < k; c += 1) {
        const p = values[r * k + c] as number;
        probabilities[classes[c] as string] = p;
        if (p > (values[r * k + best] as number)) best = c;
      }
      out[r] = { label: classes[best] as string, probabilities };
    }
    return out;
  };

  return {
    task: prep.task,
    features: prep.features,
    label: prep.label,
    ...(prep.task === 'classification' ? { classes } : {}),
    backend,
    engine: dense === undefined ? 'tfjs' : 'dense-js',
    predict,
    dispose: () => {
      live?.dispose();
      live = undefined;
      disposed = true;
    },
  };
}

function validate(rows: readonly (readonly number[])[], features: readonly string[]): void {
  const width = features.length;
  for (let r = 0; r < rows.length; r += 1) {
    const row = rows[r] as readonly number[];
    if (!Array.isArray(row) || row.length !== width) {
      throw new MlopsError(
        `row ${r + 1} has ${Array.isArray(row) ? row.length : 'no'} values; the model takes ${width} (${features.join(', ')})`,
        {
          code: 'MLOPS_DATA_E3005',
          hint: 'send one value per feature, in the order listed',
          source: 'usage',
        },
      );
    }
    for (let j = 0; j < width; j += 1) {
      const v = row[j];
      if (!isFeatureValue(v)) {
        throw new MlopsError(
          `row ${r + 1}: the feature "${features[j]}" is ${String(v)}, not a finite number within float32 range`,
          {
            code: 'MLOPS_DATA_E3004',
            hint: 'send numbers for every feature (no null, NaN, Infinity or strings)',
            source: 'usage',
          },
        );
      }
    }
  }
}
