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
  /**
   * The current model, held for this request (the same one on every call) until its answer is settled;
   * the request path releases it, routes never do. 503 before the first load and after stop.
   */
  model(): ServedModel;
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
  /** The current model without holding it (status and metadata; a prediction uses `RouteCall.model`). */
  current(): ServedModel | undefined;
  /** Loaded, warmed up and not draining. */
  ready(): boolean;
  draining(): boolean;
  /** 404 unless `name` (and `version`, when given) are what this server serves. */
  checkModel(name: string, version?: string, model?: ServedModel): void;
}
