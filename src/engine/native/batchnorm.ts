/**
 * Batch-norm in training mode on the native backend: one kernel forward (normalised output plus the
 * batch's mean and variance, optionally through relu) and one backward, tied together with tf.customGrad.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './kernels/batchnorm.ts';
import { BACKEND_NAME } from './kernels/define.ts';

export interface BatchNormTraining {
  /** The normalised, scaled and shifted batch, rectified if asked (with a gradient to x, scale and offset). */
  y: tf.Tensor;
  /** The batch's per-channel mean and biased variance (no gradient), for the moving averages. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Channels-last x with per-channel scale and offset; undefined off the native backend or for inputs
 * the kernels do not take (the caller then runs tfjs's own composition).
 */
export function nativeBatchNormTraining(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, epsilon: number, relu = false): BatchNormTraining | undefined {
  const c = x.shape[x.shape.length - 1];
  if (tf.getBackend() !== BACKEND_NAME || x.rank < 2 || x.dtype !== 'float32' ||
    scale.shape.join() !== String(c) || offset.shape.join() !== String(c)) return undefined;
  let stats: tf.Tensor[] = [];
  const attrs = { epsilon, relu } as unknown as tf.NamedAttrMap;
  const forward = tf.customGrad(((xi: tf.Tensor, s: tf.Tensor, o: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x: xi, scale: s, offset: o }, attrs) as tf.Tensor[];
    save(relu ? [xi, mean, variance, s, y] : [xi, mean, variance, s]);
    // customGrad runs this in a tidy that keeps only `value`: keep the statistics through it, and
    // hand the caller clones tracked by its own scope (below).
    stats = [tf.keep(mean), tf.keep(variance)];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sm, sv, ss, sy] = saved;
        const inputs = { dy, x: sx, mean: sm, variance: sv, scale: ss, ...(sy && { y: sy }) };
        return tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, inputs, attrs) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = forward(x, scale, offset);
  const [mean, variance] = stats.map((t) => tf.clone(t) as tf.Tensor1D);
  tf.dispose(stats);
  return { y, mean, variance };
}
