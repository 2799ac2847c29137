import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { registerDriftMetrics } from './drift-metrics.js';
import { driftReport, type DriftCounts, type DriftReport } from './drift-window.js';

/** Request latency buckets: sub-millisecond answers of a batched small model up to slow big batches. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Rows per tensor call: powers of two up to far beyond the default maximum (large single requests). */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384];

interface PendingCount {
  readonly labels: Record<string, string>;
  delta: number;
}

/**
 * The serving metrics of DESIGN.md §5 (names and labels are a contract: dashboards and alerts use them),
 * on a registry of their own so that several apps in one process (tests, quickstart) do not collide.
 *
 * The per-request metrics are the hot path (a prom-client inc/observe costs about 0.8 µs: label
 * hashing and validation), so requests only bump plain numbers here; the counters take the deltas when
 * scraped (prom-client's `collect` hook) and the duration histogram renders its own buckets.
 */
export class ServingMetrics {
  readonly registry = new Registry();
  private readonly pendingRequests = new Map<string, PendingCount>();
  private readonly pendingClasses = new Map<string, PendingCount>();
  readonly requests: Counter<'endpoint' | 'status'>;
  readonly duration: FastHistogram;
  readonly predictions: Counter<'class'>;
  readonly modelInfo: Gauge<'model' | 'version'>;
  readonly batchSize: Histogram;
  readonly reloads: Counter<'result'>;
  private served: { model: string; version: string } | undefined;
  private renderer: (() => Promise<string>) | undefined;
  private drift: { counts: () => DriftCounts | undefined; seen?: (report: DriftReport) => void } | undefined;

  constructor(options: { readonly defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const pendingRequests = this.pendingRequests;
    const pendingClasses = this.pendingClasses;
    this.requests = new Counter({
      name: 'ml_requests_total',
      help: 'HTTP requests by route pattern and status code.',
      labelNames: ['endpoint', 'status'] as const,
      registers,
      collect() {
        drain(pendingRequests, this);
      },
    });
    this.duration = new FastHistogram(
      'ml_request_duration_seconds',
      'Time from receiving a request to sending its answer, by route pattern.',
      'endpoint',
      DURATION_BUCKETS,
    );
    // A metric object of prom-client's shape (name, help, type, get); see FastHistogram.
    this.registry.registerMetric(this.duration as unknown as Metric);
    this.predictions = new Counter({
      name: 'ml_predictions_total',
      help: 'Predicted rows by predicted class (regression models count under class="value").',
      labelNames: ['class'] as const,
      registers,
      collect() {
        drain(pendingClasses, this);
      },
    });
    this.modelInfo = new Gauge({
      name: 'ml_model_info',
      help: 'The model version being served (1 for the current one).',
      labelNames: ['model', 'version'] as const,
      registers,
      // Across workers: 1 per version some worker serves (mid-swap both), never the count of workers.
      aggregator: 'max',
    });
    this.batchSize = new Histogram({
      name: 'ml_batch_size',
      help: 'Rows per model call after micro-batching.',
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.reloads = new Counter({
      name: 'ml_model_reloads_total',
      help: 'Hot reloads of a new model version by result (success, error).',
      labelNames: ['result'] as const,
      registers,
    });
    registerDriftMetrics(this.registry, () => this.driftReport());
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    // Both results exist from the start, so that rate() and alerts see 0 rather than no series.
    this.reloads.inc({ result: 'success' }, 0);
    this.reloads.inc({ result: 'error' }, 0);
  }

  observeRequest(endpoint: string, status: number, seconds: number): void {
    const key = `${status}${endpoint}`;
    const pending = this.pendingRequests.get(key);
    if (pending) pending.delta += 1;
    else this.pendingRequests.set(key, { labels: { endpoint, status: String(status) }, delta: 1 });
    this.duration.observe(endpoint, seconds);
  }

  countPrediction(label: string): void {
    const pending = this.pendingClasses.get(label);
    if (pending) pending.delta += 1;
    else this.pendingClasses.set(label, { labels: { class: label }, delta: 1 });
  }

  observeBatch(rows: number): void {
    this.batchSize.observe(rows);
  }

  /** Points ml_model_info at the served version (the previous series is removed, not left at 1). */
  setModel(model: string, version: string): void {
    if (this.served) this.modelInfo.remove(this.served.model, this.served.version);
    this.modelInfo.set({ model, version }, 1);
    this.served = { model, version };
  }

  /**
   * Where the drift gauges read the current window (the served model's), and who sees every report
   * computed from it (the serve log's warning).
   */
  trackDrift(counts: () => DriftCounts | undefined, seen?: (report: DriftReport) => void): void {
    this.drift = { counts, seen };
  }

  /** The current window's counts (what a pool worker sends the primary). */
  driftCounts(): DriftCounts | undefined {
    return this.drift?.counts();
  }

  /** PSI of the current window now; undefined while it is empty or the model has no baseline. */
  driftReport(): DriftReport | undefined {
    const report = driftReport(this.driftCounts());
    if (report !== undefined) this.drift?.seen?.(report);
    return report;
  }

  reloadResult(result: 'success' | 'error'): void {
    this.reloads.inc({ result });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** What /metrics answers: this registry, or (in a worker) the whole server's, gathered elsewhere. */
  render(): Promise<string> {
    return this.renderer ? this.renderer() : this.registry.metrics();
  }

  /** Answers /metrics with `render` instead of this registry (a worker asks the primary). */
  renderWith(render: () => Promise<string>): void {
    this.renderer = render;
  }
}

/** The primary's own metrics when several workers serve (DESIGN.md §5). */
export class PoolMetrics {
  readonly registry = new Registry();
  readonly workerRestarts = new Counter({
    name: 'ml_worker_restarts_total',
    help: 'Workers replaced after they ended unexpectedly.',
    registers: [this.registry],
  });
}

function drain<T extends string>(pending: Map<string, PendingCount>, counter: Counter<T>): void {
  for (const entry of pending.values()) {
    if (entry.delta === 0) continue;
    counter.inc(entry.labels as Partial<Record<T, string>>, entry.delta);
    entry.delta = 0;
  }
}

interface Series {
  /** Per bucket, not cumulative; the last slot is above the largest bound (+Inf). */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram with one label, observed with plain arithmetic and rendered through prom-client's
 * registry (it has the shape the registry reads: name, help, type, get, reset). Output is the same as a
 * prom-client Histogram's: cumulative `_bucket{le}`, `_sum`, `_count`.
 */
export class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly label: string,
    private readonly buckets: readonly number[],
  ) {}

  observe(labelValue: string, value: number): void {
    let series = this.series.get(labelValue);
    if (series === undefined) {
      series = { counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      this.series.set(labelValue, series);
    }
    let i = 0;
    while (i < this.buckets.length && value > (this.buckets[i] as number)) i += 1;
    (series.counts as Float64Array)[i] = ((series.counts as Float64Array)[i] as number) + 1;
    series.sum += value;
    series.count += 1;
  }

  get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const [labelValue, series] of this.series) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += series.counts[i] as number;
        values.push({
          labels: { le: bound, [this.label]: labelValue },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      });
      values.push({
        labels: { le: '+Inf', [this.label]: labelValue },
        value: series.count,
        metricName: `${this.name}_bucket`,
      });
      values.push({
        labels: { [this.label]: labelValue },
        value: series.sum,
        metricName: `${this.name}_sum`,
      });
      values.push({
        labels: { [this.label]: labelValue },
        value: series.count,
        metricName: `${this.name}_count`,
      });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.series.clear();
  }
}
