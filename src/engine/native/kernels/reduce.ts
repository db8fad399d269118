/**
 * Sum, Mean, Max, Min over one contiguous run of axes; Softmax over the last axis and its gradient;
 * categorical cross-entropy and its gradient (custom kernels, see ../loss.ts); FusedBatchNorm.
 */
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

export const SOFTMAX_GRAD = 'NativeSoftmaxGrad';
export const CROSS_ENTROPY = 'NativeCrossEntropy';
export const CROSS_ENTROPY_GRAD = 'NativeCrossEntropyGrad';

/** The named inputs as float32 arrays of one shape (rank >= 1), or a clear error. */
function sameShape(kernel: string, args: KernelArgs, names: string[]): { values: Float32Array[]; rows: number; cols: number } {
  const ts = names.map((n) => args.inputs[n]);
  const values = ts.map((t) => t && f32(args.backend, t));
  const shape = ts[0]?.shape ?? [];
  if (shape.length === 0 || values.some((v) => !v) || ts.some((t) => t.shape.join() !== shape.join())) {
    throw new Error(`${kernel}: ${names.join(', ')} must be float32 tensors of one shape (rank >= 1), got ` +
      ts.map((t, i) => `${names[i]} ${t ? `[${t.shape}] ${t.dtype}` : 'missing'}`).join(', '));
  }
  const cols = shape[shape.length - 1];
  return { values: values as Float32Array[], rows: sizeOf(shape) / cols, cols };
}

/** dy, y (softmax's output over the last axis) → dx. */
function softmaxGrad(args: KernelArgs): tf.TensorInfo {
  const { values: [dy, y], rows, cols } = sameShape(SOFTMAX_GRAD, args, ['dy', 'y']);
  const dx = alloc(dy.length);
  addon().softmaxGrad(dy, y, dx, rows, cols);
  return output(args.backend, args.inputs.dy.shape, dx);
}

/** labels, probs; attrs eps → the scalar mean categorical cross-entropy. */
function crossEntropy(args: KernelArgs): tf.TensorInfo {
  const { values: [labels, probs], rows, cols } = sameShape(CROSS_ENTROPY, args, ['labels', 'probs']);
  const loss = alloc(1);
  loss[0] = addon().crossEntropy(labels, probs, rows, cols, args.attrs.eps as number);
  return output(args.backend, [], loss);
}

/** dy (scalar), labels, probs; attrs eps → d loss / d probs. */
function crossEntropyGrad(args: KernelArgs): tf.TensorInfo {
  const { values: [labels, probs], rows, cols } = sameShape(CROSS_ENTROPY_GRAD, args, ['labels', 'probs']);
  const dy = f32(args.backend, args.inputs.dy);
  if (!dy || dy.length !== 1) throw new Error(`${CROSS_ENTROPY_GRAD}: dy must be a float32 scalar`);
  const dp = alloc(probs.length);
  addon().crossEntropyGrad(dy[0], labels, probs, dp, rows, cols, args.attrs.eps as number);
  return output(args.backend, args.inputs.probs.shape, dp);
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
  nativeKernel(SOFTMAX_GRAD, softmaxGrad),
  nativeKernel(CROSS_ENTROPY, crossEntropy),
  nativeKernel(CROSS_ENTROPY_GRAD, crossEntropyGrad),
];
