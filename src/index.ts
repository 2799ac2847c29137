/**
 * mlops as a library: the same core the CLI runs. Heavy parts (tfjs) load only when used.
 *
 * ```ts
 * import { loadConfig, openRegistry, trainLocal, MemoryIoHost } from 'mlops';
 * ```
 */
export {
  loadConfig,
  findConfigFile,
  resolveRegistryUri,
  type LoadedConfig,
  type LoadConfigOptions,
} from './config/load.js';
export { configSchema, type MlopsConfig, type TrainParams } from './config/schema.js';
export { MlopsError, type ErrorSource } from './kernel/errors.js';
export { MESSAGES, type MessageCode } from './kernel/messages.js';
export { MemoryIoHost, type IoHost, type IoEvent, type IoRequest, type Progress } from './kernel/io-host.js';
export type { ModelStore } from './core/ports/model-store.js';
export {
  ModelRegistry,
  promotionStack,
  type Catalog,
  type LoadedVersion,
  type NewVersion,
  type VersionCheck,
} from './core/registry.js';
export type { AliasRecord, HistoryRecord, VersionManifest, VersionSummary } from './core/registry-types.js';
export { initProject, type InitOptions, type InitResult } from './core/init.js';
export { trainLocal, type TrainLocalOptions, type TrainResult } from './core/train.js';
export { promote, rollback, type AliasChangeResult } from './core/promote.js';
export { measureDrift, type DriftOptions, type DriftResult, type FeatureDrift } from './core/drift.js';
export { quickstart, type QuickstartOptions, type QuickstartResult } from './core/quickstart.js';
export { openCluster, type OpenClusterOptions } from '../providers/kubernetes/cluster-factory.js';
export {
  ensureEcrRepository,
  isInsecureRegistry,
  openImageRegistry,
  type OpenImageRegistryOptions,
} from '../providers/images/registry-factory.js';
export { formatImageReference, parseImageReference, type ImageReference } from './core/image-reference.js';
export type {
  BlobReader,
  BlobSource,
  Descriptor,
  FetchedManifest,
  ImageRegistryClient,
  Platform,
  PushProgress,
} from './core/ports/image-registry.js';
export type {
  ApplyOptions,
  ClusterClient,
  ClusterIdentity,
  DeleteOptions,
  KindRef,
  KubeObject,
  ListOptions,
  LogLine,
  LogOptions,
  ObjectList,
  ObjectMeta,
  ObjectRef,
  WatchEvent,
  WatchOptions,
} from './core/ports/cluster.js';
export { ensureWorkloadIdentities, type EnsuredIdentity } from './core/cluster-namespaces.js';
export {
  openStore,
  openRegistry,
  readDataUri,
  storeOptions,
  type OpenStoreOptions,
} from '../providers/store-factory.js';

import type { ModelRegistry } from './core/registry.js';

/** Loads a registered version (verified) as a ready predictor. */
export async function loadModel(registry: ModelRegistry, ref = 'production') {
  const { loadPredictor } = await import('./ml/index.js');
  const { artifacts, manifest } = await registry.load(await registry.resolve(ref));
  return { manifest, predictor: await loadPredictor(artifacts) };
}

import type { ServeModelOptions } from './core/serve.js';
import type { ServingAppOptions } from './serving/app.js';

export type { ServeModelOptions, ServingHandle } from './core/serve.js';
export type { ServingApp, ServingAppOptions } from './serving/app.js';
export type { ModelSource } from './serving/model-source.js';
/** The models of a registry as a ModelSource for `createServingApp` (artifacts verified on load). */
export { registrySource } from './core/registry-source.js';

/**
 * Serves a registry's model over HTTP (the app behind `mlops serve`): all protocols, micro-batching,
 * hot reload, metrics. Loaded lazily so that `import 'mlops'` stays light.
 */
export async function serveModel(options: ServeModelOptions) {
  const serving = await import('./core/serve.js');
  return serving.serveModel(options);
}

/** The serving app without a listener (route it yourself, or `inject` requests in tests). */
export async function createServingApp(options: ServingAppOptions) {
  const serving = await import('./serving/app.js');
  return serving.createServingApp(options);
}
