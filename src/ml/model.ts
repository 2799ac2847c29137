import type { Sequential } from '@tensorflow/tfjs-layers';
import type { Tf } from './backend.js';
import type { Task } from './metrics.js';

export interface ModelSpec {
  readonly task: Task;
  readonly inputs: number;
  /** Number of classes (softmax units); ignored for regression (one linear unit). */
  readonly classes: number;
  readonly hiddenUnits: readonly number[];
  readonly dropout: number;
  readonly l2: number;
  readonly seed: number;
}

/** A layer whose dropout seed the training loop advances per step (see reseedDropout). */
interface SeededLayer {
  seed?: number;
}

/**
 * The default tabular network: Dense(relu) blocks, each optionally followed by dropout, then a softmax
 * (classification) or linear unit (regression). Initializers are seeded from `seed`, one seed per
 * layer. Layer names are fixed so that the same training run writes byte-identical artifacts.
 */
export function buildModel(tf: Tf, spec: ModelSpec): Sequential {
  const model = tf.sequential({ name: 'mlops_tabular' });
  const regularizer = spec.l2 > 0 ? () => tf.regularizers.l2({ l2: spec.l2 }) : () => undefined;
  spec.hiddenUnits.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        name: `hidden_${i + 1}`,
        ...(i === 0 ? { inputShape: [spec.inputs] } : {}),
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heUniform({ seed: spec.seed + i }),
        biasInitializer: 'zeros',
        kernelRegularizer: regularizer(),
      }),
    );
    if (spec.dropout > 0) {
      model.add(
        tf.layers.dropout({ name: `dropout_${i + 1}`, rate: spec.dropout, seed: spec.seed + 1000 + i }),
      );
    }
  });
  const outputs = spec.task === 'classification' ? spec.classes : 1;
  model.add(
    tf.layers.dense({
      name: 'output',
      ...(spec.hiddenUnits.length === 0 ? { inputShape: [spec.inputs] } : {}),
      units: outputs,
      activation: spec.task === 'classification' ? 'softmax' : 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: spec.seed + spec.hiddenUnits.length }),
      biasInitializer: 'zeros',
      kernelRegularizer: regularizer(),
    }),
  );
  return model;
}

/**
 * tfjs' Dropout reuses its configured seed on every call, which would drop the same units at every
 * step; without a seed it draws from Math.random and breaks determinism. Giving each step a fresh
 * seed from the run's PRNG keeps both the regularization and the reproducibility.
 */
export function reseedDropout(model: Sequential, nextSeed: () => number): void {
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Dropout') (layer as unknown as SeededLayer).seed = nextSeed();
  }
}
