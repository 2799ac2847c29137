import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ServeConfig } from '../config/schema.js';
import { MlopsError } from '../kernel/errors.js';
import { info, type IoHost } from '../kernel/io-host.js';
import type { Prediction } from '../ml/predictor.js';
import type { Row } from './batcher.js';
import { checkContentType } from './body.js';
import { AliasFollower, type PollOutcome } from './hot-reload.js';
import { HttpError, notFound, unavailable } from './http-error.js';
import { ServingMetrics } from './metrics.js';
import type { ModelSource } from './model-source.js';
import {
  JSON_TYPE,
  json,
  type Reply,
  type RouteSpec,
  type ServerInfo,
  type ServingRuntime,
} from './protocol.js';
import { healthRoutes } from './protocols/health.js';
import { openInferenceRoutes } from './protocols/open-inference.js';
import { simpleRoutes } from './protocols/simple.js';
import { tfServingRoutes } from './protocols/tf-serving.js';
import { Router } from './router.js';
import { ServedModel } from './served-model.js';

export type ServingLimits = Pick<
  ServeConfig,
  'maxBatchSize' | 'maxBatchWaitMs' | 'maxBodyBytes' | 'pollIntervalSeconds'
>;

/** The defaults of the `serve` section of the config schema, for library users who pass none. */
const DEFAULT_LIMITS: ServingLimits = {
  maxBatchSize: 64,
  maxBatchWaitMs: 2,
  maxBodyBytes: 1_048_576,
  pollIntervalSeconds: 10,
};

export interface ServingAppOptions {
  readonly source: ModelSource;
  /** The alias to follow, or the version to serve. */
  readonly ref: string;
  /** Serve `ref` as it resolves at start and never poll (a pinned `--version`). */
  readonly pinned?: boolean;
  readonly limits?: Partial<ServingLimits>;
  /** Where reloads and failures are reported (one event each); silent by default. */
  readonly io?: IoHost;
  readonly metrics?: ServingMetrics;
  /** Name and version reported by `GET /v2`. */
  readonly server?: ServerInfo;
}

export interface AppStatus {
  readonly model: string;
  readonly version: string | undefined;
  readonly backend: string | undefined;
  /** What computes predictions: plain-JS dense layers or tfjs. */
  readonly engine: string | undefined;
  readonly ready: boolean;
  readonly draining: boolean;
  /** Requests answered since start. */
  readonly requests: number;
}

export interface InjectRequest {
  readonly method?: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string or bytes as they are; anything else is sent as JSON. */
  readonly body?: unknown;
}

export interface InjectResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  json<T = unknown>(): T;
}

export interface ServingApp {
  /** The node:http request listener. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Answers a request without a socket (unit tests; the same routing, limits and metrics). */
  inject(request: InjectRequest): Promise<InjectResponse>;
  /** Loads and warms up the model `ref` designates, then follows the alias (unless pinned). */
  start(): Promise<AppStatus>;
  /** Checks the alias once now (what the poll timer does). */
  poll(): Promise<PollOutcome>;
  /** Readiness goes to 503, polling stops, answers carry `Connection: close`. */
  beginDrain(): void;
  /** Stops polling and frees the model once its in-flight requests are done. */
  stop(): Promise<void>;
  status(): AppStatus;
  readonly metrics: ServingMetrics;
}

const UNMATCHED = 'unmatched';

/** Creates the serving app: routing, body limits, micro-batching, hot reload and metrics, on node:http. */
export function createServingApp(options: ServingAppOptions): ServingApp {
  const { source, io } = options;
  const limits: ServingLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = options.metrics ?? new ServingMetrics();
  // How much of a refused body is read and dropped before the connection is cut instead.
  const lingerBytes = Math.max(16 * limits.maxBodyBytes, 16 * 1024 * 1024);
  const server: ServerInfo = options.server ?? { name: 'mlops', version: '0.0.0' };
  const batching = {
    maxBatchSize: limits.maxBatchSize,
    maxBatchWaitMs: limits.maxBatchWaitMs,
    onBatch: (rows: number) => metrics.observeBatch(rows),
  };

  let model: ServedModel | undefined;
  let draining = false;
  let stopped = false;
  let requests = 0;
  const reported = new Set<string>();
  const reportOnce = (key: string, report: () => void): void => {
    if (reported.has(key) || reported.size > 1000) return;
    reported.add(key);
    report();
  };

  const runtime: ServingRuntime = {
    modelName: source.model,
    metrics,
    server,
    acquire() {
      if (stopped) throw unavailable('the server is shutting down');
      if (!model)
        throw unavailable(`model "${source.model}" is still loading; retry when /ready answers 200`);
      return model.acquire();
    },
    current: () => model,
    ready: () => model !== undefined && !draining && !stopped,
    draining: () => draining,
    predict: (served: ServedModel, rows: readonly Row[]): Promise<Prediction[]> => served.predict(rows),
    predictReply: (served, rows, encode) =>
      new Promise<Reply>((resolve, reject) =>
        served.batcher.enqueue(rows, (error, predictions) => {
          served.release();
          if (predictions === undefined) reject(error);
          else {
            try {
              resolve(encode(predictions));
            } catch (encodeError) {
              reject(encodeError);
            }
          }
        }),
      ),
    checkModel(name, version, served) {
      if (name !== source.model) {
        throw notFound(
          `model "${name.slice(0, 60)}" is not served here; this server serves "${source.model}"`,
        );
      }
      if (version !== undefined && served !== undefined && version !== served.version) {
        throw notFound(
          `version "${version.slice(0, 20)}" of ${source.model} is not loaded; this server serves ${served.version}`,
        );
      }
    },
  };

  const router = new Router<RouteSpec>();
  for (const route of [
    ...healthRoutes(runtime),
    ...simpleRoutes(runtime),
    ...tfServingRoutes(runtime),
    ...openInferenceRoutes(runtime),
  ]) {
    router.add({ method: route.method, pattern: route.pattern, handler: route.spec });
  }

  const countPredictions = (predictions: readonly Prediction[]): void => {
    for (const p of predictions) metrics.countPrediction(typeof p.label === 'string' ? p.label : 'value');
  };

  const swapTo = async (version: string): Promise<void> => {
    const loaded = await source.load(version);
    const next = new ServedModel(source.model, loaded, batching, countPredictions);
    try {
      next.warmUp(limits.maxBatchSize);
    } catch (error) {
      next.retire();
      throw error;
    }
    if (stopped) {
      next.retire();
      return;
    }
    // The swap is one assignment: requests that acquired the old model keep it until they are answered.
    const previous = model;
    model = next;
    previous?.retire();
    metrics.setModel(source.model, version);
  };

  const follower = new AliasFollower({
    intervalMs: limits.pollIntervalSeconds * 1000,
    current: () => model?.version,
    async resolve() {
      try {
        const version = await source.resolve(options.ref);
        reported.delete('resolve');
        return version;
      } catch (error) {
        reportOnce('resolve', () =>
          io?.notify({
            level: 'warn',
            event: 'poll-failed',
            message: `Cannot read alias "${options.ref}" of ${source.model} (still serving ${model?.version}): ${messageOf(error)}`,
            data: { model: source.model, alias: options.ref, error: errorData(error) },
          }),
        );
        throw error;
      }
    },
    async swapTo(version) {
      const from = model?.version;
      try {
        await swapTo(version);
      } catch (error) {
        metrics.reloadResult('error');
        reportOnce(`load ${version}`, () =>
          io?.notify({
            level: 'warn',
            event: 'reload-failed',
            message: `Reload of ${source.model} ${version} failed; still serving ${from}: ${messageOf(error)}`,
            data: { model: source.model, version, current: from, error: errorData(error) },
          }),
        );
        throw error;
      }
      metrics.reloadResult('success');
      io?.notify(
        info('reloaded', `Reloaded ${source.model}: ${from} → ${version} (alias ${options.ref})`, {
          model: source.model,
          from,
          to: version,
          alias: options.ref,
        }),
      );
    },
  });

  const execute = (
    spec: RouteSpec,
    params: Readonly<Record<string, string>>,
    body: Buffer | undefined,
  ): Reply | Promise<Reply> => {
    try {
      return spec.run({ params, body });
    } catch (error) {
      return errorReply(error);
    }
  };

  const errorReply = (error: unknown): Reply => {
    if (error instanceof HttpError) return json(error.status, { error: error.message }, error.headers);
    // The predictor's own checks (row width, non-finite values) are the client's mistake too.
    if (MlopsError.is(error) && error.source === 'usage') return json(400, { error: error.message });
    reportOnce(`internal ${messageOf(error)}`, () =>
      io?.notify({
        level: 'error',
        event: 'request-failed',
        message: `A request failed inside the server: ${messageOf(error)}`,
        data: { error: errorData(error) },
      }),
    );
    return json(500, { error: `internal error: ${messageOf(error)}` });
  };

  const unmatched = (method: string, path: string): Reply => {
    const match = router.match(method, path);
    if (match.kind === 'method') {
      return json(
        405,
        {
          error: `${method.slice(0, 10)} is not allowed on ${path.slice(0, 80)}; use ${match.allowed.join(' or ')}`,
        },
        { allow: match.allowed.join(', ') },
      );
    }
    return json(404, {
      error: `no route ${method.slice(0, 10)} ${path.slice(0, 80)}; routes: ${router.patternsList().join(', ')}`,
    });
  };

  const write = (res: ServerResponse, reply: Reply, endpoint: string, started: number): void => {
    requests += 1;
    // A flat [name, value, …] list: node takes it without walking an object's keys.
    const headers = [
      'content-type',
      reply.contentType ?? JSON_TYPE,
      'content-length',
      String(Buffer.byteLength(reply.body)),
    ];
    if (reply.headers) for (const name in reply.headers) headers.push(name, reply.headers[name] as string);
    if (draining && reply.headers?.connection === undefined) headers.push('connection', 'close');
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(reply.status, headers);
      res.end(reply.body);
    }
    metrics.observeRequest(endpoint, reply.status, (performance.now() - started) / 1000);
  };

  /**
   * Answers a request whose body will not be used (415, 413). A body of known, bounded size is read and
   * dropped so that the client, still sending it, receives the answer and the keep-alive connection
   * stays usable (closing at once would reset the connection under the client's answer). Beyond that
   * bound the connection is closed after the answer.
   */
  const refuseBody = (
    req: IncomingMessage,
    res: ServerResponse,
    reply: Reply,
    endpoint: string,
    started: number,
    declared: number | undefined,
  ): void => {
    if (declared !== undefined && declared <= lingerBytes) {
      req.resume();
      write(res, reply, endpoint, started);
      return;
    }
    res.shouldKeepAlive = false;
    write(res, { ...reply, headers: { ...reply.headers, connection: 'close' } }, endpoint, started);
    req.resume();
  };

  const respond = (
    res: ServerResponse,
    out: Reply | Promise<Reply>,
    endpoint: string,
    started: number,
  ): void => {
    if (out instanceof Promise) {
      out.then(
        (reply) => write(res, reply, endpoint, started),
        (error: unknown) => write(res, errorReply(error), endpoint, started),
      );
    } else {
      write(res, out, endpoint, started);
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    let match;
    try {
      match = router.match(method, path);
    } catch (error) {
      req.resume();
      write(res, errorReply(error), UNMATCHED, started);
      return;
    }
    if (match.kind !== 'found') {
      req.resume();
      write(res, unmatched(method, path), UNMATCHED, started);
      return;
    }
    const { route, params } = match;
    const endpoint = route.pattern;
    if (!route.handler.body) {
      req.resume();
      respond(res, execute(route.handler, params, undefined), endpoint, started);
      return;
    }
    const declared =
      req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    try {
      checkContentType(req.headers['content-type']);
    } catch (error) {
      refuseBody(req, res, errorReply(error), endpoint, started, declared);
      return;
    }
    if (declared !== undefined && declared > limits.maxBodyBytes) {
      refuseBody(req, res, tooLarge(limits.maxBodyBytes), endpoint, started, declared);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        if (size > lingerBytes) req.socket.destroy();
        return;
      }
      if (size > limits.maxBodyBytes) {
        // A chunked body past the limit: answer now and read on (discarding) as for a declared one.
        refused = true;
        chunks.length = 0;
        write(res, tooLarge(limits.maxBodyBytes), endpoint, started);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      respond(res, execute(route.handler, params, body), endpoint, started);
    });
    // A client that goes away mid-body: nothing to answer.
    req.on('error', () => undefined);
  };

  const inject = async (request: InjectRequest): Promise<InjectResponse> => {
    const method = (request.method ?? (request.body === undefined ? 'GET' : 'POST')).toUpperCase();
    const headers = Object.fromEntries(
      Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    let body: Buffer | undefined;
    if (typeof request.body === 'string') body = Buffer.from(request.body);
    else if (request.body instanceof Uint8Array) body = Buffer.from(request.body);
    else if (request.body !== undefined) {
      body = Buffer.from(JSON.stringify(request.body));
      headers['content-type'] ??= JSON_TYPE;
    }
    const q = request.url.indexOf('?');
    const path = q === -1 ? request.url : request.url.slice(0, q);
    const reply = await dispatch(method, path, headers['content-type'], body);
    requests += 1;
    return {
      status: reply.status,
      headers: { 'content-type': reply.contentType ?? JSON_TYPE, ...reply.headers },
      body: reply.body,
      json: <T>() => JSON.parse(reply.body) as T,
    };
  };

  /** The socket-free path of `handler` for inject. */
  const dispatch = async (
    method: string,
    path: string,
    contentType: string | undefined,
    body: Buffer | undefined,
  ): Promise<Reply> => {
    const started = performance.now();
    let endpoint = UNMATCHED;
    let reply: Reply;
    try {
      const match = router.match(method, path);
      if (match.kind !== 'found') {
        reply = unmatched(method, path);
      } else {
        endpoint = match.route.pattern;
        if (match.route.handler.body) {
          checkContentType(contentType);
          if (body !== undefined && body.length > limits.maxBodyBytes)
            throw tooLargeError(limits.maxBodyBytes);
        }
        reply = await execute(match.route.handler, match.params, match.route.handler.body ? body : undefined);
      }
    } catch (error) {
      reply = errorReply(error);
    }
    metrics.observeRequest(endpoint, reply.status, (performance.now() - started) / 1000);
    return reply;
  };

  const status = (): AppStatus => ({
    model: source.model,
    version: model?.version,
    backend: model?.predictor.backend,
    engine: model?.predictor.engine,
    ready: runtime.ready(),
    draining,
    requests,
  });

  return {
    handler,
    inject,
    metrics,
    status,
    async start() {
      const version = await source.resolve(options.ref);
      await swapTo(version);
      if (!options.pinned && limits.pollIntervalSeconds > 0) follower.start();
      return status();
    },
    poll: () => follower.poll(),
    beginDrain() {
      draining = true;
      void follower.stop();
    },
    async stop() {
      draining = true;
      stopped = true;
      await follower.stop();
      model?.retire();
    },
  };
}

const tooLargeError = (max: number): HttpError =>
  new HttpError(
    413,
    `the body is larger than the limit of ${max} bytes (serve.maxBodyBytes); send fewer rows per request`,
  );
const tooLarge = (max: number): Reply => json(413, { error: tooLargeError(max).message });

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const errorData = (error: unknown) => ({
  message: messageOf(error),
  ...(MlopsError.is(error) ? { code: error.code } : {}),
});
