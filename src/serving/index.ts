/**
 * The serving runtime (DESIGN.md §5): the node:http app behind `mlops serve` and the serving image, and
 * the client behind `mlops predict`. The client lives in ./client.js and is not re-exported here, so
 * that importing it never loads the server side (prom-client, tfjs).
 */
export {
  createServingApp,
  type AppStatus,
  type InjectRequest,
  type InjectResponse,
  type ServingApp,
  type ServingAppOptions,
  type ServingLimits,
} from './app.js';
export { MicroBatcher, type BatcherOptions, type Row } from './batcher.js';
export { AliasFollower, type PollOutcome } from './hot-reload.js';
export { ServingMetrics } from './metrics.js';
export { registrySource, type LoadedModel, type ModelSource } from './model-source.js';
export { listen, type ListenOptions, type RunningServer, type StopSummary } from './server.js';
export { serveModel, type ServeModelOptions, type ServingHandle } from './serve-model.js';
