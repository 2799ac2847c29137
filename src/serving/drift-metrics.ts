import type { Metric } from 'prom-client';
import type { DriftReport } from './drift-window.js';

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/**
 * The drift gauges of DESIGN.md §5, computed when scraped from `report` (one PSI per feature and one
 * for the predictions: O(features × bins)). No series while the window is empty or the model has no
 * baseline. Objects of the shape prom-client's registry reads (name, help, type, get), like
 * FastHistogram. Their aggregator is `omit`: a pool's primary must not add up the workers' PSI values
 * (nor average them: PSI is not linear in the counts), it merges the workers' bin counts and computes
 * them again (see workers.ts).
 */
export function registerDriftMetrics(
  registry: { registerMetric(metric: Metric): void },
  report: () => DriftReport | undefined,
): void {
  const gauge = (name: string, help: string, samples: (r: DriftReport) => readonly Sample[]) => {
    const get = () => {
      const r = report();
      const values = r === undefined ? [] : samples(r);
      return { name, help, type: 'gauge', aggregator: 'omit', values };
    };
    registry.registerMetric({ name, help, type: 'gauge', aggregator: 'omit', get } as unknown as Metric);
  };
  gauge(
    'ml_feature_drift',
    'Population stability index of each feature over the recent window against the training baseline.',
    (r) => r.features.map((f) => ({ labels: { feature: f.name }, value: f.psi })),
  );
  gauge(
    'ml_prediction_drift',
    'Population stability index of the predicted classes (or value deciles) against the validation split.',
    (r) => [{ labels: {}, value: r.predictions }],
  );
  gauge(
    'ml_drift_window_rows',
    'Rows in the drift window (the recent requests PSI is computed over).',
    (r) => [{ labels: {}, value: r.rows }],
  );
}
