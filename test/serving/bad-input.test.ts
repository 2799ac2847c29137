import { request as httpRequest } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServingHandle } from '../../src/core/serve.js';
import { tempDir } from '../support/temp-dir.js';
import { http, IRIS_FEATURES, irisProject, parseMetrics, SETOSA, startServer } from './fixture.js';

const JSON_TYPE = { 'content-type': 'application/json' };
const named = Object.fromEntries(IRIS_FEATURES.map((f, i) => [f, SETOSA[i]]));
const tensor = (over: Record<string, unknown>) => ({
  inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: SETOSA, ...over }],
});
const nest = (depth: number, open: string, close: string) => `${open.repeat(depth)}${close.repeat(depth)}`;

interface Case {
  readonly name: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Sent as it is (string or bytes) … */
  readonly raw?: string | Uint8Array;
  /** … or as JSON. */
  readonly json?: unknown;
  readonly status: number;
  /** What the `error` must say. */
  readonly error: RegExp;
}

const CASES: Case[] = [
  // malformed JSON
  { name: 'syntax error', raw: '{"instances": [[5.1, 3.5, 1.4, 0.2]]', status: 400, error: /not valid JSON/ },
  {
    name: 'trailing garbage',
    raw: '{"instances": [[5.1, 3.5, 1.4, 0.2]]} x',
    status: 400,
    error: /not valid JSON/,
  },
  { name: 'single quotes', raw: "{'instances': [[1, 2, 3, 4]]}", status: 400, error: /not valid JSON/ },
  { name: 'NaN literal', raw: '{"instances": [[NaN, 3.5, 1.4, 0.2]]}', status: 400, error: /not valid JSON/ },
  {
    name: 'Infinity literal',
    raw: '{"instances": [[Infinity, 3.5, 1.4, 0.2]]}',
    status: 400,
    error: /not valid JSON/,
  },
  {
    name: 'number overflowing to Infinity',
    raw: '{"instances": [[1e999, 3.5, 1.4, 0.2]]}',
    status: 400,
    error: /instances\[0\]\[0\] is Infinity, outside the float32 range/,
  },
  {
    name: 'number beyond float32',
    raw: '{"instances": [[1e39, 3.5, 1.4, 0.2]]}',
    status: 400,
    error: /outside the float32 range/,
  },
  { name: 'empty body', raw: '', status: 400, error: /body is empty/ },
  { name: 'whitespace body', raw: '  \n ', status: 400, error: /not valid JSON/ },
  {
    name: 'invalid UTF-8',
    raw: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    headers: JSON_TYPE,
    status: 400,
    error: /not valid JSON/,
  },
  // wrong document shapes
  { name: 'null document', raw: 'null', status: 400, error: /must be a JSON object/ },
  {
    name: 'array document',
    raw: '[[5.1, 3.5, 1.4, 0.2]]',
    status: 400,
    error: /must be a JSON object .* not an array/,
  },
  { name: 'string document', raw: '"hello"', status: 400, error: /must be a JSON object/ },
  { name: 'number document', raw: '42', status: 400, error: /must be a JSON object/ },
  { name: 'no instances', json: {}, status: 400, error: /has no "instances"/ },
  { name: 'misspelled field', json: { instance: [SETOSA] }, status: 400, error: /unknown field "instance"/ },
  {
    name: 'instances is an object',
    json: { instances: named },
    status: 400,
    error: /"instances" must be an array of rows, not an object/,
  },
  {
    name: 'instances is a string',
    json: { instances: '5.1,3.5,1.4,0.2' },
    status: 400,
    error: /must be an array of rows, not the string/,
  },
  { name: 'instances is empty', json: { instances: [] }, status: 400, error: /"instances" is empty/ },
  {
    name: 'a bare row instead of a list of rows',
    json: { instances: SETOSA },
    status: 400,
    error: /wrap the row in another array/,
  },
  // wrong rows
  {
    name: 'row too short',
    json: { instances: [[5.1, 3.5, 1.4]] },
    status: 400,
    error: /instances\[0\] has 3 values; the model takes 4 \(sepal_length_cm/,
  },
  {
    name: 'row too long',
    json: { instances: [SETOSA, [...SETOSA, 9]] },
    status: 400,
    error: /instances\[1\] has 5 values/,
  },
  {
    name: 'string value',
    json: { instances: [['5.1', 3.5, 1.4, 0.2]] },
    status: 400,
    error: /instances\[0\]\[0\] is the string "5.1"/,
  },
  {
    name: 'null value',
    json: { instances: [[5.1, null, 1.4, 0.2]] },
    status: 400,
    error: /instances\[0\]\[1\] is null/,
  },
  {
    name: 'boolean value',
    json: { instances: [[5.1, 3.5, true, 0.2]] },
    status: 400,
    error: /instances\[0\]\[2\] is boolean true/,
  },
  {
    name: 'nested value',
    json: { instances: [[[5.1], [3.5], [1.4], [0.2]]] },
    status: 400,
    error: /instances\[0\]\[0\] is an array of 1/,
  },
  {
    name: 'row as a string',
    json: { instances: [SETOSA, '5.1,3.5,1.4,0.2'] },
    status: 400,
    error: /instances\[1\] is the string .*a row is an array of 4 numbers/,
  },
  { name: 'row as null', json: { instances: [SETOSA, null] }, status: 400, error: /instances\[1\] is null/ },
  { name: 'row as a number', json: { instances: [SETOSA, 5] }, status: 400, error: /instances\[1\] is 5/ },
  {
    name: 'unknown feature',
    json: { instances: [{ ...named, petal_color: 1 }] },
    status: 400,
    error: /instances\[0\] has unknown feature "petal_color"/,
  },
  {
    name: 'misspelt feature',
    json: { instances: [{ ...named, petal_width_cm: undefined, petal_widht_cm: 0.2 }] },
    status: 400,
    error: /lacks the feature "petal_width_cm" and has unknown "petal_widht_cm"/,
  },
  {
    name: 'missing feature',
    json: { instances: [{ ...named, petal_width_cm: undefined }] },
    status: 400,
    error: /instances\[0\] lacks the feature "petal_width_cm"/,
  },
  {
    name: 'all features missing',
    json: { instances: [{}] },
    status: 400,
    error: /lacks the features "sepal_length_cm", "sepal_width_cm"/,
  },
  {
    name: 'feature value a string',
    json: { instances: [{ ...named, sepal_length_cm: 'big' }] },
    status: 400,
    error: /instances\[0\]\.sepal_length_cm is the string "big"/,
  },
  {
    name: '__proto__ as a feature',
    raw: `{"instances": [{"__proto__": 1, ${IRIS_FEATURES.map((f) => `"${f}": 1`).join(', ')}}]}`,
    status: 400,
    error: /unknown feature "__proto__"/,
  },
  {
    name: 'huge row',
    json: { instances: [new Array(100_000).fill(1)] },
    status: 400,
    error: /has 100000 values/,
  },
  {
    name: 'bad row deep in a long list',
    json: { instances: [...new Array(9_999).fill(SETOSA), [1, 2]] },
    status: 400,
    error: /instances\[9999\] has 2 values/,
  },
  {
    name: 'deeply nested arrays',
    raw: `{"instances": ${nest(100_000, '[', ']')}}`,
    status: 400,
    error: /instances\[0\] has 1 value;/,
  },
  {
    name: 'deeply nested objects',
    raw: `{"instances": [${nest(50_000, '{"a":', '}').replace(/:}/, ':1}')}]}`,
    status: 400,
    error: /instances\[0\] lacks the features "sepal_length_cm", .* and has unknown "a"/,
  },
  // size and content type
  {
    name: 'oversized body',
    json: { instances: new Array(60_000).fill(SETOSA) },
    status: 413,
    error: /larger than the limit of 1048576 bytes/,
  },
  {
    name: 'text/plain',
    raw: JSON.stringify({ instances: [SETOSA] }),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    error: /unsupported Content-Type "text\/plain"/,
  },
  {
    name: 'form encoded',
    raw: 'instances=1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    error: /application\/json/,
  },
  {
    name: 'multipart',
    raw: '--x\r\n\r\n--x--',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    status: 415,
    error: /multipart/,
  },
  {
    name: 'xml',
    raw: '<instances/>',
    headers: { 'content-type': 'application/xml' },
    status: 415,
    error: /application\/xml/,
  },
  {
    name: 'latin-1 charset',
    raw: '{}',
    headers: { 'content-type': 'application/json; charset=iso-8859-1' },
    status: 415,
    error: /charset "iso-8859-1"/,
  },
  // routes and methods
  {
    name: 'unknown route',
    path: '/predictions',
    json: { instances: [SETOSA] },
    status: 404,
    error: /no route POST \/predictions/,
  },
  {
    name: 'GET on a POST route',
    path: '/predict',
    method: 'GET',
    status: 405,
    error: /GET is not allowed on \/predict; use POST/,
  },
  {
    name: 'PUT on TF predict',
    path: '/v1/models/iris:predict',
    method: 'PUT',
    json: {},
    status: 405,
    error: /use POST/,
  },
  { name: 'POST on TF status', path: '/v1/models/iris', json: {}, status: 405, error: /use GET/ },
  {
    name: 'unknown model (TF)',
    path: '/v1/models/wine:predict',
    json: { instances: [SETOSA] },
    status: 404,
    error: /model "wine" is not served here; this server serves "iris"/,
  },
  {
    name: 'unknown model (v2)',
    path: '/v2/models/wine/infer',
    json: tensor({}),
    status: 404,
    error: /model "wine" is not served/,
  },
  {
    name: 'bad percent-encoding',
    path: '/v1/models/%E0%A4%A:predict',
    json: { instances: [SETOSA] },
    status: 400,
    error: /not valid percent-encoding/,
  },
  // TensorFlow Serving specifics
  {
    name: 'TF: instances and inputs',
    path: '/v1/models/iris:predict',
    json: { instances: [SETOSA], inputs: [SETOSA] },
    status: 400,
    error: /not both/,
  },
  {
    name: 'TF: neither',
    path: '/v1/models/iris:predict',
    json: { signature_name: 'serving_default' },
    status: 400,
    error: /neither "instances".*nor "inputs"/,
  },
  {
    name: 'TF: unknown signature',
    path: '/v1/models/iris:predict',
    json: { signature_name: 'classify', instances: [SETOSA] },
    status: 400,
    error: /unknown signature_name "classify"/,
  },
  {
    name: 'TF: ragged columns',
    path: '/v1/models/iris:predict',
    json: { inputs: { ...Object.fromEntries(IRIS_FEATURES.map((f) => [f, [1, 2]])), petal_width_cm: [1] } },
    status: 400,
    error: /differ in length/,
  },
  {
    name: 'TF: missing column',
    path: '/v1/models/iris:predict',
    json: { inputs: Object.fromEntries(IRIS_FEATURES.slice(1).map((f) => [f, [1]])) },
    status: 400,
    error: /lacks the feature column "sepal_length_cm"/,
  },
  {
    name: 'TF: unknown column',
    path: '/v1/models/iris:predict',
    json: { inputs: { ...Object.fromEntries(IRIS_FEATURES.map((f) => [f, [1]])), color: [1] } },
    status: 400,
    error: /unknown feature "color"/,
  },
  {
    name: 'TF: column not a list',
    path: '/v1/models/iris:predict',
    json: { inputs: Object.fromEntries(IRIS_FEATURES.map((f) => [f, 1])) },
    status: 400,
    error: /inputs\.sepal_length_cm must be an array/,
  },
  // Open Inference Protocol v2 specifics
  { name: 'v2: no inputs', path: '/v2/models/iris/infer', json: {}, status: 400, error: /has no "inputs"/ },
  {
    name: 'v2: inputs not a list',
    path: '/v2/models/iris/infer',
    json: { inputs: { name: 'input' } },
    status: 400,
    error: /"inputs" must be a non-empty array/,
  },
  {
    name: 'v2: no datatype',
    path: '/v2/models/iris/infer',
    json: tensor({ datatype: undefined }),
    status: 400,
    error: /inputs\[0\]\.datatype is undefined/,
  },
  {
    name: 'v2: BYTES datatype',
    path: '/v2/models/iris/infer',
    json: tensor({ datatype: 'BYTES' }),
    status: 400,
    error: /datatype is the string "BYTES"; use a numeric type/,
  },
  {
    name: 'v2: data shorter than shape',
    path: '/v2/models/iris/infer',
    json: tensor({ shape: [2, 4] }),
    status: 400,
    error: /has 4 values; shape \[2,4\] needs 8/,
  },
  {
    name: 'v2: negative dimension',
    path: '/v2/models/iris/infer',
    json: tensor({ shape: [-1, 4] }),
    status: 400,
    error: /dimensions are non-negative integers/,
  },
  {
    name: 'v2: wrong width',
    path: '/v2/models/iris/infer',
    json: tensor({ shape: [1, 3], data: [1, 2, 3] }),
    status: 400,
    error: /the model takes \[rows, 4\]/,
  },
  {
    name: 'v2: string in data',
    path: '/v2/models/iris/infer',
    json: tensor({ data: [5.1, 'x', 1.4, 0.2] }),
    status: 400,
    error: /inputs\[0\]\.data\[1\] is the string "x"/,
  },
  {
    name: 'v2: duplicate input',
    path: '/v2/models/iris/infer',
    json: { inputs: [tensor({}).inputs[0], tensor({}).inputs[0]] },
    status: 400,
    error: /given twice/,
  },
  {
    name: 'v2: a feature input missing',
    path: '/v2/models/iris/infer',
    json: {
      inputs: IRIS_FEATURES.slice(0, 3).map((name) => ({ name, shape: [1], datatype: 'FP32', data: [1] })),
    },
    status: 400,
    error: /missing input "petal_width_cm"/,
  },
  {
    name: 'v2: unknown output',
    path: '/v2/models/iris/infer',
    json: { ...tensor({}), outputs: [{ name: 'logits' }] },
    status: 400,
    error: /outputs\[0\] must name one of label, probabilities/,
  },
  {
    name: 'v2: rank-3 shape',
    path: '/v2/models/iris/infer',
    json: tensor({ shape: [1, 4, 1] }),
    status: 400,
    error: /shape must be \[rows, features\]/,
  },
  {
    name: 'v2: id not a string',
    path: '/v2/models/iris/infer',
    json: { ...tensor({}), id: 7 },
    status: 400,
    error: /"id" must be a string/,
  },
  {
    name: 'v2: enormous shape',
    path: '/v2/models/iris/infer',
    json: tensor({ shape: [1_000_000_000, 4] }),
    status: 400,
    error: /is too large/,
  },
  {
    name: 'v2: nesting deeper than the shape',
    path: '/v2/models/iris/infer',
    json: tensor({ data: [[[5.1, 3.5, 1.4, 0.2]]] }),
    status: 400,
    error: /inputs\[0\]\.data\[0\] must be an array of 4/,
  },
];

let server: ServingHandle;
let url: string;

beforeAll(async () => {
  server = await startServer(await irisProject(tempDir(), 'iris'));
  url = server.url;
}, 120_000);
afterAll(() => server?.stop());

describe(`${CASES.length} malformed requests: each a 4xx with a JSON error naming the problem`, () => {
  it.each(CASES)('$name → $status', async (c) => {
    const res = await send(c);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual({ error: expect.stringMatching(c.error) });
    expect(res.status).toBe(c.status);
  });

  it('a chunked body over the limit → 413 while it is still being sent', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${url}/predict`, { method: 'POST', headers: JSON_TYPE }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 32; i += 1) req.write(chunk); // 2 MiB of whitespace, chunked
      req.end();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ error: expect.stringContaining('limit') });
  });

  it.each([
    ['a garbage request line', 'HELLO THERE\r\n\r\n', 400],
    ['an invalid Content-Length', 'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400],
    [
      'Content-Length with Transfer-Encoding',
      'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['20 KB of headers', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('malformed HTTP (%s) → %i in JSON', async (_name, text, status) => {
    const answer = await raw(url, text as string);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body)).toEqual({ error: expect.stringContaining('malformed HTTP request') });
  });

  it('the server still answers a good request, and no bad input produced a 5xx', async () => {
    // Every case sent again here, so that this holds whichever tests ran before (or alone, with -t).
    const before = await requestsByStatusClass();
    for (const c of CASES) await send(c);
    const after = await requestsByStatusClass();
    expect(after['5xx']).toBe(0);
    expect(after['4xx'] - before['4xx']).toBe(CASES.length);

    const good = await http(`${url}/predict`, { body: { instances: [SETOSA] } });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ predictions: [{ label: 'setosa' }], model_version: 'v1.0' });
    expect((await http(`${url}/health`)).status).toBe(200);
  });
});

/** A case's request, as the case describes it. */
function send(c: Case) {
  return http(`${url}${c.path ?? '/predict'}`, {
    method: c.method ?? (c.raw === undefined && c.json === undefined ? 'GET' : 'POST'),
    body: c.raw ?? c.json,
    headers:
      c.raw !== undefined && !(c.raw instanceof Uint8Array) ? { ...JSON_TYPE, ...c.headers } : c.headers,
  });
}

/** ml_requests_total summed by status class, from the server's /metrics. */
async function requestsByStatusClass(): Promise<Record<'4xx' | '5xx', number>> {
  const metrics = parseMetrics((await http(`${url}/metrics`)).text);
  const sum = (digit: string) =>
    [...metrics]
      .filter(([key]) => key.startsWith('ml_requests_total{') && key.includes(`status="${digit}`))
      .reduce((total, [, value]) => total + value, 0);
  return { '4xx': sum('4'), '5xx': sum('5') };
}

/** One raw HTTP exchange on a fresh connection (for requests fetch refuses to send). */
function raw(base: string, text: string): Promise<{ status: number; body: string }> {
  const { port, hostname } = new URL(base);
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    socket.setEncoding('utf8').on('data', (c: string) => (data += c));
    socket.on('error', reject);
    socket.on('close', () => {
      const split = data.indexOf('\r\n\r\n');
      resolve({ status: Number(data.slice(9, 12)), body: data.slice(split + 4) });
    });
  });
}
