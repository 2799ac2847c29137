import { badRequest, describeValue, unavailable } from '../http-error.js';
import { readJsonBody } from '../body.js';
import { featureValue } from '../inputs.js';
import { inferReply } from '../encode.js';
import { json, type RouteDef, type RouteSpec, type ServingRuntime } from '../protocol.js';
import type { ServedModel } from '../served-model.js';
import { driftReport } from '../drift-window.js';

const EXAMPLE =
  '{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2]}]}';
const FIELDS = ['id', 'inputs', 'outputs', 'parameters'] as const;
const TENSOR_FIELDS = ['name', 'shape', 'datatype', 'data', 'parameters'] as const;
const NUMERIC = new Set([
  'FP16',
  'FP32',
  'FP64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
]);
/** Far beyond any body the size limit lets through; keeps shape products exact. */
const MAX_ELEMENTS = 50_000_000;

interface InputTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** Row-major values, checked numeric. */
  readonly data: readonly number[];
}

/**
 * KServe's Open Inference Protocol (v2) over REST: server and model metadata, liveness and readiness,
 * and `infer`. An inference takes either one tensor of shape [N, features] (any name but a feature's,
 * data flat row-major or nested) or one tensor per feature named after it, of shape [N] or [N, 1]. It
 * answers `label` [N] and, for classifiers, `probabilities` [N, classes] (class names in its parameters).
 */
export function openInferenceRoutes(rt: ServingRuntime): RouteDef[] {
  const infer: RouteSpec = {
    body: true,
    async run(call) {
      const { params } = call;
      rt.checkModel(params.name ?? '');
      const request = readJsonBody(call.body, EXAMPLE, FIELDS);
      if (request.id !== undefined && typeof request.id !== 'string') {
        throw badRequest(`"id" must be a string, not ${describeValue(request.id)}`);
      }
      const model = call.model();
      rt.checkModel(params.name ?? '', params.version, model);
      const wanted = requestedOutputs(request.outputs, model);
      const rows = toRows(readInputs(request.inputs), model.features);
      const classes = model.predictor.classes;
      return inferReply(await model.predict(rows), {
        modelName: rt.modelName,
        version: model.version,
        ...(request.id === undefined ? {} : { id: request.id }),
        ...(classes === undefined ? {} : { classes }),
        label: wanted.has('label'),
        probabilities: wanted.has('probabilities'),
      });
    },
  };

  const metadata: RouteSpec = {
    body: false,
    run({ params }) {
      rt.checkModel(params.name ?? '');
      const model = rt.current();
      if (!model) throw unavailable(`model "${rt.modelName}" is still loading`);
      rt.checkModel(params.name ?? '', params.version, model);
      const { predictor } = model;
      const classes = predictor.classes;
      return json(200, {
        name: rt.modelName,
        versions: [model.version],
        platform: 'tensorflowjs',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, predictor.features.length] }],
        outputs: [
          { name: 'label', datatype: classes ? 'BYTES' : 'FP64', shape: [-1] },
          ...(classes ? [{ name: 'probabilities', datatype: 'FP32', shape: [-1, classes.length] }] : []),
        ],
        parameters: {
          features: predictor.features,
          ...(classes ? { classes } : {}),
          task: predictor.task,
          label: predictor.label,
          backend: predictor.backend,
          engine: predictor.engine,
          // Drift (an mlops extension): whether the version has a training baseline, and the PSI of
          // this process's window once it holds rows (what `mlops status` shows per pod).
          baseline: model.hasBaseline,
          ...driftParameters(model),
        },
      });
    },
  };

  const modelReady: RouteSpec = {
    body: false,
    run({ params }) {
      const model = rt.current();
      rt.checkModel(params.name ?? '', params.version, model);
      const ready = rt.ready();
      return json(ready ? 200 : 503, { name: rt.modelName, ready });
    },
  };

  return [
    {
      method: 'GET',
      pattern: '/v2',
      spec: {
        body: false,
        run: () => json(200, { name: rt.server.name, version: rt.server.version, extensions: [] }),
      },
    },
    {
      method: 'GET',
      pattern: '/v2/health/live',
      spec: { body: false, run: () => json(200, { live: true }) },
    },
    {
      method: 'GET',
      pattern: '/v2/health/ready',
      spec: {
        body: false,
        run: () => (rt.ready() ? json(200, { ready: true }) : json(503, { ready: false })),
      },
    },
    { method: 'GET', pattern: '/v2/models/{name}', spec: metadata },
    { method: 'GET', pattern: '/v2/models/{name}/versions/{version}', spec: metadata },
    { method: 'GET', pattern: '/v2/models/{name}/ready', spec: modelReady },
    { method: 'GET', pattern: '/v2/models/{name}/versions/{version}/ready', spec: modelReady },
    { method: 'POST', pattern: '/v2/models/{name}/infer', spec: infer },
    { method: 'POST', pattern: '/v2/models/{name}/versions/{version}/infer', spec: infer },
  ];
}

function requestedOutputs(value: unknown, model: ServedModel): Set<string> {
  const available = model.predictor.classes ? ['label', 'probabilities'] : ['label'];
  if (value === undefined) return new Set(available);
  if (!Array.isArray(value) || value.length === 0) {
    throw badRequest(`"outputs" must be a non-empty array of {"name": …}, not ${describeValue(value)}`);
  }
  const names = new Set<string>();
  value.forEach((o: unknown, i) => {
    const name = typeof o === 'object' && o !== null ? (o as Record<string, unknown>).name : undefined;
    if (typeof name !== 'string' || !available.includes(name)) {
      throw badRequest(
        `outputs[${i}] must name one of ${available.join(', ')}, not ${describeValue(name ?? o)}`,
      );
    }
    names.add(name);
  });
  return names;
}

function readInputs(value: unknown): InputTensor[] {
  if (value === undefined) throw badRequest(`the body has no "inputs", e.g. ${EXAMPLE}`);
  if (!Array.isArray(value) || value.length === 0) {
    throw badRequest(
      `"inputs" must be a non-empty array of tensors {name, shape, datatype, data}, not ${describeValue(value)}`,
    );
  }
  const seen = new Set<string>();
  return value.map((tensor: unknown, i) => {
    const where = `inputs[${i}]`;
    if (typeof tensor !== 'object' || tensor === null || Array.isArray(tensor)) {
      throw badRequest(
        `${where} must be a tensor object {name, shape, datatype, data}, not ${describeValue(tensor)}`,
      );
    }
    const t = tensor as Record<string, unknown>;
    for (const key of Object.keys(t)) {
      if (!(TENSOR_FIELDS as readonly string[]).includes(key)) {
        throw badRequest(
          `${where} has the unknown field "${key.slice(0, 40)}"; allowed: ${TENSOR_FIELDS.join(', ')}`,
        );
      }
    }
    if (typeof t.name !== 'string' || t.name === '')
      throw badRequest(`${where}.name must be a non-empty string`);
    if (seen.has(t.name)) throw badRequest(`${where}: the input "${t.name.slice(0, 40)}" is given twice`);
    seen.add(t.name);
    if (typeof t.datatype !== 'string' || !NUMERIC.has(t.datatype)) {
      throw badRequest(
        `${where}.datatype is ${describeValue(t.datatype)}; use a numeric type such as FP32 (${[...NUMERIC].join(', ')})`,
      );
    }
    const shape = readShape(t.shape, where);
    return { name: t.name, shape, data: flatten(t.data, shape, `${where}.data`) };
  });
}

function readShape(value: unknown, where: string): number[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > 2) {
    throw badRequest(
      `${where}.shape must be [rows, features] or [rows], not ${JSON.stringify(value)?.slice(0, 40) ?? 'missing'}`,
    );
  }
  let elements = 1;
  for (const dim of value) {
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 0) {
      throw badRequest(`${where}.shape has ${describeValue(dim)}; dimensions are non-negative integers`);
    }
    elements *= dim;
  }
  if (elements > MAX_ELEMENTS) throw badRequest(`${where}.shape ${JSON.stringify(value)} is too large`);
  return value as number[];
}

/** Row-major values of `data`, flat or nested as `shape`; the count must be the shape's product. */
function flatten(value: unknown, shape: readonly number[], where: string): number[] {
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(value)) throw badRequest(`${where} must be an array, not ${describeValue(value)}`);
  if (value.length > 0 && !Array.isArray(value[0])) {
    if (value.length !== count) {
      throw badRequest(`${where} has ${value.length} values; shape ${JSON.stringify(shape)} needs ${count}`);
    }
    for (let i = 0; i < value.length; i += 1) featureValue(value[i], `${where}[${i}]`);
    return value as number[];
  }
  // Nested: exactly as deep as the shape, each level as long as its dimension.
  const out: number[] = [];
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      out.push(featureValue(node, path));
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw badRequest(
        `${path} must be an array of ${shape[depth]} (shape ${JSON.stringify(shape)}), not ${describeValue(node)}`,
      );
    }
    for (let i = 0; i < node.length; i += 1) walk(node[i], depth + 1, `${path}[${i}]`);
  };
  walk(value, 0, where);
  if (out.length !== count)
    throw badRequest(`${where} has ${out.length} values; shape ${JSON.stringify(shape)} needs ${count}`);
  return out;
}

/** One [N, F] tensor (or [F], one row), or one [N] / [N, 1] tensor per feature. */
function toRows(inputs: InputTensor[], features: readonly string[]): number[][] {
  const width = features.length;
  const single = inputs[0] as InputTensor;
  if (inputs.length === 1 && !features.includes(single.name)) {
    const [n, f] =
      single.shape.length === 2 ? (single.shape as [number, number]) : [1, single.shape[0] as number];
    if (f !== width) {
      throw badRequest(
        `inputs[0] "${single.name.slice(0, 40)}" has shape ${JSON.stringify(single.shape)}; the model takes [rows, ${width}] (${features.join(', ')}), or one input per feature`,
      );
    }
    if (n === 0) throw badRequest('inputs[0] has no rows');
    const rows = new Array<number[]>(n);
    for (let r = 0; r < n; r += 1) rows[r] = single.data.slice(r * width, (r + 1) * width);
    return rows;
  }
  const byName = new Map(inputs.map((t) => [t.name, t]));
  const unknown = inputs.filter((t) => !features.includes(t.name)).map((t) => `"${t.name.slice(0, 40)}"`);
  if (unknown.length) {
    throw badRequest(
      `unknown input${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).join(', ')}: name one input per feature (${features.join(', ')}), or send one [rows, ${width}] tensor`,
    );
  }
  const missing = features.filter((f) => !byName.has(f));
  if (missing.length)
    throw badRequest(
      `missing input${missing.length > 1 ? 's' : ''} ${missing.map((f) => `"${f}"`).join(', ')}`,
    );
  let n = -1;
  for (const t of inputs) {
    if (t.shape.length === 2 && t.shape[1] !== 1) {
      throw badRequest(
        `input "${t.name}" has shape ${JSON.stringify(t.shape)}; a per-feature input is [rows] or [rows, 1]`,
      );
    }
    const rows = t.shape[0] as number;
    if (n >= 0 && rows !== n)
      throw badRequest(`the inputs differ in rows (${n} and ${rows} for "${t.name}")`);
    n = rows;
  }
  if (n === 0) throw badRequest('the inputs have no rows');
  const rows: number[][] = Array.from({ length: n }, () => new Array<number>(width));
  features.forEach((name, j) => {
    const data = (byName.get(name) as InputTensor).data;
    for (let r = 0; r < n; r += 1) (rows[r] as number[])[j] = data[r] as number;
  });
  return rows;
}

/** `drift: {rows, features: {name: psi}, predictions}` of the model's window, or nothing while it is empty. */
function driftParameters(model: ServedModel): { drift?: object } {
  const report = driftReport(model.drift?.snapshot());
  if (report === undefined) return {};
  return {
    drift: {
      rows: report.rows,
      features: Object.fromEntries(report.features.map((f) => [f.name, f.psi])),
      predictions: report.predictions,
    },
  };
}
