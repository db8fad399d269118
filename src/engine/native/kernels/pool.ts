/** MaxPool, AvgPool and their gradients (NHWC). */
import * as tf from '@tensorflow/tfjs-core';
import { addon } from '../addon.ts';
import { alloc, f32, output, sizeOf } from '../storage.ts';
import { nativeKernel, type KernelArgs } from './define.ts';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

function geometry(xShape: number[], attrs: tf.NamedAttrMap): { info: tf.backend_util.Conv2DInfo; dims: number[] } {
  const info = tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number], attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number], 1, attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const dims = [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth,
    info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth,
  ];
  return { info, dims };
}

function pool(kind: 0 | 1, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | undefined {
  const x = inputs.x;
  const xv = f32(backend, x);
  if (!xv || x.shape.length !== 4) return undefined;
  const { info, dims } = geometry(x.shape, attrs);
  const y = alloc(sizeOf(info.outShape));
  addon().pool(kind, xv, y, dims);
  return output(backend, info.outShape, y);
}

function poolGrad(kind: 0 | 1, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | undefined {
  const { dy, input } = inputs;
  const dyv = f32(backend, dy), xv = f32(backend, input);
  if (!dyv || !xv || input.shape.length !== 4) return undefined;
  const { dims } = geometry(input.shape, attrs);
  const dx = alloc(sizeOf(input.shape));
  addon().poolGrad(kind, kind === 0 ? xv : null, dyv, dx, dims);
  return output(backend, input.shape, dx);
}

export const poolKernels = (): tf.KernelConfig[] => [
  nativeKernel(tf.MaxPool, (a) => pool(0, a)),
  nativeKernel(tf.AvgPool, (a) => pool(1, a)),
  nativeKernel(tf.MaxPoolGrad, (a) => poolGrad(0, a)),
  nativeKernel(tf.AvgPoolGrad, (a) => poolGrad(1, a)),
];
