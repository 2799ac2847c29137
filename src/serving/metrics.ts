import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Request latency buckets: sub-millisecond answers of a batched small model up to slow big batches. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Rows per tensor call: powers of two up to far beyond the default maximum (large single requests). */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384];

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;

/**
 * The serving metrics of DESIGN.md §5 (names and labels are a contract: dashboards and alerts use them),
 * on a registry of their own so that several apps in one process (tests, quickstart) do not collide.
 * Label children are cached: the request path does no label validation after the first request.
 */
export class ServingMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'ml_requests_total',
    help: 'HTTP requests by route pattern and status code.',
    labelNames: ['endpoint', 'status'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'ml_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by route pattern.',
    labelNames: ['endpoint'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly predictions = new Counter({
    name: 'ml_predictions_total',
    help: 'Predicted rows by predicted class (regression models count under class="value").',
    labelNames: ['class'] as const,
    registers: [this.registry],
  });
  readonly modelInfo = new Gauge({
    name: 'ml_model_info',
    help: 'The model version being served (1 for the current one).',
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'ml_batch_size',
    help: 'Rows per model call after micro-batching.',
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  readonly reloads = new Counter({
    name: 'ml_model_reloads_total',
    help: 'Hot reloads of a new model version by result (success, error).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly requestChildren = new Map<string, CounterChild>();
  private readonly durationChildren = new Map<string, HistogramChild>();
  private readonly classChildren = new Map<string, CounterChild>();
  private served: { model: string; version: string } | undefined;

  constructor(options: { readonly defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    // Both results exist from the start, so that rate() and alerts see 0 rather than no series.
    this.reloads.inc({ result: 'success' }, 0);
    this.reloads.inc({ result: 'error' }, 0);
  }

  observeRequest(endpoint: string, status: number, seconds: number): void {
    const key = `${endpoint} ${status}`;
    let counter = this.requestChildren.get(key);
    if (counter === undefined) {
      counter = this.requests.labels(endpoint, String(status));
      this.requestChildren.set(key, counter);
    }
    counter.inc();
    let histogram = this.durationChildren.get(endpoint);
    if (histogram === undefined) {
      histogram = this.duration.labels(endpoint);
      this.durationChildren.set(endpoint, histogram);
    }
    histogram.observe(seconds);
  }

  countPrediction(label: string): void {
    let child = this.classChildren.get(label);
    if (child === undefined) {
      child = this.predictions.labels(label);
      this.classChildren.set(label, child);
    }
    child.inc();
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

  reloadResult(result: 'success' | 'error'): void {
    this.reloads.inc({ result });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
