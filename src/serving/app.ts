import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServeConfig } from '../config/schema.js';
import { MlopsError } from '../kernel/errors.js';
import { info, type IoHost } from '../kernel/io-host.js';
import type { Prediction } from '../ml/predictor.js';
import { AliasFollower, type PollOutcome } from './hot-reload.js';
import { DRIFT_WARN_INTERVAL_MS, driftAlarm } from './drift-alarm.js';
import { createHttpAdapter, type InjectRequest, type InjectResponse } from './http-adapter.js';
import { messageOf, notFound } from './http-error.js';
import { ServingMetrics } from './metrics.js';
import type { ModelSource } from './model-source.js';
import { ModelSlot } from './model-slot.js';
import type { RouteSpec, ServerInfo, ServingRuntime } from './protocol.js';
import { healthRoutes } from './protocols/health.js';
import { openInferenceRoutes } from './protocols/open-inference.js';
import { simpleRoutes } from './protocols/simple.js';
import { tfServingRoutes } from './protocols/tf-serving.js';
import { Router } from './router.js';
import { ServedModel } from './served-model.js';

export type ServingLimits = Pick<
  ServeConfig,
  'maxBatchSize' | 'maxBatchWaitMs' | 'maxBodyBytes' | 'pollIntervalSeconds' | 'driftWindow'
>;

/** The defaults of the `serve` section of the config schema, for library users who pass none. */
const DEFAULT_LIMITS: ServingLimits = {
  maxBatchSize: 64,
  maxBatchWaitMs: 2,
  maxBodyBytes: 1_048_576,
  pollIntervalSeconds: 10,
  driftWindow: 5000,
};

export interface ServingAppOptions {
  readonly source: ModelSource;
  /** The alias to follow, or the version to serve. */
  readonly ref: string;
  /** Serve `ref` as it resolves at start and never poll (a pinned `--version`). */
  readonly pinned?: boolean;
  readonly limits?: Partial<ServingLimits>;
  /** Where reloads and failures are reported (one event each); silent by default. */
  readonly io?: IoHost;
  readonly metrics?: ServingMetrics;
  /** Name and version reported by `GET /v2`. */
  readonly server?: ServerInfo;
}

export interface AppStatus {
  readonly model: string;
  readonly version: string | undefined;
  readonly backend: string | undefined;
  /** What computes predictions: plain-JS dense layers or tfjs. */
  readonly engine: string | undefined;
  readonly ready: boolean;
  readonly draining: boolean;
  /** Requests answered since start. */
  readonly requests: number;
}

export interface ServingApp {
  /** The node:http request listener. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Answers a request without a socket (unit tests; the same routing, limits and metrics). */
  inject(request: InjectRequest): Promise<InjectResponse>;
  /** Loads and warms up the model `ref` designates, then follows the alias (unless pinned). */
  start(): Promise<AppStatus>;
  /** Checks the alias once now (what the poll timer does). */
  poll(): Promise<PollOutcome>;
  /** Readiness goes to 503, polling stops, answers carry `Connection: close`. */
  beginDrain(): void;
  /** Stops polling and frees the model once its in-flight requests are done. */
  stop(): Promise<void>;
  status(): AppStatus;
  readonly metrics: ServingMetrics;
}

/**
 * Creates the serving app: the model slot, the routes of every protocol, hot reload and metrics, on an
 * HTTP adapter that node:http and `inject` share.
 */
export function createServingApp(options: ServingAppOptions): ServingApp {
  const { source, io } = options;
  const limits: ServingLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = options.metrics ?? new ServingMetrics();
  const server: ServerInfo = options.server ?? { name: 'mlops', version: '0.0.0' };
  const batching = {
    maxBatchSize: limits.maxBatchSize,
    maxBatchWaitMs: limits.maxBatchWaitMs,
    onBatch: (rows: number) => metrics.observeBatch(rows),
  };

  const slot = new ModelSlot(source.model);
  let draining = false;
  const reported = new Set<string>();
  const reportOnce = (key: string, report: () => void): void => {
    if (reported.has(key) || reported.size > 1000) return;
    reported.add(key);
    report();
  };

  const runtime: ServingRuntime = {
    modelName: source.model,
    metrics,
    server,
    current: () => slot.current,
    ready: () => slot.current !== undefined && !draining && !slot.closed,
    draining: () => draining,
    checkModel(name, version, served) {
      if (name !== source.model) {
        throw notFound(
          `model "${name.slice(0, 60)}" is not served here; this server serves "${source.model}"`,
        );
      }
      if (version !== undefined && served !== undefined && version !== served.version) {
        throw notFound(
          `version "${version.slice(0, 20)}" of ${source.model} is not loaded; this server serves ${served.version}`,
        );
      }
    },
  };

  const router = new Router<RouteSpec>();
  for (const route of [
    ...healthRoutes(runtime),
    ...simpleRoutes(),
    ...tfServingRoutes(runtime),
    ...openInferenceRoutes(runtime),
  ]) {
    router.add({ method: route.method, pattern: route.pattern, handler: route.spec });
  }

  const countPredictions = (predictions: readonly Prediction[]): void => {
    for (const p of predictions) metrics.countPrediction(typeof p.label === 'string' ? p.label : 'value');
  };

  const swapTo = async (version: string): Promise<void> => {
    const loaded = await source.load(version);
    const next = new ServedModel(source.model, loaded, batching, countPredictions, limits.driftWindow);
    try {
      next.warmUp(limits.maxBatchSize);
    } catch (error) {
      next.dispose();
      throw error;
    }
    if (slot.swap(next)) metrics.setModel(source.model, version);
  };

  // Drift: the gauges read the current model's window (a swap starts an empty one); the serve log warns
  // when a feature passes PSI 0.2, looked at on every scrape and once a minute without one.
  metrics.trackDrift(() => slot.current?.drift?.snapshot(), driftAlarm(io, source.model));
  let driftTimer: NodeJS.Timeout | undefined;
  const stopDriftTimer = () => clearInterval(driftTimer);

  const follower = new AliasFollower({
    intervalMs: limits.pollIntervalSeconds * 1000,
    current: () => slot.current?.version,
    async resolve() {
      try {
        const version = await source.resolve(options.ref);
        reported.delete('resolve');
        return version;
      } catch (error) {
        reportOnce('resolve', () =>
          io?.notify({
            level: 'warn',
            event: 'poll-failed',
            message: `Cannot read alias "${options.ref}" of ${source.model} (still serving ${slot.current?.version}): ${messageOf(error)}`,
            data: { model: source.model, alias: options.ref, error: errorData(error) },
          }),
        );
        throw error;
      }
    },
    async swapTo(version) {
      const from = slot.current?.version;
      try {
        await swapTo(version);
      } catch (error) {
        metrics.reloadResult('error');
        reportOnce(`load ${version}`, () =>
          io?.notify({
            level: 'warn',
            event: 'reload-failed',
            message: `Reload of ${source.model} ${version} failed; still serving ${from}: ${messageOf(error)}`,
            data: { model: source.model, version, current: from, error: errorData(error) },
          }),
        );
        throw error;
      }
      metrics.reloadResult('success');
      io?.notify(
        info('reloaded', `Reloaded ${source.model}: ${from} → ${version} (alias ${options.ref})`, {
          model: source.model,
          from,
          to: version,
          alias: options.ref,
        }),
      );
    },
  });

  const http = createHttpAdapter({
    router,
    slot,
    metrics,
    maxBodyBytes: limits.maxBodyBytes,
    draining: () => draining,
    onInternalError: (error) =>
      reportOnce(`internal ${messageOf(error)}`, () =>
        io?.notify({
          level: 'error',
          event: 'request-failed',
          message: `A request failed inside the server: ${messageOf(error)}`,
          data: { error: errorData(error) },
        }),
      ),
  });

  const status = (): AppStatus => {
    const model = slot.current;
    return {
      model: source.model,
      version: model?.version,
      backend: model?.predictor.backend,
      engine: model?.predictor.engine,
      ready: runtime.ready(),
      draining,
      requests: http.answered(),
    };
  };

  return {
    handler: http.handler,
    inject: http.inject,
    metrics,
    status,
    async start() {
      const version = await source.resolve(options.ref);
      await swapTo(version);
      if (!options.pinned && limits.pollIntervalSeconds > 0) follower.start();
      if (limits.driftWindow > 0) {
        driftTimer = setInterval(() => metrics.driftReport(), DRIFT_WARN_INTERVAL_MS);
        driftTimer.unref();
      }
      return status();
    },
    poll: () => follower.poll(),
    beginDrain() {
      draining = true;
      stopDriftTimer();
      void follower.stop();
    },
    async stop() {
      draining = true;
      // Closed first: no request acquires the model from now on, and a reload finishing meanwhile is
      // dropped; the model is freed once its in-flight requests are done.
      slot.close();
      stopDriftTimer();
      await follower.stop();
    },
  };
}

const errorData = (error: unknown) => ({
  message: messageOf(error),
  ...(MlopsError.is(error) ? { code: error.code } : {}),
});
