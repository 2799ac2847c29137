import type { Prediction } from '../ml/predictor.js';
import type { Row } from './batcher.js';
import type { ServingMetrics } from './metrics.js';
import type { Method } from './router.js';
import type { ServedModel } from './served-model.js';

export const JSON_TYPE = 'application/json';

/** What a route answers; the app adds Content-Length (and Connection: close while draining). */
export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export const json = (status: number, value: unknown, headers?: Readonly<Record<string, string>>): Reply => ({
  status,
  body: JSON.stringify(value),
  headers,
});

export interface RouteCall {
  readonly params: Readonly<Record<string, string>>;
  /** The raw body of a `body` route, already checked for size and Content-Type. */
  readonly body: Buffer | undefined;
}

export interface RouteSpec {
  /** Reads a JSON body (POST); the app checks the Content-Type and size before calling `run`. */
  readonly body: boolean;
  run(call: RouteCall): Reply | Promise<Reply>;
}

export interface RouteDef {
  readonly method: Method;
  readonly pattern: string;
  readonly spec: RouteSpec;
}

export interface ServerInfo {
  readonly name: string;
  readonly version: string;
}

/** What protocol modules see of the app. */
export interface ServingRuntime {
  /** The served model's name (the `{name}` of the routes). */
  readonly modelName: string;
  readonly metrics: ServingMetrics;
  readonly server: ServerInfo;
  /** The current model, acquired for one request (release it when answered); 503 before the first load. */
  acquire(): ServedModel;
  current(): ServedModel | undefined;
  /** Loaded, warmed up and not draining. */
  ready(): boolean;
  draining(): boolean;
  /** Micro-batched prediction on the request's model (ml_predictions_total is counted per batch). */
  predict(model: ServedModel, rows: readonly Row[]): Promise<Prediction[]>;
  /**
   * The hot path of the row protocols: predicts on an acquired model, releases it, and encodes the
   * answer, with one promise per request.
   */
  predictReply(
    model: ServedModel,
    rows: readonly Row[],
    encode: (predictions: Prediction[]) => Reply,
  ): Promise<Reply>;
  /** 404 unless `name` (and `version`, when given) are what this server serves. */
  checkModel(name: string, version?: string, model?: ServedModel): void;
}
