import type { Prediction, Predictor } from '../ml/predictor.js';
import { MicroBatcher, type BatcherOptions, type Row } from './batcher.js';
import { DriftWindow } from './drift-window.js';
import type { LoadedModel } from './model-source.js';

/**
 * One loaded model version with its own batch queue. Which version is current, and who still holds a
 * swapped-out one, is the ModelSlot's business (model-slot.ts).
 */
export class ServedModel {
  readonly version: string;
  readonly predictor: Predictor;
  readonly batcher: MicroBatcher<Prediction>;
  /** The recent rows against the training baseline; undefined without a baseline or with drift off. */
  readonly drift: DriftWindow | undefined;
  readonly hasBaseline: boolean;
  private disposed = false;

  constructor(
    readonly name: string,
    loaded: LoadedModel,
    batching: BatcherOptions,
    /** Sees every batch's predictions (ml_predictions_total), once per batch rather than per request. */
    onPredictions?: (predictions: readonly Prediction[]) => void,
    /** Rows of the drift window (serve.driftWindow); 0 turns drift tracking off. */
    driftWindow = 0,
  ) {
    this.version = loaded.version;
    this.predictor = loaded.predictor;
    this.hasBaseline = loaded.baseline !== undefined;
    const drift =
      loaded.baseline !== undefined && driftWindow > 0
        ? new DriftWindow(loaded.version, loaded.baseline, driftWindow)
        : undefined;
    this.drift = drift;
    this.batcher = new MicroBatcher((rows) => {
      const predictions = this.predictor.predict(rows);
      onPredictions?.(predictions);
      drift?.record(rows, predictions);
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

  /** Micro-batched prediction of rows the serving input layer has checked. */
  predict(rows: readonly Row[]): Promise<Prediction[]> {
    return this.batcher.submit(rows);
  }

  /**
   * The hot path of the row protocols: predicts and encodes the answer with one promise per request
   * (an encoding error rejects it).
   */
  predictThen<T>(rows: readonly Row[], encode: (predictions: Prediction[]) => T): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.batcher.enqueue(rows, (error, predictions) => {
        if (predictions === undefined) reject(error);
        else {
          try {
            resolve(encode(predictions));
          } catch (encodeError) {
            reject(encodeError);
          }
        }
      }),
    );
  }

  /** Frees the weights; idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.predictor.dispose();
  }
}
