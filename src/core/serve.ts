import type { ServeConfig } from '../config/schema.js';
import { info, type IoHost } from '../kernel/io-host.js';
import { packageVersion } from '../kernel/package-root.js';
import { createServingApp, type ServingApp } from '../serving/app.js';
import type { BackendPreference } from '../ml/backend.js';
import { listen, type RunningServer, type StopSummary } from '../serving/server.js';
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

/**
 * `mlops serve` and the serving image: listens first (so /health answers and /ready says 503 while the
 * model loads), loads and warms up the model, then follows the alias. One event per start, reload and
 * stop goes to the IoHost. A model that cannot be loaded at start is an error (the server is closed).
 */
export async function serveModel(options: ServeModelOptions): Promise<ServingHandle> {
  const { registry, serve, io } = options;
  const pinned = options.version !== undefined;
  const ref = options.version ?? serve.alias;
  const app = createServingApp({
    source: registrySource(registry, { backend: options.backend }),
    ref,
    pinned,
    limits: serve,
    io,
    server: { name: 'mlops', version: packageVersion() },
  });
  const running = await listen(app, {
    host: serve.host,
    port: serve.port,
    drainDelayMs: options.drainDelayMs,
  });
  let status;
  try {
    status = await app.start();
  } catch (error) {
    await running.stop('failed to load the model');
    throw error;
  }
  const version = status.version as string;
  const following = pinned
    ? `pinned, no reload`
    : `alias ${serve.alias}, checked every ${serve.pollIntervalSeconds}s`;
  io.notify(
    info(
      'serving',
      `Serving ${registry.model} ${version} on ${running.url} (${following}; ${status.engine === 'dense-js' ? 'plain-JS dense layers' : `tfjs ${status.backend}`}; batches of up to ${serve.maxBatchSize} rows / ${serve.maxBatchWaitMs} ms)`,
      {
        url: running.url,
        model: registry.model,
        version,
        alias: pinned ? null : serve.alias,
        backend: status.backend,
        engine: status.engine,
        pid: process.pid,
      },
    ),
  );

  const stop = async (reason = 'stop'): Promise<StopSummary> => {
    const summary = await running.stop(reason);
    return summary;
  };
  void running.stopped.then((summary) =>
    io.notify(
      info(
        'stopped',
        `Stopped (${summary.reason}): ${summary.drained} request${summary.drained === 1 ? '' : 's'} answered while draining, ${summary.requests} in total`,
        summary,
      ),
    ),
  );
  return { ...running, stop, app, model: registry.model, version };
}
