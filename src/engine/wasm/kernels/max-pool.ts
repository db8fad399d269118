/**
 * MaxPoolGrad and MaxPoolWithArgmax computed on the heap data, replacing the wasm package's
 * versions: those start each window's running max at the smallest positive float, so a window
 * whose values are all ≤ 0 (batch-norm before max-pool) routes no gradient at all. Here the
 * running max starts at −∞ and ties go to the first position in row-major window order, as in
 * tfjs-backend-cpu (NaNs are never selected, also as there).
 */
import {
  backend_util, MaxPoolGrad, type MaxPoolGradAttrs, MaxPoolWithArgmax, type MaxPoolWithArgmaxAttrs,
  type KernelConfig, type KernelFunc, type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32 } from './scope.ts';

type Shape4 = [number, number, number, number];

/**
 * Calls `visit(out, argmax, max)` for every output element (NHWC flat index `out`) with the flat
 * input index of its window's maximum (−1 when the window has no value > −∞) and that maximum.
 */
function forEachWindowMax(
  x: Float32Array, info: backend_util.Conv2DInfo, visit: (out: number, argmax: number, max: number) => void,
): void {
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const best = new Float32Array(c);
  const bestAt = new Int32Array(c);
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < oh; r++) {
      const r0 = r * sh - top;
      const rLo = Math.max(0, r0);
      const rHi = Math.min(h, r0 + fh);
      for (let q = 0; q < ow; q++) {
        const q0 = q * sw - left;
        const qLo = Math.max(0, q0);
        const qHi = Math.min(w, q0 + fw);
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let i = rLo; i < rHi; i++) {
          for (let j = qLo; j < qHi; j++) {
            const base = ((b * h + i) * w + j) * c;
            for (let k = 0; k < c; k++) {
              const v = x[base + k];
              if (v > best[k]) { best[k] = v; bestAt[k] = base + k; }
            }
          }
        }
        const outBase = ((b * oh + r) * ow + q) * c;
        for (let k = 0; k < c; k++) visit(outBase + k, bestAt[k], best[k]);
      }
    }
  }
}

export function maxPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  backend: BackendWasm;
  attrs: MaxPoolGradAttrs;
}): TensorInfo {
  const { inputs: { dy, input }, backend, attrs } = args;
  const info = backend_util.computePool2DInfo(input.shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode);
  const out = backend.makeOutput(input.shape, 'float32');
  const dx = heapF32(backend, out);
  const dyv = heapF32(backend, dy);
  dx.fill(0);
  forEachWindowMax(heapF32(backend, input), info, (o, at) => {
    if (at >= 0) dx[at] += dyv[o];
  });
  return out;
}

export function maxPoolWithArgmax(args: {
  inputs: { x: TensorInfo };
  backend: BackendWasm;
  attrs: MaxPoolWithArgmaxAttrs;
}): TensorInfo[] {
  const { inputs: { x }, backend, attrs } = args;
  const info = backend_util.computePool2DInfo(x.shape as Shape4, attrs.filterSize, attrs.strides, [1, 1], attrs.pad);
  const pooled = backend.makeOutput(info.outShape, 'float32');
  const indexes = backend.makeOutput(info.outShape, 'int32');
  const pv = heapF32(backend, pooled);
  const iv = backend.typedArrayFromHeap(indexes) as Int32Array;
  const perImage = info.inHeight * info.inWidth * info.inChannels;
  forEachWindowMax(heapF32(backend, x), info, (o, at, max) => {
    pv[o] = max;
    // Without the batch in the index, it counts within the image (tf.nn.max_pool_with_argmax).
    iv[o] = at < 0 || attrs.includeBatchInIndex ? at : at % perImage;
  });
  return [pooled, indexes];
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};

export const maxPoolWithArgmaxConfig: KernelConfig = {
  kernelName: MaxPoolWithArgmax,
  backendName: 'wasm',
  kernelFunc: maxPoolWithArgmax as unknown as KernelFunc,
};
