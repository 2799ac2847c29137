import type { ModelRegistry } from '../core/registry.js';
import type { VersionManifest } from '../core/registry-types.js';
import type { BackendPreference } from '../ml/backend.js';
import type { Predictor } from '../ml/predictor.js';

export interface LoadedModel {
  readonly version: string;
  readonly predictor: Predictor;
  readonly manifest?: VersionManifest;
}

/** Where served models come from: the registry in production, anything in unit tests. */
export interface ModelSource {
  /** The model's name, as in the routes (`/v2/models/{name}`). */
  readonly model: string;
  /** An alias or a version name → the version it designates now. */
  resolve(ref: string): Promise<string>;
  /** Downloads, verifies and loads a version (not yet warmed up). */
  load(version: string): Promise<LoadedModel>;
}

/**
 * Models from a registry: every artifact is verified against its manifest's sha256 (registry.load)
 * before tfjs sees it. tfjs is imported here, lazily, so that the HTTP parts load without it.
 */
export function registrySource(
  registry: ModelRegistry,
  options: { readonly backend?: BackendPreference } = {},
): ModelSource {
  return {
    model: registry.model,
    resolve: (ref) => registry.resolve(ref),
    async load(version) {
      const [{ manifest, artifacts }, { loadPredictor }] = await Promise.all([
        registry.load(version),
        import('../ml/predictor.js'),
      ]);
      const predictor = await loadPredictor(artifacts, { backend: options.backend ?? 'auto' });
      return { version, predictor, manifest };
    },
  };
}
