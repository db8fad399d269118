/**
 * Categorical cross-entropy on probabilities as one native kernel forward and one backward. tfjs
 * composes it from about a dozen small kernels each way (clip, log, multiply, sum, mean, negate and
 * their gradients, with broadcasting multiplies on the cpu path): a fifth of an MLP's training step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CROSS_ENTROPY, CROSS_ENTROPY_GRAD } from './kernels/reduce.ts';
import { BACKEND_NAME } from './kernels/define.ts';

/**
 * The mean over rows of -sum(labels * log(clip(probs, eps, 1 - eps))), with a gradient to probs only
 * (labels are data), or undefined off the native backend.
 */
export function nativeCrossEntropy(labels: tf.Tensor, probs: tf.Tensor, eps: number): tf.Scalar | undefined {
  if (tf.getBackend() !== BACKEND_NAME || probs.dtype !== 'float32' || labels.dtype !== 'float32' ||
    probs.rank < 1 || labels.shape.join() !== probs.shape.join()) return undefined;
  const attrs = { eps } as unknown as tf.NamedAttrMap;
  const loss = tf.customGrad(((p: tf.Tensor, save: tf.GradSaveFunc) => {
    save([p]);
    return {
      value: tf.engine().runKernel(CROSS_ENTROPY, { labels, probs: p }, attrs) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, [sp]: tf.Tensor[]) =>
        tf.engine().runKernel(CROSS_ENTROPY_GRAD, { dy, labels, probs: sp }, attrs) as tf.Tensor,
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return loss(probs) as tf.Scalar;
}
