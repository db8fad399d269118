import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Class probabilities (count × classes, row-major) for all examples, in batches, in inference mode. */
export function predictProbs(model: tfl.LayersModel, x: Float32Array, count: number, inputShape: number[], batchSize = 500): Float32Array {
  const size = inputShape.reduce((a, b) => a * b, 1);
  let out: Float32Array | undefined;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    // batchSize: n, or tfjs-layers splits the batch into pieces of 32 (its default) and concatenates.
    const p = tf.tidy(() => model.predict(tf.tensor(x.subarray(start * size, (start + n) * size), [n, ...inputShape]), { batchSize: n }) as tf.Tensor);
    const data = p.dataSync() as Float32Array;
    const k = data.length / n;
    out ??= new Float32Array(count * k);
    out.set(data, start * k);
    p.dispose();
  }
  return out ?? new Float32Array(0);
}
