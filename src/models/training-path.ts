/**
 * A training-mode fast path for a tfjs-layers layer: while training, `fast(x)` replaces the layer's
 * own call whenever it returns a tensor (the engine's fused kernels, where the backend has them);
 * otherwise, and at inference, tfjs's code runs unchanged. The layer keeps its class, weights and
 * config, so saved models load anywhere tfjs does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Any layer: what matters here is tfjs-layers' Layer.call (Dropout's is that signature). */
type Callable = Pick<ReturnType<typeof tfl.layers.dropout>, 'call'>;

export function withTrainingPath<L extends Callable>(layer: L, fast: (x: tf.Tensor) => tf.Tensor | undefined): L {
  const tfjsCall = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => {
    if (!kwargs.training) return tfjsCall(inputs, kwargs);
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => fast(x) ?? tfjsCall(inputs, kwargs));
  };
  return layer;
}
