/**
 * Dropout in training on the native backend: one kernel forward and the same kernel on dy backward.
 * tfjs composes it from a JavaScript random-number loop and four full-size kernels (Add, Floor,
 * RealDiv, Multiply), which cost 15-20 % of a VGG-style training step here; the native kernel hashes
 * each element's index with two seeds instead, so the gradient regenerates the mask without storing it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DROPOUT } from './kernels/eltwise.ts';
import { BACKEND_NAME } from './kernels/define.ts';

/**
 * x with each element zeroed with probability `rate` and the rest scaled by 1 / (1 - rate), or
 * undefined off the native backend. The seeds come from Math.random, which the trainer seeds, so a
 * seeded run draws the same masks.
 */
export function nativeDropout(x: tf.Tensor, rate: number): tf.Tensor | undefined {
  if (tf.getBackend() !== BACKEND_NAME || x.dtype !== 'float32' || !(rate > 0 && rate < 1)) return undefined;
  const seed = () => Math.floor(Math.random() * 2 ** 32);
  const attrs = { rate, seedA: seed(), seedB: seed() } as unknown as tf.NamedAttrMap;
  const apply = (t: tf.Tensor) => tf.engine().runKernel(DROPOUT, { x: t }, attrs) as tf.Tensor;
  const forward = tf.customGrad(((xi: tf.Tensor) => ({ value: apply(xi), gradFunc: (dy: tf.Tensor) => apply(dy) })) as unknown as
    Parameters<typeof tf.customGrad>[0]);
  return forward(x);
}
