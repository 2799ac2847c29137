import { performance } from 'node:perf_hooks';

export type Row = readonly number[];

export interface BatcherOptions {
  /** Rows per tensor call at most; a single larger request runs alone, unsplit. */
  readonly maxBatchSize: number;
  /** How long the oldest queued request may wait for companions. */
  readonly maxBatchWaitMs: number;
  /** Called with the row count of every tensor call (the `ml_batch_size` histogram). */
  readonly onBatch?: (rows: number) => void;
}

/** Called once per request: with the request's results, or with the error of its model call. */
export type BatchCallback<R> = (error: unknown, results: R[] | undefined) => void;

interface Pending<R> {
  readonly rows: readonly Row[];
  readonly done: BatchCallback<R>;
}

/**
 * Dynamic micro-batching: concurrent requests are coalesced into one call of `run` (one tensor call).
 *
 * A batch closes at the earliest of: `maxBatchSize` rows queued; `maxBatchWaitMs` since its first
 * request; or an event-loop turn in which no new request joined. The last rule is what makes it fast:
 * requests that arrive together (read in the same I/O phase) share a call, and when nothing else is
 * arriving the batch runs at once instead of idling for the timer, so a lone request pays no wait.
 * Checks run in setImmediate, i.e. after node has read every socket that was ready.
 */
export class MicroBatcher<R> {
  private queue: Pending<R>[] = [];
  private queuedRows = 0;
  private firstAt = 0;
  private seen = 0;
  private scheduled = false;

  constructor(
    private readonly run: (rows: readonly Row[]) => R[],
    private readonly options: BatcherOptions,
  ) {}

  /** Requests waiting for their batch. */
  get pending(): number {
    return this.queue.length;
  }

  submit(rows: readonly Row[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) =>
      this.enqueue(rows, (error, results) => (results === undefined ? reject(error) : resolve(results))),
    );
  }

  /** `submit` without a promise of its own: the request path wraps the answer in just one. */
  enqueue(rows: readonly Row[], done: BatchCallback<R>): void {
    if (this.queuedRows > 0 && this.queuedRows + rows.length > this.options.maxBatchSize) this.flush();
    if (this.queue.length === 0) this.firstAt = performance.now();
    this.queue.push({ rows, done });
    this.queuedRows += rows.length;
    if (this.queuedRows >= this.options.maxBatchSize) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      this.seen = this.queue.length;
      setImmediate(this.check);
    }
  }

  private readonly check = (): void => {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const grew = this.queue.length !== this.seen;
    if (
      !grew ||
      this.options.maxBatchWaitMs <= 0 ||
      performance.now() - this.firstAt >= this.options.maxBatchWaitMs
    ) {
      this.flush();
      return;
    }
    this.seen = this.queue.length;
    this.scheduled = true;
    setImmediate(this.check);
  };

  /** Runs everything queued now, as one call. */
  flush(): void {
    const batch = this.queue;
    const total = this.queuedRows;
    if (batch.length === 0) return;
    this.queue = [];
    this.queuedRows = 0;
    let rows: readonly Row[];
    if (batch.length === 1) {
      rows = (batch[0] as Pending<R>).rows;
    } else {
      const all = new Array<Row>(total);
      let k = 0;
      for (const p of batch) for (const row of p.rows) all[k++] = row;
      rows = all;
    }
    let results: R[];
    try {
      results = this.run(rows);
      this.options.onBatch?.(total);
    } catch (error) {
      if (batch.length === 1) (batch[0] as Pending<R>).done(error, undefined);
      // One request's failure must not fail its neighbours: retry each alone.
      else for (const p of batch) this.runAlone(p);
      return;
    }
    let offset = 0;
    for (const p of batch) {
      const n = p.rows.length;
      p.done(undefined, batch.length === 1 ? results : results.slice(offset, offset + n));
      offset += n;
    }
  }

  private runAlone(p: Pending<R>): void {
    let results: R[];
    try {
      results = this.run(p.rows);
      this.options.onBatch?.(p.rows.length);
    } catch (error) {
      p.done(error, undefined);
      return;
    }
    p.done(undefined, results);
  }
}
