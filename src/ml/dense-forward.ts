import type { LayersModel } from '@tensorflow/tfjs-layers';

/** Computes a model's outputs for `rows` row-major inputs; returns rows × outputs values. */
export type Forward = (x: Float32Array, rows: number) => Float32Array;

type Activation = 'linear' | 'relu' | 'softmax' | 'sigmoid' | 'tanh';
const ACTIVATIONS: ReadonlySet<string> = new Set<Activation>([
  'linear',
  'relu',
  'softmax',
  'sigmoid',
  'tanh',
]);

interface DenseLayer {
  readonly inputs: number;
  readonly units: number;
  /** [inputs, units] row-major, as tfjs stores a Dense kernel. */
  readonly kernel: Float32Array;
  readonly bias: Float32Array | undefined;
  readonly activation: Activation;
}

/**
 * A plain-JavaScript forward pass for a Sequential stack of Dense layers (Dropout and input layers
 * are identities at inference): what mlops trains. A tfjs call costs ~0.3-0.7 ms of fixed overhead
 * (graph walk, tensor bookkeeping, backend dispatch) whatever the batch, while this network is a few
 * thousand multiply-adds per row, so serving spends its time on HTTP instead. Returns undefined for any
 * other topology, which then runs through tfjs. Weights are copied, so the model may be disposed.
 */
export function compileDenseForward(model: LayersModel): Forward | undefined {
  if (model.getClassName() !== 'Sequential') return undefined;
  const layers: DenseLayer[] = [];
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === 'Dropout' || kind === 'InputLayer') continue;
    if (kind !== 'Dense') return undefined;
    const config = layer.getConfig();
    const activation = typeof config.activation === 'string' ? config.activation : 'linear';
    if (!ACTIVATIONS.has(activation)) return undefined;
    const [kernel, bias, ...rest] = layer.getWeights();
    if (kernel === undefined || kernel.shape.length !== 2 || rest.length > 0) return undefined;
    const [inputs, units] = kernel.shape as [number, number];
    layers.push({
      inputs,
      units,
      kernel: Float32Array.from(kernel.dataSync()),
      bias: bias === undefined ? undefined : Float32Array.from(bias.dataSync()),
      activation: activation as Activation,
    });
  }
  if (layers.length === 0) return undefined;
  return (x, rows) => layers.reduce((input, layer) => dense(layer, input, rows), x);
}

function dense(layer: DenseLayer, x: Float32Array, rows: number): Float32Array {
  const { inputs, units, kernel, bias, activation } = layer;
  const y = new Float32Array(rows * units);
  const acc = new Float64Array(units);
  for (let r = 0; r < rows; r += 1) {
    if (bias === undefined) acc.fill(0);
    else for (let o = 0; o < units; o += 1) acc[o] = bias[o] as number;
    const xBase = r * inputs;
    for (let i = 0; i < inputs; i += 1) {
      const v = x[xBase + i] as number;
      // ReLU outputs are often zero: skipping them halves the work of hidden layers.
      if (v === 0) continue;
      const kBase = i * units;
      for (let o = 0; o < units; o += 1) acc[o] = (acc[o] as number) + v * (kernel[kBase + o] as number);
    }
    activate(activation, acc);
    y.set(acc, r * units);
  }
  return y;
}

function activate(activation: Activation, v: Float64Array): void {
  const n = v.length;
  switch (activation) {
    case 'linear':
      return;
    case 'relu':
      for (let i = 0; i < n; i += 1) if ((v[i] as number) < 0) v[i] = 0;
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i += 1) v[i] = 1 / (1 + Math.exp(-(v[i] as number)));
      return;
    case 'tanh':
      for (let i = 0; i < n; i += 1) v[i] = Math.tanh(v[i] as number);
      return;
    case 'softmax': {
      // Shift by the max so exp never overflows.
      let max = -Infinity;
      for (let i = 0; i < n; i += 1) max = Math.max(max, v[i] as number);
      let sum = 0;
      for (let i = 0; i < n; i += 1) {
        const e = Math.exp((v[i] as number) - max);
        v[i] = e;
        sum += e;
      }
      for (let i = 0; i < n; i += 1) v[i] = (v[i] as number) / sum;
      return;
    }
  }
}
