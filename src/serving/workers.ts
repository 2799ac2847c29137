import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { MlopsError } from '../kernel/errors.js';
import type { MessageCode } from '../kernel/messages.js';
import { registerDriftMetrics } from './drift-metrics.js';
import { driftReport, mergeDrift, type DriftCounts } from './drift-window.js';
import { PoolMetrics } from './metrics.js';
import type { StopSummary } from './server.js';

/** What a worker tells the primary once its model is loaded and it listens. */
export interface WorkerReady {
  readonly url: string;
  readonly version: string;
  readonly backend: string | undefined;
  readonly engine: string | undefined;
  readonly pid: number;
}

/** A worker's start failure, as much of the error as crosses a process boundary. */
export interface WorkerFailure {
  readonly message: string;
  readonly code?: string;
  readonly hint?: string;
}

/** Worker → primary. */
export type FromWorker =
  | { readonly mlops: 'ready'; readonly ready: WorkerReady }
  | { readonly mlops: 'failed'; readonly error: WorkerFailure }
  | { readonly mlops: 'stopped'; readonly summary: StopSummary }
  | { readonly mlops: 'metrics?'; readonly id: number }
  | {
      readonly mlops: 'gathered';
      readonly id: number;
      readonly metrics: unknown[];
      /** The worker's drift window: the primary adds up the bins of all workers (see mergeDrift). */
      readonly drift?: DriftCounts;
    };

/** Primary → worker. */
export type ToWorker =
  | { readonly mlops: 'drain'; readonly reason: string }
  | { readonly mlops: 'gather'; readonly id: number }
  | { readonly mlops: 'metrics'; readonly id: number; readonly text?: string; readonly error?: string };

/**
 * How a pool worker starts. The first ones listen at once (/health answers while every model loads, as
 * with one process); a replacement listens only once its model is loaded, since the primary hands
 * connections to every listening worker, and one still loading would answer them 503.
 */
export type WorkerRole = 'first' | 'replacement';

/** Marks a process forked by the pool (so that a cluster worker of some other manager is not one). */
const WORKER_ENV = 'MLOPS_SERVE_WORKER';

/** This process's role in a pool, or undefined when it is not a pool worker. */
export function poolWorkerRole(): WorkerRole | undefined {
  const role = cluster.isWorker ? process.env[WORKER_ENV] : undefined;
  return role === 'first' || role === 'replacement' ? role : undefined;
}

export interface WorkerPool {
  /** The first worker's start report; `workers` how many serve. */
  readonly ready: WorkerReady;
  readonly workers: number;
  /** Tells every worker to drain, waits for all of them; the summaries summed. Idempotent. */
  stop(reason?: string): Promise<StopSummary>;
  readonly stopped: Promise<StopSummary>;
}

const GATHER_TIMEOUT_MS = 5000;
/** Replacement delay after an unexpected exit: doubles per recent crash, so a crash loop does not spin. */
const restartDelayMs = (recentCrashes: number) => Math.min(5000, 100 * 2 ** recentCrashes);
const CRASH_WINDOW_MS = 60_000;

/**
 * The primary of `serve.workers` > 1: forks the workers (each re-runs this process's command, so each
 * loads, verifies and hot-reloads the model itself and shares the listening port through node:cluster),
 * replaces a worker that dies, answers the workers' /metrics with the whole server's metrics, and drains
 * them all on stop. It loads no model. Resolves once every worker serves; rejects (with the workers
 * stopped) when one fails to start.
 */
export async function startWorkerPool(count: number): Promise<WorkerPool> {
  const metrics = new PoolMetrics();
  const summaries: StopSummary[] = [];
  const gathers = new Map<
    number,
    { pending: Set<Worker>; got: unknown[]; drift: DriftCounts[]; done: () => void }
  >();
  const crashes: number[] = [];
  let gatherIds = 0;
  let stopping: Promise<StopSummary> | undefined;
  let stopReason = 'stop';
  let started = false;
  let settleStart!: (outcome: WorkerReady | Error) => void;
  const startOutcome = new Promise<WorkerReady | Error>((resolve) => (settleStart = resolve));
  const readies: WorkerReady[] = [];

  const gather = async (): Promise<string> => {
    const id = gatherIds++;
    const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
    const got: unknown[] = [await metrics.registry.getMetricsAsJSON()];
    const drift: DriftCounts[] = [];
    await new Promise<void>((resolve) => {
      const pending = new Set(live);
      const timer = setTimeout(done, GATHER_TIMEOUT_MS);
      function done() {
        clearTimeout(timer);
        gathers.delete(id);
        resolve();
      }
      gathers.set(id, { pending, got, drift, done });
      for (const w of live) send(w, { mlops: 'gather', id });
      if (pending.size === 0) done();
    });
    const all = AggregatorRegistry.aggregate(got as Parameters<typeof AggregatorRegistry.aggregate>[0]);
    // The workers' drift gauges are omitted by the aggregation: PSI of the pool's merged window instead.
    const report = driftReport(mergeDrift(drift));
    registerDriftMetrics(all, () => report);
    return all.metrics();
  };

  const forget = (worker: Worker) => {
    for (const g of gathers.values()) if (g.pending.delete(worker) && g.pending.size === 0) g.done();
  };

  const fork = (role: WorkerRole): void => {
    const worker = cluster.fork({ [WORKER_ENV]: role });
    worker.on('message', (message: FromWorker) => {
      switch (message.mlops) {
        case 'ready':
          if (!started && readies.push(message.ready) === count) settleStart(readies[0] as WorkerReady);
          // A replacement that comes up while the pool stops drains at once.
          if (stopping) send(worker, { mlops: 'drain', reason: stopReason });
          break;
        case 'failed':
          if (!started) settleStart(workerError(message.error));
          break;
        case 'stopped':
          summaries.push(message.summary);
          break;
        case 'metrics?':
          gather().then(
            (text) => send(worker, { mlops: 'metrics', id: message.id, text }),
            (error: Error) => send(worker, { mlops: 'metrics', id: message.id, error: error.message }),
          );
          break;
        case 'gathered': {
          const g = gathers.get(message.id);
          if (g?.pending.delete(worker)) {
            g.got.push(message.metrics);
            if (message.drift) g.drift.push(message.drift);
            if (g.pending.size === 0) g.done();
          }
          break;
        }
      }
    });
    worker.once('exit', (code, signal) => {
      forget(worker);
      if (stopping) return;
      if (!started) {
        settleStart(
          new Error(`A serving worker exited before it served (${signal ?? `exit code ${code}`}).`),
        );
        return;
      }
      metrics.workerRestarts.inc();
      const now = Date.now();
      crashes.push(now);
      while ((crashes[0] as number) < now - CRASH_WINDOW_MS) crashes.shift();
      setTimeout(
        () => {
          if (!stopping) fork('replacement');
        },
        restartDelayMs(crashes.length - 1),
      );
    });
  };

  const allExited = (): Promise<void> =>
    new Promise((resolve) => {
      const check = () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) {
          cluster.off('exit', check);
          resolve();
        }
      };
      cluster.on('exit', check);
      check();
    });

  const stop = (reason = 'stop'): Promise<StopSummary> => {
    stopReason = reason;
    stopping ??= (async () => {
      for (const w of Object.values(cluster.workers ?? {})) if (w) send(w, { mlops: 'drain', reason });
      await allExited();
      return {
        reason,
        drained: summaries.reduce((n, s) => n + s.drained, 0),
        requests: summaries.reduce((n, s) => n + s.requests, 0),
      };
    })();
    return stopping;
  };

  for (let i = 0; i < count; i += 1) fork('first');
  const outcome = await startOutcome;
  if (outcome instanceof Error) {
    await stop('a worker failed to start');
    throw outcome;
  }
  started = true;
  // `stopped` settles on a stop request only: workers that die are replaced, never the end of the pool.
  let resolveStopped!: (summary: StopSummary) => void;
  const stopped = new Promise<StopSummary>((resolve) => (resolveStopped = resolve));
  return {
    ready: outcome,
    workers: count,
    stopped,
    stop: (reason) => stop(reason).then((summary) => (resolveStopped(summary), summary)),
  };
}

function send(worker: Worker, message: ToWorker): void {
  // A worker that is exiting has no channel any more; what it misses no longer concerns it.
  if (worker.isConnected()) worker.send(message, () => undefined);
}

function workerError(error: WorkerFailure): Error {
  if (error.code && error.hint) {
    return new MlopsError(error.message, { code: error.code as MessageCode, hint: error.hint });
  }
  return new Error(error.message);
}
