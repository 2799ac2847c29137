import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServingHandle } from '../../src/core/serve.js';
import { tempDir } from '../support/temp-dir.js';
import { http, IRIS_FEATURES, irisProject, parseMetrics, SETOSA, startServer, VIRGINICA } from './fixture.js';

interface Prediction {
  label: string;
  probabilities: Record<string, number>;
}
interface SimpleAnswer {
  predictions: Prediction[];
  model_version: string;
}
interface InferAnswer {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: {
    name: string;
    datatype: string;
    shape: number[];
    data: unknown[];
    parameters?: { classes: string[] };
  }[];
}

const CLASSES = ['setosa', 'versicolor', 'virginica'];
const named = (row: number[]) => Object.fromEntries(IRIS_FEATURES.map((f, i) => [f, row[i]]));

let server: ServingHandle;
let url: string;

beforeAll(async () => {
  const dir = await irisProject(tempDir());
  server = await startServer(dir);
  url = server.url;
}, 120_000);
afterAll(() => server?.stop());

describe('health, readiness and metrics', () => {
  it('GET /health and /ready', async () => {
    expect(await http(`${url}/health`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await http(`${url}/ready`)).toMatchObject({
      status: 200,
      body: { status: 'ready', model: 'iris', model_version: 'v1.0' },
    });
    expect((await fetch(`${url}/health`, { method: 'HEAD' })).status).toBe(200);
  });

  it('GET /metrics is Prometheus text with the serving metrics and process metrics', async () => {
    const res = await http(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'ml_requests_total',
      'ml_request_duration_seconds',
      'ml_predictions_total',
      'ml_model_info',
      'ml_batch_size',
      'ml_model_reloads_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(res.text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(res.text).toMatch(/^# TYPE ml_request_duration_seconds histogram$/m);
    expect(res.text).toMatch(/^# TYPE ml_batch_size histogram$/m);
    expect(parseMetrics(res.text).get('ml_model_info{model="iris",version="v1.0"}')).toBe(1);
  });
});

describe('simple protocol: POST /predict', () => {
  it('rows as arrays in feature order', async () => {
    const res = await http(`${url}/predict`, { body: { instances: [SETOSA, VIRGINICA] } });
    expect(res.status).toBe(200);
    const body = res.json<SimpleAnswer>();
    expect(body.model_version).toBe('v1.0');
    expect(body.predictions.map((p) => p.label)).toEqual(['setosa', 'virginica']);
    for (const p of body.predictions) {
      expect(Object.keys(p.probabilities)).toEqual(CLASSES);
      expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const best = Object.entries(p.probabilities).sort((a, b) => b[1] - a[1])[0]?.[0];
      expect(p.label).toBe(best);
    }
  });

  it('rows as objects keyed by feature name (any key order), mixed with arrays', async () => {
    const reversed = Object.fromEntries(Object.entries(named(VIRGINICA)).reverse());
    const res = await http(`${url}/predict`, { body: { instances: [named(SETOSA), reversed, SETOSA] } });
    expect(res.status).toBe(200);
    expect(res.json<SimpleAnswer>().predictions.map((p) => p.label)).toEqual([
      'setosa',
      'virginica',
      'setosa',
    ]);
  });

  it('Content-Type with charset, and a missing Content-Type, are accepted', async () => {
    const body = JSON.stringify({ instances: [SETOSA] });
    const withCharset = await http(`${url}/predict`, {
      body,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(withCharset.status).toBe(200);
    expect((await http(`${url}/predict`, { body: new TextEncoder().encode(body) })).status).toBe(200);
  });
});

describe('TensorFlow Serving REST', () => {
  it('row format: instances → predictions', async () => {
    const res = await http(`${url}/v1/models/iris:predict`, {
      body: { signature_name: 'serving_default', instances: [SETOSA, named(VIRGINICA)] },
    });
    expect(res.status).toBe(200);
    const body = res.json<SimpleAnswer>();
    expect(body.model_version).toBe('v1.0');
    expect(body.predictions.map((p) => p.label)).toEqual(['setosa', 'virginica']);
  });

  it('columnar format: inputs by feature → outputs', async () => {
    const inputs = Object.fromEntries(IRIS_FEATURES.map((f, j) => [f, [SETOSA[j], VIRGINICA[j]]]));
    const res = await http(`${url}/v1/models/iris:predict`, { body: { inputs } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      outputs: { label: ['setosa', 'virginica'], probabilities: [expect.any(Object), expect.any(Object)] },
      model_version: 'v1.0',
    });
    const rows = await http(`${url}/v1/models/iris:predict`, { body: { inputs: [SETOSA] } });
    expect(rows.body).toMatchObject({ outputs: { label: ['setosa'] } });
  });

  it('a version path must name the served version', async () => {
    const ok = await http(`${url}/v1/models/iris/versions/v1.0:predict`, { body: { instances: [SETOSA] } });
    expect(ok.status).toBe(200);
    const other = await http(`${url}/v1/models/iris/versions/v9.9:predict`, {
      body: { instances: [SETOSA] },
    });
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ error: expect.stringContaining('v9.9') });
    expect((await http(`${url}/v1/models/wine:predict`, { body: { instances: [SETOSA] } })).status).toBe(404);
  });

  it('GET /v1/models/{name}: status; /metadata: signature', async () => {
    expect(await http(`${url}/v1/models/iris`)).toMatchObject({
      status: 200,
      body: {
        model_version_status: [
          { version: 'v1.0', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
        ],
      },
    });
    expect((await http(`${url}/v1/models/iris/versions/v1.0`)).status).toBe(200);
    expect(await http(`${url}/v1/models/iris/metadata`)).toMatchObject({
      status: 200,
      body: {
        model_spec: { name: 'iris', version: 'v1.0' },
        metadata: { features: IRIS_FEATURES, classes: CLASSES },
      },
    });
  });
});

describe('KServe Open Inference Protocol v2', () => {
  it('server metadata, liveness, readiness', async () => {
    expect(await http(`${url}/v2`)).toMatchObject({
      status: 200,
      body: { name: 'mlops', version: expect.stringMatching(/^\d+\.\d+\.\d+/), extensions: [] },
    });
    expect(await http(`${url}/v2/health/live`)).toMatchObject({ status: 200, body: { live: true } });
    expect(await http(`${url}/v2/health/ready`)).toMatchObject({ status: 200, body: { ready: true } });
    expect(await http(`${url}/v2/models/iris/ready`)).toMatchObject({
      status: 200,
      body: { name: 'iris', ready: true },
    });
    expect((await http(`${url}/v2/models/iris/versions/v1.0/ready`)).status).toBe(200);
  });

  it('model metadata names inputs, outputs, features, classes and the backend', async () => {
    const res = await http(`${url}/v2/models/iris`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name: 'iris',
      versions: ['v1.0'],
      platform: 'tensorflowjs',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'label', datatype: 'BYTES', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
      ],
      parameters: {
        features: IRIS_FEATURES,
        classes: CLASSES,
        task: 'classification',
        label: 'species',
        backend: expect.stringMatching(/^(tensorflow|wasm|cpu)$/),
        engine: 'dense-js',
        baseline: true,
        // The PSI of the drift window, once earlier tests have sent rows (test/serving/drift-*.test.ts).
        drift: expect.objectContaining({ rows: expect.any(Number) }),
      },
    });
  });

  it('infer with one [N, 4] tensor, flat or nested, echoing the id', async () => {
    for (const data of [
      [...SETOSA, ...VIRGINICA],
      [SETOSA, VIRGINICA],
    ]) {
      const res = await http(`${url}/v2/models/iris/infer`, {
        body: { id: 'req-1', inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data }] },
      });
      expect(res.status).toBe(200);
      const body = res.json<InferAnswer>();
      expect(body).toMatchObject({ model_name: 'iris', model_version: 'v1.0', id: 'req-1' });
      expect(body.outputs[0]).toEqual({
        name: 'label',
        datatype: 'BYTES',
        shape: [2],
        data: ['setosa', 'virginica'],
      });
      expect(body.outputs[1]).toMatchObject({
        name: 'probabilities',
        datatype: 'FP32',
        shape: [2, 3],
        parameters: { classes: CLASSES },
      });
      expect(body.outputs[1]?.data).toHaveLength(6);
    }
  });

  it('infer with one tensor per feature, and only the requested outputs', async () => {
    const inputs = IRIS_FEATURES.map((name, j) => ({
      name,
      shape: [2],
      datatype: 'FP64',
      data: [SETOSA[j], VIRGINICA[j]],
    }));
    const res = await http(`${url}/v2/models/iris/versions/v1.0/infer`, {
      body: { inputs, outputs: [{ name: 'label' }] },
    });
    expect(res.status).toBe(200);
    expect(res.json<InferAnswer>().outputs).toEqual([
      { name: 'label', datatype: 'BYTES', shape: [2], data: ['setosa', 'virginica'] },
    ]);
  });

  it('the three protocols agree on the same rows', async () => {
    const rows = [SETOSA, VIRGINICA, [5.9, 3.0, 4.2, 1.5]];
    const simple = (await http(`${url}/predict`, { body: { instances: rows } })).json<SimpleAnswer>();
    const tf = (
      await http(`${url}/v1/models/iris:predict`, { body: { instances: rows } })
    ).json<SimpleAnswer>();
    const v2 = (
      await http(`${url}/v2/models/iris/infer`, {
        body: { inputs: [{ name: 'x', shape: [3, 4], datatype: 'FP32', data: rows.flat() }] },
      })
    ).json<InferAnswer>();
    expect(tf.predictions).toEqual(simple.predictions);
    expect(v2.outputs[0]?.data).toEqual(simple.predictions.map((p) => p.label));
    const flat = simple.predictions.flatMap((p) => CLASSES.map((c) => p.probabilities[c]));
    (v2.outputs[1]?.data as number[]).forEach((v, i) => expect(v).toBeCloseTo(flat[i] as number, 6));
  });
});

describe('under concurrency', () => {
  it('answers 200 concurrent requests over keep-alive connections', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        http(`${url}/predict`, { body: { instances: [i % 2 ? SETOSA : VIRGINICA] } }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.map((a) => a.json<SimpleAnswer>().predictions[0]?.label)).toEqual(
      answers.map((_, i) => (i % 2 ? 'setosa' : 'virginica')),
    );
  });

  it('requests that arrive together share one model call (micro-batching over real sockets)', async () => {
    const before = parseMetrics((await http(`${url}/metrics`)).text);
    const bodies = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({ instances: [i % 2 ? SETOSA : VIRGINICA] }),
    );
    const answers = await sendTogether(url, bodies);
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 200));
    const after = parseMetrics((await http(`${url}/metrics`)).text);
    const rows = (after.get('ml_batch_size_sum') ?? 0) - (before.get('ml_batch_size_sum') ?? 0);
    const calls = (after.get('ml_batch_size_count') ?? 0) - (before.get('ml_batch_size_count') ?? 0);
    expect(rows).toBe(40);
    expect(calls).toBeLessThanOrEqual(10);
  });
});

/**
 * Opens one connection per body, and once all are connected writes every request in the same tick, so
 * that they reach the server together (as under load).
 */
async function sendTogether(base: string, bodies: string[]): Promise<{ status: number; body: string }[]> {
  const { port, hostname } = new URL(base);
  const sockets = await Promise.all(
    bodies.map(
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect(Number(port), hostname, () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  // Let the server accept every connection first (accepting happens in its own event-loop turns).
  await new Promise((r) => setTimeout(r, 100));
  const answers = sockets.map(
    (socket) =>
      new Promise<{ status: number; body: string }>((resolve) => {
        let data = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => {
          data += chunk;
          const split = data.indexOf('\r\n\r\n');
          const length = Number(/content-length: (\d+)/i.exec(data)?.[1] ?? NaN);
          if (split >= 0 && data.length - split - 4 >= length) {
            socket.destroy();
            resolve({ status: Number(data.slice(9, 12)), body: data.slice(split + 4) });
          }
        });
      }),
  );
  sockets.forEach((socket, i) => {
    const body = bodies[i] as string;
    socket.write(
      `POST /predict HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
  return Promise.all(answers);
}
