/** Sum, Mean, Max, Min over one contiguous run of axes; Softmax over the last axis; FusedBatchNorm. */
import * as tf from '@tensorflow/tfjs-core';
import { addon } from '../addon.ts';
import { alloc, f32, output, sizeOf } from '../storage.ts';
import { nativeKernel, type KernelArgs } from './define.ts';

const OP = { sum: 0, mean: 1, max: 2, min: 3 } as const;

function reduce(op: number, axisAttr: 'axis' | 'reductionIndices') {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | undefined => {
    const x = inputs.x;
    const xv = f32(backend, x);
    if (!xv || xv.length === 0) return undefined;
    const axes = tf.util.parseAxisParam(attrs[axisAttr] as number | number[], x.shape).sort((p, q) => p - q);
    if (axes.length === 0 || axes.some((ax, i) => i > 0 && ax !== axes[i - 1] + 1)) return undefined;
    const first = axes[0], last = axes[axes.length - 1];
    const outer = sizeOf(x.shape.slice(0, first)), mid = sizeOf(x.shape.slice(first, last + 1));
    const inner = sizeOf(x.shape.slice(last + 1));
    const keep = attrs.keepDims as boolean;
    const outShape = x.shape.flatMap((d, i) => (i < first || i > last ? [d] : keep ? [1] : []));
    const out = alloc(outer * inner);
    addon().reduce(op, xv, out, outer, mid, inner);
    return output(backend, outShape, out);
  };
}

function softmax({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | undefined {
  const logits = inputs.logits;
  const v = f32(backend, logits);
  const rank = logits.shape.length;
  const dim = attrs.dim as number;
  if (!v || rank === 0 || (dim !== -1 && dim !== rank - 1)) return undefined;
  const cols = logits.shape[rank - 1];
  const y = alloc(v.length);
  addon().softmax(v, y, v.length / cols, cols);
  return output(backend, logits.shape, y);
}

function batchNorm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | undefined {
  const { x, mean, variance, offset, scale } = inputs;
  const xv = f32(backend, x), mv = f32(backend, mean), vv = f32(backend, variance);
  const c = x.shape[x.shape.length - 1];
  const perChannel = (t: tf.TensorInfo | undefined) => !t || (sizeOf(t.shape) === c && t.shape.slice(0, -1).every((d) => d === 1));
  if (!xv || !mv || !vv || x.shape.length === 0 || ![mean, variance, offset, scale].every(perChannel)) return undefined;
  const ov = offset ? f32(backend, offset) : null, sv = scale ? f32(backend, scale) : null;
  if (ov === undefined || sv === undefined) return undefined;
  const y = alloc(xv.length);
  addon().batchNorm(xv, mv, vv, ov, sv, attrs.varianceEpsilon as number, y);
  return output(backend, x.shape, y);
}

export const reduceKernels = (): tf.KernelConfig[] => [
  nativeKernel(tf.Sum, reduce(OP.sum, 'axis')),
  nativeKernel(tf.Mean, reduce(OP.mean, 'axis')),
  nativeKernel(tf.Max, reduce(OP.max, 'reductionIndices')),
  nativeKernel(tf.Min, reduce(OP.min, 'axis')),
  nativeKernel(tf.Softmax, softmax),
  nativeKernel(tf.FusedBatchNorm, batchNorm),
];
