/**
 * Conv2DBackpropInput as one Conv2D (XNNPACK) instead of the wasm package's naive loops:
 *   dx[n,h,w,ci] = Σ dy[n, (h+top−kh)/s, (w+left−kw)/s, co] · W[kh,kw,ci,co]  (where s divides),
 * i.e. the stride-1 correlation of dy, zero-dilated by the stride, with the filter flipped in space
 * and its channels swapped ([KH, KW, Cout, Cin]), padded by K−1−top / K−1−left in front.
 */
import {
  Conv2DBackpropInput, type Conv2DBackpropInputAttrs, type KernelConfig, type KernelFunc, type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forwardConvInfo, stride1Attrs } from './conv-info.ts';
import { inScope, type KernelScope } from './scope.ts';

type Shape4 = [number, number, number, number];

/** dy with stride−1 zeros after every row and column: [N, OH·sh, OW·sw, C]. */
function dilate(s: KernelScope, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape;
  const spread = s.reshape(dy, [n, oh, 1, ow, 1, c]);
  const padded = s.run('PadV2', { x: spread }, {
    paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0,
  });
  return s.reshape(padded, [n, oh * sh, ow * sw, c]);
}

export function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  const info = forwardConvInfo('Conv2DBackpropInput', attrs.inputShape, filter.shape as Shape4, attrs.strides,
    attrs.pad, attrs.dataFormat, attrs.dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  if (top < 0 || left < 0) {
    // Explicit padding wider than the filter: rare, left to the package's loops.
    return conv2DBackpropInputPackage(args);
  }
  return inScope(backend, (s) => {
    const flipped = s.run('Reverse', { x: s.transpose(filter, [0, 1, 3, 2]) }, { dims: [0, 1] });
    const spread = dilate(s, dy, sh, sw);
    const bottom = Math.max(0, h + kh - 1 - spread.shape[1] - top);
    const right = Math.max(0, w + kw - 1 - spread.shape[2] - left);
    const dx = s.run('Conv2D', { x: spread, filter: flipped }, stride1Attrs({ top, bottom, left, right }));
    return s.crop(dx, [n, h, w, cin]);
  });
}

function conv2DBackpropInputPackage(args: Parameters<typeof conv2DBackpropInput>[0]): TensorInfo {
  return inScope(args.backend, (s) => s.run('Conv2DBackpropInput', args.inputs, args.attrs));
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
