import type { io } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { MlopsError } from '../kernel/errors.js';
import type { Tf } from './backend.js';
import type { Task } from './metrics.js';
import { isScaler, type Scaler } from './scaler.js';

/** File names of a saved model; the registry stores them as they are. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const PREPROCESSING_JSON = 'preprocessing.json';

export type Artifacts = Record<string, Uint8Array>;

const PREPROCESSING_FORMAT = 'mlops-preprocessing/v1';

/** What turns raw rows into model inputs and outputs back into labels; saved beside the model. */
export interface Preprocessing {
  readonly format: typeof PREPROCESSING_FORMAT;
  readonly features: string[];
  readonly label: string;
  readonly task: Task;
  /** Classification: output unit i is classes[i]. */
  readonly classes?: string[];
  readonly scaler: Scaler;
  /** Regression: the model predicts (y - mean) / std; keeping the target standardized helps Adam. */
  readonly target?: { readonly mean: number; readonly std: number };
}

export function preprocessing(fields: Omit<Preprocessing, 'format'>): Preprocessing {
  return { format: PREPROCESSING_FORMAT, ...fields };
}

const encoder = new TextEncoder();
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** Serializes a model into the TF.js layers format: model.json (topology + manifest) and weights.bin. */
export async function saveModel(tf: Tf, model: LayersModel): Promise<Artifacts> {
  let saved: io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (saved?.modelTopology === undefined || saved.weightSpecs === undefined) {
    throw new MlopsError('the trained model could not be serialized', {
      code: 'MLOPS_TRAIN_E5001',
      hint: 'This is a bug in mlops. Run again with --verbose and report the output.',
      source: 'internal',
    });
  }
  const modelJson: io.ModelJSON = {
    modelTopology: saved.modelTopology,
    format: saved.format,
    generatedBy: saved.generatedBy,
    convertedBy: saved.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: saved.weightSpecs }],
  };
  if (saved.trainingConfig !== undefined) modelJson.trainingConfig = saved.trainingConfig;
  const weights =
    saved.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(saved.weightData);
  return { [MODEL_JSON]: json(modelJson), [WEIGHTS_BIN]: new Uint8Array(weights) };
}

export function encodePreprocessing(value: Preprocessing): Uint8Array {
  return json(value);
}

const corrupt = (what: string, cause?: unknown): MlopsError =>
  new MlopsError(`the saved model cannot be loaded: ${what}`, {
    code: 'MLOPS_MODEL_E5002',
    hint: 'the artifacts are damaged or were not written by mlops train; train and register the model again',
    source: 'operation',
    cause,
  });

function parseJson(artifacts: Artifacts, name: string): unknown {
  const bytes = artifacts[name];
  if (bytes === undefined) throw corrupt(`${name} is missing`);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw corrupt(`${name} is not valid JSON`, error);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

/** Reads and checks preprocessing.json; E5002 when anything is off. */
export function decodePreprocessing(artifacts: Artifacts): Preprocessing {
  const value = parseJson(artifacts, PREPROCESSING_JSON);
  if (!isObject(value) || value.format !== PREPROCESSING_FORMAT) {
    throw corrupt(`${PREPROCESSING_JSON} is not in the ${PREPROCESSING_FORMAT} format`);
  }
  const { features, label, task, classes, scaler, target } = value;
  if (!isStrings(features) || features.length === 0 || typeof label !== 'string') {
    throw corrupt(`${PREPROCESSING_JSON} lacks the feature and label names`);
  }
  if (!isScaler(scaler, features.length)) throw corrupt(`${PREPROCESSING_JSON} has no valid scaler`);
  if (task === 'classification') {
    if (!isStrings(classes) || classes.length < 2)
      throw corrupt(`${PREPROCESSING_JSON} lacks the class names`);
    return preprocessing({ features, label, task, classes, scaler });
  }
  if (task === 'regression') {
    const t = isObject(target) ? target : {};
    const mean = typeof t.mean === 'number' && Number.isFinite(t.mean) ? t.mean : 0;
    const std = typeof t.std === 'number' && Number.isFinite(t.std) && t.std > 0 ? t.std : 1;
    return preprocessing({ features, label, task, scaler, target: { mean, std } });
  }
  throw corrupt(`${PREPROCESSING_JSON} has an unknown task`);
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/**
 * Rebuilds in-memory ModelArtifacts from model.json and the weight files its manifest names. Sizes are
 * checked here because tfjs would otherwise read past a truncated buffer into garbage weights.
 */
export function readModelArtifacts(artifacts: Artifacts): io.ModelArtifacts {
  const modelJson = parseJson(artifacts, MODEL_JSON);
  if (
    !isObject(modelJson) ||
    !isObject(modelJson.modelTopology) ||
    !Array.isArray(modelJson.weightsManifest)
  ) {
    throw corrupt(`${MODEL_JSON} is not a TF.js layers model (no modelTopology or weightsManifest)`);
  }
  const specs: io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest as unknown[]) {
    if (!isObject(group) || !isStrings(group.paths) || !Array.isArray(group.weights)) {
      throw corrupt(`${MODEL_JSON} has a malformed weightsManifest`);
    }
    specs.push(...(group.weights as io.WeightsManifestEntry[]));
    for (const file of group.paths) {
      const bytes = artifacts[file] ?? artifacts[file.split('/').pop() ?? file];
      if (bytes === undefined) throw corrupt(`the weights file ${file} is missing`);
      buffers.push(bytes);
    }
  }
  let expected = 0;
  for (const spec of specs) {
    if (!isObject(spec) || !Array.isArray(spec.shape) || typeof spec.name !== 'string') {
      throw corrupt(`${MODEL_JSON} has a malformed weight entry`);
    }
    const size = DTYPE_BYTES[spec.quantization?.dtype ?? spec.dtype];
    if (size === undefined) throw corrupt(`the weight ${spec.name} has the unsupported dtype ${spec.dtype}`);
    expected += size * spec.shape.reduce((a: number, b: unknown) => a * (typeof b === 'number' ? b : NaN), 1);
  }
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  if (total !== expected) {
    throw corrupt(
      `the weights hold ${total} bytes, the manifest describes ${Number.isNaN(expected) ? 'an invalid shape' : `${expected}`}`,
    );
  }
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  const out: io.ModelArtifacts = {
    modelTopology: modelJson.modelTopology,
    weightSpecs: specs,
    weightData: weightData.buffer,
  };
  if (typeof modelJson.format === 'string') out.format = modelJson.format;
  if (typeof modelJson.generatedBy === 'string') out.generatedBy = modelJson.generatedBy;
  return out;
}

/** Loads a layers model from artifacts; E5002 for anything tfjs refuses. */
export async function loadModel(tf: Tf, artifacts: Artifacts): Promise<LayersModel> {
  const modelArtifacts = readModelArtifacts(artifacts);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(modelArtifacts));
  } catch (error) {
    throw corrupt(`tfjs rejected ${MODEL_JSON}: ${(error as Error).message}`, error);
  }
}
