import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { Sequential } from '@tensorflow/tfjs-layers';
import type { TrainParams } from '../config/schema.js';
import { MlopsError, usageError } from '../kernel/errors.js';
import {
  encodePreprocessing,
  PREPROCESSING_JSON,
  preprocessing,
  saveModel,
  type Artifacts,
  type Preprocessing,
} from './artifacts.js';
import { activeBackend, loadTf, type Tf } from './backend.js';
import { BASELINE_JSON, classBaseline, encodeBaseline, trainingBaseline, valueBaseline } from './baseline.js';
import type { Dataset } from './dataset.js';
import {
  argmaxRow,
  classificationMetrics,
  regressionMetrics,
  type LossPoint,
  type Metrics,
} from './metrics.js';
import { buildModel, reseedDropout } from './model.js';
import { fitScaler, scaleRows } from './scaler.js';
import { mulberry32, nextSeed, randomSplit, shuffleInPlace, stratifiedSplit, type Split } from './split.js';

export interface EpochEvent {
  /** 1-based. */
  readonly epoch: number;
  /** The maximum; early stopping may end sooner. */
  readonly epochs: number;
  /** Mean training loss over the epoch's batches (including the L2 penalty). */
  readonly loss: number;
  /** Validation loss: cross-entropy (classification) or MSE of the standardized target (regression). */
  readonly valLoss: number;
  readonly valAccuracy?: number;
}

export interface TrainOptions {
  /** Called after every epoch, synchronously; keep it cheap. */
  readonly onEpoch?: (event: EpochEvent) => void;
  /** Aborting stops between batches with an MLOPS_INTERRUPTED error. */
  readonly signal?: AbortSignal;
}

export interface TrainedModel {
  /** model.json, weights.bin, preprocessing.json and baseline.json. */
  readonly artifacts: Artifacts;
  readonly metrics: Metrics;
  readonly backend: string;
}

/** Offsets the run's PRNG from the split's so the two streams do not mirror each other. */
const TRAIN_STREAM = 0x9e3779b9;
const EPSILON = 1e-7;
/** Rows per inference call on the validation split: bounds the activations of a large split. */
const PREDICT_ROWS = 8192;

/**
 * Trains the default network on a dataset: seeded split, scaler fitted on the training rows, a seeded
 * mini-batch loop (trainOnBatch) with per-epoch validation, early stopping on validation loss that
 * restores the best weights, then metrics on the validation split. Same data, params and backend give
 * the same metrics (but for trainingSeconds) and the same artifacts. Failures are MlopsErrors: those
 * of mlops as they are, anything else (tfjs) wrapped once here as MLOPS_TRAIN_E5001.
 */
export async function trainModel(
  dataset: Dataset,
  params: TrainParams,
  options: TrainOptions = {},
): Promise<TrainedModel> {
  // The config schema checks these for the CLI; a library caller gets the same refusal, not a loop that
  // never ends (a batch of 0 rows).
  for (const key of ['batchSize', 'epochs'] as const) {
    const value = params[key];
    if (!Number.isInteger(value) || value < 1) {
      throw usageError(
        `train.${key} ${String(value)} is not a whole number of at least 1.`,
        'MLOPS_USAGE_E1002',
        `Give train.${key} a positive whole number, e.g. ${key === 'epochs' ? 200 : 32}.`,
      );
    }
  }
  try {
    return await fit(dataset, params, options);
  } catch (error) {
    if (MlopsError.is(error)) throw error;
    const backend = (await activeBackend()) ?? params.backend;
    throw new MlopsError(`training failed: ${(error as Error).message}`, {
      code: 'MLOPS_TRAIN_E5001',
      hint: `the "${backend}" backend reported it (--verbose shows where): check the data and training parameters, or try another backend (--param backend=cpu)`,
      source: 'operation',
      cause: error,
    });
  }
}

async function fit(dataset: Dataset, params: TrainParams, options: TrainOptions): Promise<TrainedModel> {
  const { signal, onEpoch } = options;
  checkAborted(signal);
  if (dataset.task !== params.task) {
    throw new MlopsError(`the dataset was loaded for ${dataset.task} but the task is ${params.task}`, {
      code: 'MLOPS_TRAIN_E5001',
      hint: 'load the dataset with the same task as the training parameters',
      source: 'internal',
    });
  }
  const { tf, backend } = await loadTf(params.backend);
  const classification = dataset.task === 'classification';
  const classes = dataset.classes ?? [];
  const width = dataset.features.length;
  const outputs = classification ? classes.length : 1;

  const split: Split = classification
    ? stratifiedSplit(dataset.y, { validationSplit: params.validationSplit, seed: params.seed })
    : randomSplit(dataset.rows, { validationSplit: params.validationSplit, seed: params.seed });
  if (split.train.length === 0 || split.validation.length === 0) {
    throw new MlopsError(
      `${dataset.source} has too few rows (${dataset.rows}) to hold some out for validation`,
      {
        code: 'MLOPS_DATA_E3006',
        hint: 'add rows, or raise validationSplit',
        source: 'operation',
      },
    );
  }
  const scaler = fitScaler(dataset.x, width, split.train);
  const target = classification ? undefined : fitTarget(dataset.y, split.train);
  const xTrain = scaleRows(scaler, dataset.x, split.train);
  const yTrain = encodeTargets(split.train, dataset.y, outputs, target);
  const yVal = split.validation.map((i) => dataset.y[i] as number);

  const resources: { dispose(): void }[] = [];
  try {
    const xVal = tf.tensor2d(scaleRows(scaler, dataset.x, split.validation), [
      split.validation.length,
      width,
    ]);
    resources.push(xVal);
    const model = buildModel(tf, { ...params, inputs: width, classes: outputs });
    resources.push(model);
    const optimizer = tf.train.adam(params.learningRate);
    // A passed-in optimizer is not owned (nor disposed) by the model.
    resources.push(optimizer);
    model.compile({ optimizer, loss: classification ? 'categoricalCrossentropy' : 'meanSquaredError' });

    const rng = mulberry32((params.seed ^ TRAIN_STREAM) >>> 0);
    const order = Array.from({ length: split.train.length }, (_, i) => i);
    const batchSize = Math.min(params.batchSize, order.length);
    const xBatch = new Float32Array(batchSize * width);
    const yBatch = new Float32Array(batchSize * outputs);
    const lossCurve: LossPoint[] = [];
    let best: { loss: number; epoch: number; weights: Tensor[] } = { loss: Infinity, epoch: 0, weights: [] };
    resources.push({ dispose: () => tf.dispose(best.weights) });
    let sinceBest = 0;
    const started = performance.now();

    for (let epoch = 1; epoch <= params.epochs; epoch += 1) {
      // trainOnBatch settles in microtasks only: yield a macrotask per epoch so signals (Ctrl-C),
      // timers and pending output get their turn.
      await new Promise((resolve) => setImmediate(resolve));
      shuffleInPlace(order, rng);
      let lossSum = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        checkAborted(signal);
        const n = Math.min(batchSize, order.length - start);
        // Element loops rather than set(subarray()): a view per row is an allocation per row.
        for (let b = 0; b < n; b += 1) {
          const r = order[start + b] as number;
          for (let j = 0; j < width; j += 1) xBatch[b * width + j] = xTrain[r * width + j] as number;
          for (let j = 0; j < outputs; j += 1) yBatch[b * outputs + j] = yTrain[r * outputs + j] as number;
        }
        // tensor2d copies, so the two scratch buffers are reused for every batch.
        const xb = tf.tensor2d(xBatch.subarray(0, n * width), [n, width]);
        const yb = tf.tensor2d(yBatch.subarray(0, n * outputs), [n, outputs]);
        reseedDropout(model, () => nextSeed(rng));
        try {
          const batchLoss = await model.trainOnBatch(xb, yb);
          lossSum += (typeof batchLoss === 'number' ? batchLoss : (batchLoss[0] ?? NaN)) * n;
        } finally {
          xb.dispose();
          yb.dispose();
        }
      }
      const loss = lossSum / order.length;
      const values = predictValues(tf, model, xVal, outputs);
      const val = classification
        ? crossEntropy(values, yVal, outputs)
        : standardizedMse(values, yVal, target);
      if (!Number.isFinite(loss) || !Number.isFinite(val.loss)) {
        throw new MlopsError(`training diverged at epoch ${epoch}: the loss is ${loss}`, {
          code: 'MLOPS_TRAIN_E5001',
          hint: `lower learningRate (now ${params.learningRate}) or raise l2`,
          source: 'operation',
        });
      }
      lossCurve.push({ epoch, loss, valLoss: val.loss });
      onEpoch?.({
        epoch,
        epochs: params.epochs,
        loss,
        valLoss: val.loss,
        ...(classification ? { valAccuracy: val.accuracy } : {}),
      });
      // Strictly lower: on a tie the earlier (simpler) weights stay.
      if (val.loss < best.loss) {
        tf.dispose(best.weights);
        best = { loss: val.loss, epoch, weights: model.getWeights().map((w) => tf.clone(w)) };
        sinceBest = 0;
      } else {
        sinceBest += 1;
        if (sinceBest >= Math.max(1, params.patience)) break;
      }
    }
    model.setWeights(best.weights);
    const trainingSeconds = (performance.now() - started) / 1000;

    const values = predictValues(tf, model, xVal, outputs);
    const predicted = yVal.map((_, r) =>
      classification ? argmaxRow(values, r, outputs) : unscale(values[r] as number, target),
    );
    const measured = classification
      ? classificationMetrics(yVal, predicted, classes)
      : regressionMetrics(yVal, predicted);
    const metrics: Metrics = {
      task: dataset.task,
      ...measured,
      lossCurve,
      epochsRun: lossCurve.length,
      bestEpoch: best.epoch,
      trainingSeconds: Math.round(trainingSeconds * 1000) / 1000,
      rows: { train: split.train.length, validation: split.validation.length },
    };
    const prep: Preprocessing = preprocessing({
      features: dataset.features,
      label: dataset.label,
      task: dataset.task,
      ...(classification ? { classes } : { target }),
      scaler,
    });
    const baseline = trainingBaseline({
      x: dataset.x,
      features: dataset.features,
      trainRows: split.train,
      predictions: classification ? classBaseline(classes, predicted) : valueBaseline(predicted),
      validationRows: split.validation.length,
    });
    const artifacts = {
      ...(await saveModel(tf, model)),
      [PREPROCESSING_JSON]: encodePreprocessing(prep),
      [BASELINE_JSON]: encodeBaseline(baseline),
    };
    return { artifacts, metrics, backend };
  } finally {
    for (const r of resources.reverse()) r.dispose();
  }
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new MlopsError('training was interrupted', {
      code: 'MLOPS_INTERRUPTED',
      hint: 'run it again; nothing was registered',
      source: 'operation',
      cause: signal.reason,
    });
  }
}

function fitTarget(y: ArrayLike<number>, rows: readonly number[]): { mean: number; std: number } {
  const s = fitScaler(y, 1, rows);
  return { mean: s.mean[0] as number, std: s.std[0] as number };
}

const unscale = (value: number, target: { mean: number; std: number } | undefined): number =>
  target === undefined ? value : value * target.std + target.mean;

/** One-hot rows (classification) or the standardized target (regression), row-major. */
function encodeTargets(
  rows: readonly number[],
  y: ArrayLike<number>,
  outputs: number,
  target: { mean: number; std: number } | undefined,
): Float32Array {
  const out = new Float32Array(rows.length * outputs);
  rows.forEach((i, r) => {
    const v = y[i] as number;
    if (target === undefined) out[r * outputs + v] = 1;
    else out[r] = (v - target.mean) / target.std;
  });
  return out;
}

/** Inference-mode outputs of a whole split, row-major, computed a slice of rows at a time. */
function predictValues(tf: Tf, model: Sequential, x: Tensor2D, outputs: number): Float32Array {
  const [rows, width] = x.shape;
  const out = new Float32Array(rows * outputs);
  for (let start = 0; start < rows; start += PREDICT_ROWS) {
    const n = Math.min(PREDICT_ROWS, rows - start);
    const values = tf.tidy(
      () => (model.predictOnBatch(tf.slice(x, [start, 0], [n, width])) as Tensor).dataSync() as Float32Array,
    );
    out.set(values, start * outputs);
  }
  return out;
}

function crossEntropy(
  probs: Float32Array,
  y: readonly number[],
  k: number,
): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  y.forEach((c, r) => {
    const p = probs[r * k + c] as number;
    loss -= Math.log(Math.min(1 - EPSILON, Math.max(EPSILON, p)));
    if (argmaxRow(probs, r, k) === c) correct += 1;
  });
  return { loss: loss / y.length, accuracy: correct / y.length };
}

function standardizedMse(
  values: Float32Array,
  y: readonly number[],
  target: { mean: number; std: number } | undefined,
): { loss: number; accuracy: number } {
  const t = target ?? { mean: 0, std: 1 };
  let sum = 0;
  y.forEach((v, r) => {
    const e = (values[r] as number) - (v - t.mean) / t.std;
    sum += e * e;
  });
  return { loss: sum / y.length, accuracy: 0 };
}
