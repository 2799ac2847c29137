import type { Prediction, Predictor } from '../ml/predictor.js';
import { MicroBatcher, type BatcherOptions, type Row } from './batcher.js';
import type { LoadedModel } from './model-source.js';

/**
 * One loaded model version with its own batch queue. Requests acquire it when they start predicting
 * and release it when answered; a version swapped out (retired) is disposed only when the last of its
 * requests is done, so in-flight requests always finish on the model they started with.
 */
export class ServedModel {
  readonly version: string;
  readonly predictor: Predictor;
  readonly batcher: MicroBatcher<Prediction>;
  private refs = 0;
  private retired = false;
  private disposed = false;

  constructor(
    readonly name: string,
    loaded: LoadedModel,
    batching: BatcherOptions,
    /** Sees every batch's predictions (ml_predictions_total), once per batch rather than per request. */
    onPredictions?: (predictions: readonly Prediction[]) => void,
  ) {
    this.version = loaded.version;
    this.predictor = loaded.predictor;
    this.batcher = new MicroBatcher((rows) => {
      const predictions = this.predictor.predict(rows);
      onPredictions?.(predictions);
      return predictions;
    }, batching);
  }

  get features(): readonly string[] {
    return this.predictor.features;
  }

  /** Runs single rows and a full batch once, so that the first real request does not pay tfjs' warm-up. */
  warmUp(maxBatchSize: number): void {
    const zero: Row = new Array<number>(this.features.length).fill(0);
    this.predictor.predict([zero]);
    this.predictor.predict(new Array<Row>(Math.min(maxBatchSize, 1024)).fill(zero));
  }

  predict(rows: readonly Row[]): Promise<Prediction[]> {
    return this.batcher.submit(rows);
  }

  acquire(): this {
    this.refs += 1;
    return this;
  }

  release(): void {
    this.refs -= 1;
    if (this.refs === 0 && this.retired) this.dispose();
  }

  /** No new requests will come; dispose once the in-flight ones are done. */
  retire(): void {
    this.retired = true;
    if (this.refs === 0) this.dispose();
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.predictor.dispose();
  }
}
