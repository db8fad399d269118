/**
 * Batch-norm followed directly by relu: while training on the native backend the batch-norm layer
 * applies the relu in its own kernels (batch-norm.ts, `reluAfter`) and marks its output here, and the
 * relu layer passes a marked tensor on instead of running relu and its gradient again (about 7 % of
 * the fast CNN's training step). Relu is idempotent, so an unmarked input only costs the second pass,
 * never correctness; at inference both layers run tfjs's own code.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { withTrainingPath } from './training-path.ts';

const rectified = new WeakSet<tf.Tensor>();

/** Marks a tensor as an output of relu (non-negative). */
export function markRectified<T extends tf.Tensor>(t: T): T {
  rectified.add(t);
  return t;
}

/** tfjs-layers' relu Activation layer, which passes on inputs already rectified while training. */
export function reluActivation(name: string): ReturnType<typeof tfl.layers.activation> {
  const layer = tfl.layers.activation({ activation: 'relu', name });
  return withTrainingPath(layer, (x) => (rectified.has(x) ? tf.clone(x) : undefined));
}
