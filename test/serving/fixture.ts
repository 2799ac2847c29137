import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import type { ModelRegistry } from '../../src/core/registry.js';
import { openRegistry } from '../../src/index.js';
import type { Prediction, Predictor } from '../../src/ml/predictor.js';
import type { ModelSource } from '../../src/serving/model-source.js';
import { serveModel, type ServingHandle } from '../../src/core/serve.js';
import { runMlops, type RunResult } from '../support/run-mlops.js';

export const IRIS_FEATURES = ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm'];
export const SETOSA = [5.1, 3.5, 1.4, 0.2];
export const VIRGINICA = [6.7, 3.0, 5.2, 2.3];

export function ok(res: RunResult): RunResult {
  if (res.code !== 0) throw new Error(`mlops exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
  return res;
}

/**
 * An iris project with `versions` trained versions (few epochs: tests need a working model, not a
 * good one) and v1.0 promoted to production.
 */
export async function irisProject(root: string, name = 'iris', versions = 1): Promise<string> {
  const dir = path.join(root, name);
  ok(await runMlops(['init', dir, '--yes', '--name', name, '--dataset', 'iris'], { cwd: root }));
  for (let i = 0; i < versions; i += 1) {
    ok(
      await runMlops(['train', '--local', '--param', 'epochs=40', '--param', `seed=${i + 1}`], { cwd: dir }),
    );
  }
  ok(await runMlops(['promote', 'v1.0'], { cwd: dir }));
  return dir;
}

export async function projectRegistry(dir: string): Promise<ModelRegistry> {
  const { config } = loadConfig({ cwd: dir });
  return openRegistry(`file://${path.join(dir, '.mlops', 'registry')}`, config.name);
}

/** The real serving app on a free loopback port, as `mlops serve` runs it. */
export async function startServer(
  dir: string,
  serve: Partial<ReturnType<typeof loadConfig>['config']['serve']> = {},
  io = new MemoryIoHost(),
): Promise<ServingHandle & { io: MemoryIoHost }> {
  const { config } = loadConfig({ cwd: dir });
  const handle = await serveModel({
    registry: await projectRegistry(dir),
    serve: { ...config.serve, port: 0, host: '127.0.0.1', ...serve },
    io,
  });
  return Object.assign(handle, { io });
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body (undefined when it is not JSON). */
  readonly body: unknown;
  json<T>(): T;
}

/** fetch with the body sent as JSON (Content-Type set) unless it is a string or bytes given as is. */
export async function http(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const raw = typeof init.body === 'string' || init.body instanceof Uint8Array;
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body !== undefined && !raw ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body:
      init.body === undefined
        ? undefined
        : raw
          ? (init.body as string | Uint8Array)
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body, json: <T>() => body as T };
}

/** Parses Prometheus text into `name{labels}` → value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** A tfjs-free predictor: features a, b; class "yes" when a > b. Throws once disposed. */
export function fakePredictor(version: string): Predictor & { disposed: boolean; calls: number[] } {
  const state = { disposed: false, calls: [] as number[] };
  return Object.assign(state, {
    task: 'classification' as const,
    features: ['a', 'b'],
    label: 'y',
    classes: ['no', 'yes'],
    backend: `fake-${version}`,
    engine: 'dense-js' as const,
    predict(rows: readonly (readonly number[])[]): Prediction[] {
      if (state.disposed) throw new Error(`predictor ${version} used after dispose`);
      state.calls.push(rows.length);
      return rows.map((r) => {
        const yes = (r[0] ?? 0) > (r[1] ?? 0) ? 0.9 : 0.1;
        return { label: yes > 0.5 ? 'yes' : 'no', probabilities: { no: 1 - yes, yes } };
      });
    },
    dispose() {
      state.disposed = true;
    },
  });
}

export interface FakeSource extends ModelSource {
  /** The version the alias points at. */
  alias: string;
  /** Versions whose load fails (as a sha256 mismatch would). */
  readonly broken: Set<string>;
  readonly loaded: Map<string, ReturnType<typeof fakePredictor>>;
}

/** A model source over fake predictors: `alias` is mutable, versions in `broken` fail to load. */
export function fakeSource(model = 'toy'): FakeSource {
  const source: FakeSource = {
    model,
    alias: 'v1.0',
    broken: new Set<string>(),
    loaded: new Map(),
    async resolve(ref: string) {
      if (/^v\d+\.\d+$/.test(ref)) return ref;
      return source.alias;
    },
    async load(version: string) {
      if (source.broken.has(version)) throw new Error(`artifact of ${version} does not match its sha256`);
      const predictor = fakePredictor(version);
      source.loaded.set(version, predictor);
      return { version, predictor };
    },
  };
  return source;
}
