import cluster from 'node:cluster';
import type { ServingMetrics } from './metrics.js';
import type { StopSummary } from './server.js';
import type { FromWorker, ToWorker, WorkerFailure, WorkerReady } from './workers.js';

const METRICS_TIMEOUT_MS = 10_000;

/** A worker's side of the pool: what it reports to the primary. */
export interface WorkerLink {
  ready(ready: WorkerReady): void;
  /** Reports a start failure and leaves the pool. */
  failed(error: WorkerFailure): Promise<void>;
  /** Reports the stop summary and leaves the pool (the process may end then). */
  stopped(summary: StopSummary): Promise<void>;
}

/**
 * Joins the pool of startWorkerPool from a worker: /metrics answers the whole server's metrics (asked of
 * the primary, which gathers them from every worker), and a drain request from the primary calls `drain`.
 */
export function joinWorkerPool(metrics: ServingMetrics, drain: (reason: string) => void): WorkerLink {
  const asked = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  let ids = 0;
  const send = (message: FromWorker): Promise<void> =>
    new Promise((resolve) => {
      if (process.connected && process.send) process.send(message, undefined, {}, () => resolve());
      else resolve();
    });

  const onMessage = (message: ToWorker) => {
    switch (message.mlops) {
      case 'drain':
        drain(message.reason);
        break;
      case 'gather':
        void metrics.registry
          .getMetricsAsJSON()
          .then((json) =>
            send({ mlops: 'gathered', id: message.id, metrics: json, drift: metrics.driftCounts() }),
          );
        break;
      case 'metrics': {
        const pending = asked.get(message.id);
        asked.delete(message.id);
        if (message.text !== undefined) pending?.resolve(message.text);
        else pending?.reject(new Error(`metrics of the other workers: ${message.error ?? 'no answer'}`));
        break;
      }
    }
  };
  process.on('message', onMessage);

  metrics.renderWith(
    () =>
      new Promise<string>((resolve, reject) => {
        const id = ids++;
        const timer = setTimeout(() => {
          asked.delete(id);
          reject(new Error('the primary process did not answer for the metrics of every worker'));
        }, METRICS_TIMEOUT_MS);
        asked.set(id, {
          resolve: (text) => (clearTimeout(timer), resolve(text)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        });
        void send({ mlops: 'metrics?', id });
      }),
  );

  // The last word: the channel to the primary closes after it (a cluster worker cannot end while it is
  // open), so that the process ends as a single server's would, once its work is done.
  const leave = async (message: FromWorker) => {
    await send(message);
    process.off('message', onMessage);
    cluster.worker?.disconnect();
  };
  return {
    ready: (ready) => void send({ mlops: 'ready', ready }),
    failed: (error) => leave({ mlops: 'failed', error }),
    stopped: (summary) => leave({ mlops: 'stopped', summary }),
  };
}
