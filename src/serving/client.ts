import { MlopsError } from '../kernel/errors.js';
import type { ClientRow } from './client-rows.js';
import { createHttpClient, HttpClientError, type HttpClient } from './http-client.js';
import { isNetworkErrorCode } from '../kernel/network-errors.js';

export const PROTOCOLS = ['simple', 'tfserving', 'v2'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface ClientPrediction {
  readonly label: string | number;
  readonly probabilities?: Readonly<Record<string, number>>;
}

/** The `predict --json` document (DESIGN.md §1). */
export interface PredictResult {
  readonly model_version: string;
  readonly predictions: ClientPrediction[];
}

export interface PredictClientOptions {
  /** The server's base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly protocol?: Protocol;
  /** The model name of the tfserving and v2 routes; asked from the server's /ready when omitted. */
  readonly model?: string;
  readonly timeoutMs?: number;
}

type Json = Record<string, unknown>;

/** How often `waitUntilReady` asks again. */
const READY_POLL_MS = 200;

/**
 * A client of the serving app's three protocols, on node:http(s) with one keep-alive socket. It imports
 * no tfjs (so `mlops predict` starts fast). Close it when done: a kept-alive socket keeps a process alive.
 */
export class PredictClient {
  private readonly base: string;
  /** A base URL's path (a server behind a path prefix). */
  private readonly prefix: string;
  private readonly http: HttpClient;
  private readonly protocol: Protocol;
  private model: string | undefined;

  constructor(options: PredictClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    let parsed: URL;
    try {
      parsed = new URL(this.base);
    } catch {
      throw new MlopsError(`--url ${options.url} is not a URL.`, {
        code: 'MLOPS_USAGE_E1002',
        hint: 'Give the server’s base URL, e.g. http://127.0.0.1:8080.',
        source: 'usage',
      });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new MlopsError(`--url ${options.url} is not an http(s) URL.`, {
        code: 'MLOPS_USAGE_E1002',
        hint: 'Give the server’s base URL, e.g. http://127.0.0.1:8080.',
        source: 'usage',
      });
    }
    this.prefix = parsed.pathname.replace(/\/+$/, '');
    this.protocol = options.protocol ?? 'simple';
    this.model = options.model;
    const timeout = options.timeoutMs ?? 60_000;
    this.http = createHttpClient({
      origin: parsed,
      connectTimeoutMs: Math.min(timeout, 10_000),
      idleTimeoutMs: timeout,
    });
  }

  /** The served model's name: the option, else what `/ready` reports. */
  async modelName(): Promise<string> {
    if (this.model !== undefined) return this.model;
    const ready = await this.call('GET', '/ready');
    if (typeof ready.model !== 'string') throw badAnswer(this.base, '/ready did not name the model');
    return (this.model = ready.model);
  }

  /** The model's feature names (from the v2 metadata), or undefined when the server does not say. */
  async features(): Promise<string[] | undefined> {
    try {
      const meta = await this.call('GET', `/v2/models/${encodeURIComponent(await this.modelName())}`);
      const features = (meta.parameters as Json | undefined)?.features;
      return Array.isArray(features) && features.every((f) => typeof f === 'string') ? features : undefined;
    } catch (error) {
      if (MlopsError.is(error) && error.code === 'MLOPS_SERVE_E8001') throw error;
      return undefined;
    }
  }

  /** Predictions for `rows`, one per row in their order (an answer of another length is refused). */
  async predict(rows: readonly ClientRow[]): Promise<PredictResult> {
    const result = await this.send(rows);
    if (result.predictions.length !== rows.length) {
      throw badAnswer(this.base, `${result.predictions.length} predictions for ${rows.length} rows`);
    }
    return result;
  }

  /**
   * Waits for the server to be ready (`mlops serve &` then `mlops predict --wait 10`): asks its
   * readiness route every 200 ms while nothing listens yet or it answers 503 (loading its model), up to
   * `timeoutMs`. Anything else (a 404, a bad URL) fails at once.
   */
  async waitUntilReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const route =
      this.protocol === 'v2'
        ? '/v2/health/ready'
        : this.protocol === 'tfserving' && this.model !== undefined
          ? `/v1/models/${encodeURIComponent(this.model)}`
          : '/ready';
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.call('GET', route);
        return;
      } catch (error) {
        const waiting =
          MlopsError.is(error) && (error.code === 'MLOPS_SERVE_E8001' || error.code === 'MLOPS_SERVE_E8003');
        if (!waiting || signal?.aborted) throw error;
        if (Date.now() + READY_POLL_MS > deadline) {
          throw new MlopsError(`${error.message} (waited ${Math.round(timeoutMs / 1000)} s)`, {
            code: error.code,
            hint: error.hint,
            cause: error,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
      }
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async send(rows: readonly ClientRow[]): Promise<PredictResult> {
    switch (this.protocol) {
      case 'simple':
        return readPredictions(await this.call('POST', '/predict', { instances: rows }), this.base);
      case 'tfserving': {
        const name = encodeURIComponent(await this.modelName());
        return readPredictions(
          await this.call('POST', `/v1/models/${name}:predict`, { instances: rows }),
          this.base,
        );
      }
      case 'v2': {
        const name = encodeURIComponent(await this.modelName());
        return readInferResponse(
          await this.call('POST', `/v2/models/${name}/infer`, { inputs: toTensors(rows) }),
          this.base,
        );
      }
    }
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Json> {
    let statusCode: number;
    let text: string;
    try {
      ({ statusCode, text } = await this.http.request({
        path: `${this.prefix}${path}`,
        method,
        headers:
          body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }));
    } catch (error) {
      throw unreachable(this.base, error);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const answer =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : undefined;
    if (statusCode >= 400)
      throw rejected(this.base, method, path, statusCode, answer?.error ?? text.slice(0, 200));
    if (!answer)
      throw badAnswer(this.base, `${path} answered ${statusCode} with ${text.slice(0, 80) || 'nothing'}`);
    return answer;
  }
}

/** Rows → v2 tensors: one [N, F] tensor for number rows, one [N] tensor per feature for keyed rows. */
function toTensors(rows: readonly ClientRow[]): Json[] {
  const first = rows[0];
  if (Array.isArray(first)) {
    const width = first.length;
    return [
      {
        name: 'input',
        datatype: 'FP32',
        shape: [rows.length, width],
        data: rows.flatMap((r) => (Array.isArray(r) ? r : [r])),
      },
    ];
  }
  const names = Object.keys(first ?? {});
  return names.map((name) => ({
    name,
    datatype: 'FP32',
    shape: [rows.length],
    data: rows.map((r) => (Array.isArray(r) ? null : ((r as Json)[name] ?? null))),
  }));
}

function readPredictions(answer: Json, base: string): PredictResult {
  const { predictions, model_version: version } = answer;
  if (!Array.isArray(predictions)) throw badAnswer(base, 'the answer has no "predictions" list');
  return {
    model_version: typeof version === 'string' ? version : '',
    predictions: predictions.map((p: unknown) => {
      if (typeof p === 'object' && p !== null && !Array.isArray(p) && 'label' in p)
        return p as ClientPrediction;
      // A plain TF Serving model answers raw scores: label them by the index of the highest.
      if (Array.isArray(p) && p.every((v) => typeof v === 'number')) {
        const best = p.indexOf(Math.max(...(p as number[])));
        return {
          label: String(best),
          probabilities: Object.fromEntries(p.map((v, i) => [String(i), v as number])),
        };
      }
      throw badAnswer(base, `a prediction is ${JSON.stringify(p)?.slice(0, 60)}`);
    }),
  };
}

function readInferResponse(answer: Json, base: string): PredictResult {
  const outputs = Array.isArray(answer.outputs) ? (answer.outputs as Json[]) : undefined;
  const label = outputs?.find((o) => o.name === 'label');
  if (!label || !Array.isArray(label.data)) throw badAnswer(base, 'the v2 answer has no "label" output');
  const probs = outputs?.find((o) => o.name === 'probabilities');
  const classes = (probs?.parameters as Json | undefined)?.classes;
  const data = probs?.data;
  const k = Array.isArray(classes) ? classes.length : 0;
  return {
    model_version: typeof answer.model_version === 'string' ? answer.model_version : '',
    predictions: (label.data as (string | number)[]).map((l, r) => ({
      label: l,
      ...(k && Array.isArray(data)
        ? {
            probabilities: Object.fromEntries(
              (classes as string[]).map((c, j) => [c, (data as number[])[r * k + j] as number]),
            ),
          }
        : {}),
    })),
  };
}

function unreachable(base: string, error: unknown): MlopsError {
  const code = (error as { code?: string }).code ?? '';
  const refused = code === 'ECONNREFUSED';
  const detail =
    error instanceof HttpClientError || !isNetworkErrorCode(code) ? (error as Error).message : code;
  return new MlopsError(
    refused ? `No server is listening at ${base}.` : `Cannot reach the server at ${base}: ${detail}.`,
    {
      code: 'MLOPS_SERVE_E8001',
      hint: refused
        ? 'Start one with `mlops serve` (in another terminal), or pass --url to the server you mean.'
        : 'Check --url and the network path; `mlops serve` runs a local server.',
      cause: error,
    },
  );
}

function rejected(base: string, method: string, path: string, status: number, message: unknown): MlopsError {
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  const hints: Record<number, string> = {
    400: 'Fix the rows: one value per feature, numbers only (the message names the problem).',
    404: 'Check --url, --protocol and --model (GET /v2/models/<name> lists what the server serves).',
    413: 'Send fewer rows per request (--batch-size).',
    503: 'The server is loading its model or shutting down: retry in a moment (GET /ready says when).',
  };
  return new MlopsError(`${method} ${base}${path} failed with ${status}: ${text}`, {
    code: status < 500 ? 'MLOPS_SERVE_E8002' : 'MLOPS_SERVE_E8003',
    hint: hints[status] ?? (status < 500 ? 'Check the request.' : 'Look at the server’s log.'),
    source: status < 500 ? 'usage' : 'operation',
  });
}

const badAnswer = (base: string, what: string): MlopsError =>
  new MlopsError(`The server at ${base} did not answer with predictions: ${what}.`, {
    code: 'MLOPS_SERVE_E8004',
    hint: 'Check that --url points at an mlops server (or TF Serving / KServe v2 with --protocol).',
  });
