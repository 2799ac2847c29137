import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import { MlopsError } from '../kernel/errors.js';

/**
 * The TensorFlow.js surface mlops uses: tfjs-core plus tfjs-layers, the two halves of the
 * `@tensorflow/tfjs` barrel that matter here. Importing them directly instead of the barrel skips
 * tfjs-converter, tfjs-data and the WebGL backend, about 130 ms of a serving cold start on this
 * machine, while staying the same single tfjs-core instance the barrel (and tfjs-node) would use.
 * tfjs-layers' Node bundle registers every gradient, so training works without the barrel. Tensor
 * chained ops (`t.square()`) are not registered: call the functional ops instead.
 */
export type Tf = typeof TfCore & typeof TfLayers;
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

export interface LoadedTf {
  readonly tf: Tf;
  readonly backend: BackendName;
}

// A variable keeps tsc and bundlers from resolving it: tfjs-node is optional and usually absent.
const TFJS_NODE: string = '@tensorflow/tfjs-node';

let tfPromise: Promise<Tf> | undefined;
const availability = new Map<BackendName, Promise<boolean>>();

/**
 * Loads TensorFlow.js lazily and activates a backend. `auto` prefers tfjs-node (native), then WASM,
 * then the pure-JS cpu backend. The backend is process-wide (tfjs has one engine), so the last call
 * wins; every call re-activates the backend it reports.
 */
export async function loadTf(preferred: BackendPreference = 'auto'): Promise<LoadedTf> {
  const tf = await loadModules();
  const order: readonly BackendName[] = preferred === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preferred];
  for (const name of order) {
    if (await isAvailable(tf, name)) {
      if (tf.getBackend() !== name && !(await tf.setBackend(name))) continue;
      return { tf, backend: name };
    }
  }
  throw unavailable(preferred);
}

/** The backend currently active, without loading anything; undefined before the first loadTf. */
export async function activeBackend(): Promise<string | undefined> {
  if (tfPromise === undefined) return undefined;
  return (await tfPromise).getBackend();
}

function loadModules(): Promise<Tf> {
  tfPromise ??= (async () => {
    const [core, layers] = await Promise.all([
      import('@tensorflow/tfjs-core'),
      import('@tensorflow/tfjs-layers'),
    ]);
    // Prod mode silences tfjs' console advice ("install tfjs-node") that library code must not print.
    core.enableProdMode();
    return Object.freeze({ ...core, ...layers }) as Tf;
  })();
  tfPromise.catch(() => (tfPromise = undefined));
  return tfPromise;
}

function isAvailable(tf: Tf, name: BackendName): Promise<boolean> {
  let probe = availability.get(name);
  if (probe === undefined) {
    probe = register(name).then(
      async (ok) => ok && (await tf.setBackend(name)),
      () => false,
    );
    availability.set(name, probe);
  }
  return probe;
}

async function register(name: BackendName): Promise<boolean> {
  switch (name) {
    case 'tensorflow':
      // tfjs-node registers the 'tensorflow' backend on the shared tfjs-core as a side effect.
      await import(TFJS_NODE);
      return true;
    case 'wasm':
      // In Node the .wasm binaries load from the package's own dist folder: no network.
      await import('@tensorflow/tfjs-backend-wasm');
      return true;
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return true;
  }
}

function unavailable(preferred: BackendPreference): MlopsError {
  const hints: Record<BackendPreference, string> = {
    tensorflow:
      'install @tensorflow/tfjs-node (it needs its native library, downloaded at install time), or set train.backend to "auto"',
    wasm: 'reinstall @tensorflow/tfjs-backend-wasm, or set train.backend to "auto" or "cpu"',
    cpu: 'reinstall @tensorflow/tfjs (it brings @tensorflow/tfjs-backend-cpu)',
    auto: 'reinstall @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm',
  };
  const what = preferred === 'auto' ? 'no TensorFlow.js backend' : `the TensorFlow.js backend "${preferred}"`;
  return new MlopsError(`${what} could not be loaded`, {
    code: 'MLOPS_ENV_E6001',
    hint: hints[preferred],
    source: 'operation',
  });
}
