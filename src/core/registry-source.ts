import type { BackendPreference } from '../ml/backend.js';
import { BASELINE_JSON, decodeBaseline } from '../ml/baseline.js';
import type { ModelSource } from '../serving/model-source.js';
import type { ModelRegistry } from './registry.js';

/**
 * Models from a registry: every artifact is verified against its manifest's sha256 (registry.load)
 * before tfjs sees it; the training baseline (drift) comes along when the version has one. tfjs is
 * imported here, lazily, so that the HTTP parts load without it. The predictor does not check rows:
 * the serving input layer has (src/serving/inputs.ts).
 */
export function registrySource(
  registry: ModelRegistry,
  options: { readonly backend?: BackendPreference } = {},
): ModelSource {
  return {
    model: registry.model,
    resolve: (ref) => registry.resolve(ref),
    async load(version) {
      const [{ artifacts }, { loadPredictor }] = await Promise.all([
        registry.load(version),
        import('../ml/predictor.js'),
      ]);
      const predictor = await loadPredictor(artifacts, {
        backend: options.backend ?? 'auto',
        checkRows: false,
      });
      const baseline = decodeBaseline(artifacts[BASELINE_JSON]);
      return { version, predictor, ...(baseline ? { baseline } : {}) };
    },
  };
}
