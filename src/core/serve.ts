import type { ServeConfig } from '../config/schema.js';
import { info, type IoHost } from '../kernel/io-host.js';
import { packageVersion } from '../kernel/package-root.js';
import { MlopsError } from '../kernel/errors.js';
import { createServingApp, type ServingApp } from '../serving/app.js';
import { ServingMetrics } from '../serving/metrics.js';
import type { BackendPreference } from '../ml/backend.js';
import { listen, type RunningServer, type StopSummary } from '../serving/server.js';
import { resolveWorkers } from '../serving/cpu-limit.js';
import { joinWorkerPool, type WorkerLink } from '../serving/worker-link.js';
import { poolWorkerRole, startWorkerPool } from '../serving/workers.js';

export { poolWorkerRole };
import type { ModelRegistry } from './registry.js';
import { registrySource } from './registry-source.js';

export interface ServeModelOptions {
  readonly registry: ModelRegistry;
  /** The `serve` section of the config (host, port, alias, batching and body limits, poll interval). */
  readonly serve: ServeConfig;
  /** Serve this version and never poll (`--version`); otherwise follow `serve.alias`. */
  readonly version?: string;
  readonly backend?: BackendPreference;
  readonly io: IoHost;
  /** See ListenOptions.drainDelayMs. */
  readonly drainDelayMs?: number;
}

export interface ServingHandle extends RunningServer {
  readonly app: ServingApp;
  readonly model: string;
  /** The version served at start (hot reload may move on: see app.status()). */
  readonly version: string;
}

/** What `serve` returns, with one process or several. */
export interface ServerHandle {
  readonly url: string;
  readonly model: string;
  /** The version served at start. */
  readonly version: string;
  readonly workers: number;
  stop(reason?: string): Promise<StopSummary>;
  readonly stopped: Promise<StopSummary>;
}

/**
 * `mlops serve` and the serving image: `serve.workers` processes. With one, serveModel in this process;
 * with more, this process is the primary of a worker pool: every worker re-runs this process's command,
 * and so reaches serveModel, and serves (see startWorkerPool). One `serving` and one `stopped` event
 * stand for the whole server.
 */
export async function serve(options: ServeModelOptions): Promise<ServerHandle> {
  const workers = poolWorkerRole() ? 1 : await resolveWorkers(options.serve.workers);
  if (workers === 1) return { ...(await serveModel(options)), workers: 1 };
  const { registry, serve: config, io } = options;
  const pool = await startWorkerPool(workers);
  const { ready } = pool;
  const pinned = options.version !== undefined;
  io.notify(
    info('serving', `${servingLine(options, ready, ready.url)} on ${workers} workers`, {
      url: ready.url,
      model: registry.model,
      version: ready.version,
      alias: pinned ? null : config.alias,
      backend: ready.backend,
      engine: ready.engine,
      pid: process.pid,
      workers,
    }),
  );
  void pool.stopped.then(notifyStopped(io));
  return {
    url: ready.url,
    model: registry.model,
    version: ready.version,
    workers,
    stop: pool.stop,
    stopped: pool.stopped,
  };
}

/**
 * One server process: listens first (so /health answers and /ready says 503 while the
 * model loads), loads and warms up the model, then follows the alias. One event per start, reload and
 * stop goes to the IoHost. A model that cannot be loaded at start is an error (the server is closed).
 */
export async function serveModel(options: ServeModelOptions): Promise<ServingHandle> {
  const { registry, serve, io } = options;
  const pinned = options.version !== undefined;
  const ref = options.version ?? serve.alias;
  // In a pool worker: the primary hears of start and stop instead of the IoHost, /metrics answers for
  // the whole pool, and each answer names the worker (x-mlops-worker: its pid).
  const metrics = new ServingMetrics();
  // A drain request that comes while the model loads is kept, and acted on once the worker serves.
  let drainRequested: string | undefined;
  let onDrain = (reason: string) => void (drainRequested ??= reason);
  const role = poolWorkerRole();
  const link: WorkerLink | undefined = role
    ? joinWorkerPool(metrics, (reason) => onDrain(reason))
    : undefined;
  const app = createServingApp({
    metrics,
    source: registrySource(registry, { backend: options.backend }),
    ref,
    pinned,
    limits: serve,
    io,
    server: { name: 'mlops', version: packageVersion() },
  });
  const workerId = String(process.pid);
  const served: ServingApp = link
    ? {
        ...app,
        handler: (req, res) => {
          res.setHeader('x-mlops-worker', workerId);
          app.handler(req, res);
        },
      }
    : app;
  const listening = () =>
    listen(served, { host: serve.host, port: serve.port, drainDelayMs: options.drainDelayMs });
  let running: RunningServer | undefined;
  let status;
  try {
    if (role !== 'replacement') running = await listening();
    status = await app.start();
    running ??= await listening();
  } catch (error) {
    if (running) await running.stop('failed to load the model');
    else await app.stop();
    await link?.failed({
      message: error instanceof Error ? error.message : String(error),
      ...(MlopsError.is(error) ? { code: error.code, hint: error.hint } : {}),
    });
    throw error;
  }
  const version = status.version as string;
  const ready = {
    url: running.url,
    version,
    backend: status.backend,
    engine: status.engine,
    pid: process.pid,
  };
  if (link) {
    // Stopped once the primary has the summary: the worker process may end then.
    const stopped = running.stopped.then(async (summary) => {
      await link.stopped(summary);
      return summary;
    });
    const stop = (reason?: string) => running.stop(reason).then(() => stopped);
    onDrain = (reason) => void stop(reason);
    link.ready(ready);
    if (drainRequested !== undefined) void stop(drainRequested);
    return { ...running, stop, stopped, app, model: registry.model, version };
  }
  io.notify(
    info('serving', servingLine(options, ready, running.url), {
      url: running.url,
      model: registry.model,
      version,
      alias: pinned ? null : serve.alias,
      backend: status.backend,
      engine: status.engine,
      pid: process.pid,
      workers: 1,
    }),
  );
  void running.stopped.then(notifyStopped(io));
  const stop = (reason = 'stop'): Promise<StopSummary> => running.stop(reason);
  return { ...running, stop, app, model: registry.model, version };
}

function servingLine(
  options: ServeModelOptions,
  ready: { readonly version: string; readonly backend?: string; readonly engine?: string },
  url: string,
): string {
  const { serve, registry } = options;
  const following =
    options.version !== undefined
      ? `pinned, no reload`
      : `alias ${serve.alias}, checked every ${serve.pollIntervalSeconds}s`;
  const engine = ready.engine === 'dense-js' ? 'plain-JS dense layers' : `tfjs ${ready.backend}`;
  return `Serving ${registry.model} ${ready.version} on ${url} (${following}; ${engine}; batches of up to ${serve.maxBatchSize} rows / ${serve.maxBatchWaitMs} ms)`;
}

const notifyStopped = (io: IoHost) => (summary: StopSummary) =>
  io.notify(
    info(
      'stopped',
      `Stopped (${summary.reason}): ${summary.drained} request${summary.drained === 1 ? '' : 's'} answered while draining, ${summary.requests} in total`,
      summary,
    ),
  );
