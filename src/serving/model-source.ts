import type { Baseline } from '../ml/baseline.js';
import type { Predictor } from '../ml/predictor.js';

export interface LoadedModel {
  readonly version: string;
  readonly predictor: Predictor;
  /** The training baseline (baseline.json); absent for versions trained before baselines existed. */
  readonly baseline?: Baseline;
}

/** Where served models come from: the registry in production (core/serve.ts), anything in unit tests. */
export interface ModelSource {
  /** The model's name, as in the routes (`/v2/models/{name}`). */
  readonly model: string;
  /** An alias or a version name → the version it designates now. */
  resolve(ref: string): Promise<string>;
  /** Downloads, verifies and loads a version (not yet warmed up). */
  load(version: string): Promise<LoadedModel>;
}
