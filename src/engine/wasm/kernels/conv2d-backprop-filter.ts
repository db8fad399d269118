/**
 * Conv2DBackpropFilter, which the wasm package lacks, as one ordinary Conv2D (XNNPACK) on
 * transposed operands. With the forward conv y[n,oh,ow,co] = Σ x[n, oh·s+kh−top, ow·s+kw−left, ci]·w,
 *   dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, kh+oh·s−top, kw+ow·s−left, ci] · dy[n,oh,ow,co],
 * which is a stride-1 convolution of xᵀ = x as [Cin, H, W, N] (batch ↔ channels) with the "filter"
 * dyᵀ = dy as [OH, OW, N, Cout], dilated by the forward stride, padded by the forward top/left.
 * Its output [Cin, KH, KW, Cout] is transposed to the filter layout [KH, KW, Cin, Cout].
 */
import { Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forwardConvInfo, stride1Attrs } from './conv-info.ts';
import { inScope } from './scope.ts';

type Shape4 = [number, number, number, number];

export function conv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const info = forwardConvInfo('Conv2DBackpropFilter', x.shape as Shape4, attrs.filterShape, attrs.strides, attrs.pad,
    attrs.dataFormat, attrs.dimRoundingMode);
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw, inChannels: cin, outChannels: cout } = info;
  const { top, left } = info.padInfo;
  return inScope(backend, (s) => {
    const xT = s.transpose(x, [3, 1, 2, 0]);
    const dyT = s.transpose(dy, [1, 2, 0, 3]);
    // Pad the far side just enough for a KH x KW output; a larger output is cropped below.
    const bottom = Math.max(0, kh + (oh - 1) * sh - h - top);
    const right = Math.max(0, kw + (ow - 1) * sw - w - left);
    const g = s.run('Conv2D', { x: xT, filter: dyT }, stride1Attrs({ top, bottom, left, right }, [sh, sw]));
    return s.transpose(s.crop(g, [cin, kh, kw, cout]), [1, 2, 0, 3]);
  });
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
