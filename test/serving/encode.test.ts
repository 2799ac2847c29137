import { describe, expect, it } from 'vitest';
import { mulberry32, type Rng } from '../../src/ml/split.js';
import type { Prediction } from '../../src/ml/predictor.js';
import { columnsReply, inferReply, jsonNumber, predictionsReply } from '../../src/serving/encode.js';

/** Values where rounding to 6 digits is easy to get wrong, and the float32 ends of [0, 1]. */
const EDGES = [
  0,
  1,
  0.5,
  1e-7,
  1e-9,
  1e-30,
  5e-324,
  0.1015625,
  0.9999996,
  0.99999949,
  9.999995e-7,
  999999.5,
  1234567.5,
  123456789,
  3.4e38,
  1e21,
  -2.5e-3,
  -0.9999996,
  Math.fround(0.1),
  Math.fround(1 / 3),
];

/** Edge values, float32 probabilities of every magnitude, or doubles of every magnitude and sign. */
function value(rng: Rng, kind: 'probability' | 'any'): number {
  if (rng() < 0.2) {
    const edge = EDGES[Math.floor(rng() * EDGES.length)] as number;
    return kind === 'probability' ? Math.min(Math.abs(edge), 1) : edge;
  }
  const x = rng() * 10 ** Math.floor(rng() * (kind === 'probability' ? 12 : 40) - 11);
  return kind === 'probability' ? Math.fround(Math.min(x, 1)) : rng() < 0.5 ? -x : x;
}

const CLASSES = ['setosa', 'say "hi"', 'é', 'a,b'];

function classified(rng: Rng, n: number): Prediction[] {
  return Array.from({ length: n }, () => {
    const probabilities: Record<string, number> = {};
    for (const c of CLASSES) probabilities[c] = value(rng, 'probability');
    return { label: CLASSES[Math.floor(rng() * CLASSES.length)] as string, probabilities };
  });
}

const regressed = (rng: Rng, n: number): Prediction[] =>
  Array.from({ length: n }, () => ({ label: value(rng, 'any') }));

/** What the server answered before the hand-written encoders: JSON.stringify of these objects. */
const before = {
  rows: (ps: Prediction[], version: string) => ({ predictions: ps, model_version: version }),
  columns: (ps: Prediction[], version: string, classes?: string[]) => ({
    outputs: {
      label: ps.map((p) => p.label),
      ...(classes ? { probabilities: ps.map((p) => p.probabilities) } : {}),
    },
    model_version: version,
  }),
  infer: (ps: Prediction[], version: string, classes?: string[], id?: string) => ({
    model_name: 'iris',
    model_version: version,
    ...(id === undefined ? {} : { id }),
    outputs: [
      {
        name: 'label',
        datatype: classes ? 'BYTES' : 'FP64',
        shape: [ps.length],
        data: ps.map((p) => p.label),
      },
      ...(classes
        ? [
            {
              name: 'probabilities',
              datatype: 'FP32',
              shape: [ps.length, classes.length],
              data: ps.flatMap((p) => classes.map((c) => p.probabilities?.[c] ?? 0)),
              parameters: { classes },
            },
          ]
        : []),
    ],
  }),
};

/** `old` with every number rounded to 6 significant digits: what the new answer must equal exactly. */
function toSix(old: unknown): unknown {
  if (typeof old === 'number') return Number(old.toPrecision(6));
  if (Array.isArray(old)) return old.map(toSix);
  if (typeof old === 'object' && old !== null) {
    return Object.fromEntries(Object.entries(old).map(([k, v]) => [k, toSix(v)]));
  }
  return old;
}

/** Same values, and the same key order, as the old answer's JSON. */
function expectSameTo6Digits(text: string, old: unknown): void {
  const parsed: unknown = JSON.parse(text);
  const expected = toSix(JSON.parse(JSON.stringify(old)));
  expect(parsed).toEqual(expected);
  expect(JSON.stringify(parsed)).toBe(JSON.stringify(expected));
}

describe('jsonNumber', () => {
  it('writes every value as toPrecision(6) rounds it, and non-finite values as null', () => {
    const rng = mulberry32(7);
    const values = [...EDGES, ...Array.from({ length: 20_000 }, () => value(rng, 'any'))];
    for (const v of values) expect([v, Number(jsonNumber(v))]).toEqual([v, Number(v.toPrecision(6))]);
    expect(jsonNumber(0.971234567)).toBe('0.971235');
    expect(jsonNumber(-1234567.5)).toBe('-1234570');
    expect(jsonNumber(0.000123456789)).toBe('0.000123457');
    expect(jsonNumber(0.9999996)).toBe('1');
    expect(jsonNumber(0.25)).toBe('0.25');
    expect([NaN, Infinity, -Infinity].map(jsonNumber)).toEqual(['null', 'null', 'null']);
  });
});

describe('prediction answers: the old JSON, each number to 6 significant digits', () => {
  const rng = mulberry32(42);
  const sizes = [1, 2, 17, 1000];

  it('rows (simple protocol, TF Serving instances), for classifiers and regressors', () => {
    for (const n of sizes) {
      const ps = classified(rng, n);
      expectSameTo6Digits(predictionsReply(ps, 'v1.0', CLASSES).body, before.rows(ps, 'v1.0'));
      const values = regressed(rng, n);
      expectSameTo6Digits(predictionsReply(values, 'v2.0').body, before.rows(values, 'v2.0'));
    }
  });

  it('columns (TF Serving inputs → outputs)', () => {
    for (const n of sizes) {
      const ps = classified(rng, n);
      expectSameTo6Digits(columnsReply(ps, 'v1.0', CLASSES).body, before.columns(ps, 'v1.0', CLASSES));
      const values = regressed(rng, n);
      expectSameTo6Digits(columnsReply(values, 'v1.0').body, before.columns(values, 'v1.0'));
    }
  });

  it('Open Inference v2 outputs, with and without an id', () => {
    for (const n of sizes) {
      const ps = classified(rng, n);
      const options = { modelName: 'iris', version: 'v3', label: true, probabilities: true };
      expectSameTo6Digits(
        inferReply(ps, { ...options, classes: CLASSES, id: 'req "1"' }).body,
        before.infer(ps, 'v3', CLASSES, 'req "1"'),
      );
      const values = regressed(rng, n);
      expectSameTo6Digits(inferReply(values, options).body, before.infer(values, 'v3'));
    }
  });

  it('Open Inference v2 answers only the outputs asked for', () => {
    const ps = classified(rng, 3);
    const only = (label: boolean, probabilities: boolean) =>
      JSON.parse(
        inferReply(ps, { modelName: 'iris', version: 'v3', classes: CLASSES, label, probabilities }).body,
      ) as { outputs: { name: string }[] };
    expect(only(true, false).outputs.map((o) => o.name)).toEqual(['label']);
    expect(only(false, true).outputs.map((o) => o.name)).toEqual(['probabilities']);
  });
});
