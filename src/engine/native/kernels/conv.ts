/** Conv2D, FusedConv2D and both convolution gradients on oneDNN / im2col + OpenBLAS. */
import * as tf from '@tensorflow/tfjs-core';
import { addon } from '../addon.ts';
import { fusedActivation } from '../activations.ts';
import { alloc, f32, output, sizeOf } from '../storage.ts';
import { nativeKernel, type KernelArgs } from './define.ts';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/** tfjs's conv geometry, or undefined for what we leave to cpu (NCHW, dilations). */
function geometry(
  xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap,
): tf.backend_util.Conv2DInfo | undefined {
  const dataFormat = (attrs.dataFormat as string | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC') return undefined;
  const dilations = (attrs.dilations as number | [number, number] | undefined) ?? 1;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides as number | [number, number], dilations, attrs.pad as Pad, attrs.dimRoundingMode as Rounding,
  );
  return info.dilationHeight === 1 && info.dilationWidth === 1 ? info : undefined;
}

/** The addon's conv dims: [n,h,w,c, kh,kw,o, sh,sw, pt,pl,pb,pr, oh,ow]; bottom/right pads fit the output size. */
export function convDims(c: tf.backend_util.Conv2DInfo): number[] {
  const { top, left } = c.padInfo;
  const bottom = (c.outHeight - 1) * c.strideHeight + c.filterHeight - c.inHeight - top;
  const right = (c.outWidth - 1) * c.strideWidth + c.filterWidth - c.inWidth - left;
  return [
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.filterHeight, c.filterWidth, c.outChannels,
    c.strideHeight, c.strideWidth, top, left, bottom, right, c.outHeight, c.outWidth,
  ];
}

function conv(args: KernelArgs, fused: boolean): tf.TensorInfo | undefined {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias, preluActivationWeights } = inputs;
  if (x.shape.length !== 4 || filter.shape.length !== 4) return undefined;
  const act = fused ? fusedActivation(attrs.activation as string, attrs.leakyreluAlpha as number) : fusedActivation('linear');
  if (!act || preluActivationWeights) return undefined;
  const info = geometry(x.shape, filter.shape, attrs);
  const xv = f32(backend, x), fv = f32(backend, filter);
  if (!info || !xv || !fv) return undefined;
  let bv: Float32Array | null = null;
  if (bias) {
    const b = f32(backend, bias);
    if (!b || sizeOf(bias.shape) !== info.outChannels || bias.shape.length > 1) return undefined;
    bv = b;
  }
  const y = alloc(sizeOf(info.outShape));
  addon().convForward(xv, fv, bv, y, convDims(info), act.act, act.alpha);
  return output(backend, info.outShape, y);
}

function backpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | undefined {
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as number[];
  const info = geometry(inputShape, filter.shape, { ...attrs, dilations: 1 });
  const dyv = f32(backend, dy), fv = f32(backend, filter);
  if (!info || !dyv || !fv) return undefined;
  const dx = alloc(sizeOf(inputShape));
  addon().convBackwardData(dyv, fv, dx, convDims(info));
  return output(backend, inputShape, dx);
}

function backpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | undefined {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  const info = geometry(x.shape, filterShape, { ...attrs, dilations: 1 });
  const xv = f32(backend, x), dyv = f32(backend, dy);
  if (!info || !xv || !dyv) return undefined;
  const dw = alloc(sizeOf(filterShape));
  addon().convBackwardFilter(xv, dyv, dw, convDims(info));
  return output(backend, filterShape, dw);
}

export const convKernels = (): tf.KernelConfig[] => [
  nativeKernel(tf.Conv2D, (a) => conv(a, false)),
  nativeKernel(tf.FusedConv2D, (a) => conv(a, true)),
  nativeKernel(tf.Conv2DBackpropInput, backpropInput),
  nativeKernel(tf.Conv2DBackpropFilter, backpropFilter),
];
