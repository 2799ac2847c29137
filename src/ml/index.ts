export {
  loadTf,
  activeBackend,
  type BackendName,
  type BackendPreference,
  type LoadedTf,
  type Tf,
} from './backend.js';
export { parseCsv, type CsvRow, type CsvTable, type ParseCsvOptions } from './csv.js';
export {
  loadDataset,
  parseDataset,
  parseNumber,
  type Dataset,
  type LoadDatasetOptions,
  type ParseDatasetOptions,
} from './dataset.js';
export { syntheticCsv } from './synthetic.js';
export {
  mulberry32,
  shuffleInPlace,
  stratifiedSplit,
  randomSplit,
  type Rng,
  type Split,
  type SplitOptions,
} from './split.js';
export { fitScaler, transform, type Scaler } from './scaler.js';
export {
  classificationMetrics,
  regressionMetrics,
  type Task,
  type Metrics,
  type ClassMetrics,
  type ConfusionMatrix,
  type LossPoint,
  type ClassificationMetrics,
  type RegressionMetrics,
} from './metrics.js';
export { buildModel, type ModelSpec } from './model.js';
export { trainModel, type EpochEvent, type TrainOptions, type TrainedModel } from './train.js';
export {
  MODEL_JSON,
  WEIGHTS_BIN,
  PREPROCESSING_JSON,
  decodePreprocessing,
  type Artifacts,
  type Preprocessing,
} from './artifacts.js';
export { loadPredictor, type LoadPredictorOptions, type Prediction, type Predictor } from './predictor.js';
export {
  BASELINE_JSON,
  decodeBaseline,
  type Baseline,
  type FeatureBaseline,
  type PredictionBaseline,
} from './baseline.js';
export { psiOfCounts, driftVerdict, PSI_DRIFT, PSI_FLOOR, type DriftVerdict } from './psi.js';
