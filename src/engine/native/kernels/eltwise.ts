/**
 * Activations, their gradients (the custom kernel NativeActivationGrad, used by gradients.ts) and
 * float32 Add/Sub/Multiply/RealDiv where one operand broadcasts as a suffix of the other
 * (bias adds, per-channel scales, scalars): the cpu backend's general broadcasting loop is slow.
 */
import * as tf from '@tensorflow/tfjs-core';
import { addon } from '../addon.ts';
import { ACT } from '../activations.ts';
import { alloc, f32, output, sizeOf } from '../storage.ts';
import { nativeKernel, type KernelArgs } from './define.ts';

export const ACTIVATION_GRAD = 'NativeActivationGrad';
/** The same plus the per-channel sum of the result (a fused layer's bias gradient) in one pass. */
export const ACTIVATION_GRAD_BIAS = 'NativeActivationGradBias';
/** Inverted dropout with a mask hashed from attrs seedA, seedB (see native/src/kernels.h). */
export const DROPOUT = 'NativeDropout';

function unary(act: number, alpha: (attrs: tf.NamedAttrMap) => number) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | undefined => {
    const x = inputs.x;
    const xv = f32(backend, x);
    if (!xv) return undefined;
    const y = alloc(xv.length);
    addon().actForward(xv, y, act, alpha(attrs));
    return output(backend, x.shape, y);
  };
}

/** Prelu with a single slope is a leaky relu; per-channel slopes go to cpu. */
function prelu({ inputs, backend }: KernelArgs): tf.TensorInfo | undefined {
  const xv = f32(backend, inputs.x), av = f32(backend, inputs.alpha);
  if (!xv || !av || av.length !== 1) return undefined;
  const y = alloc(xv.length);
  addon().actForward(xv, y, ACT.leakyrelu, av[0]);
  return output(backend, inputs.x.shape, y);
}

/** dx = dy * act'(src); src is the activation's output when attrs.fromOutput, else its input. */
function activationGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const dyv = f32(backend, inputs.dy), sv = f32(backend, inputs.src);
  if (!dyv || !sv || dyv.length !== sv.length) {
    throw new Error(`${ACTIVATION_GRAD}: dy and src must be float32 tensors of one shape, got ` +
      `[${inputs.dy.shape}] ${inputs.dy.dtype} and [${inputs.src.shape}] ${inputs.src.dtype}`);
  }
  const dx = alloc(dyv.length);
  addon().actBackward(dyv, sv, dx, attrs.act as number, attrs.alpha as number, attrs.fromOutput as boolean);
  return output(backend, inputs.dy.shape, dx);
}

function activationGradBias({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const dyv = f32(backend, inputs.dy), sv = f32(backend, inputs.src);
  const shape = inputs.dy.shape;
  if (!dyv || !sv || dyv.length !== sv.length || shape.length === 0) {
    throw new Error(`${ACTIVATION_GRAD_BIAS}: dy and src must be float32 tensors of one shape (rank >= 1), got ` +
      `[${inputs.dy.shape}] ${inputs.dy.dtype} and [${inputs.src.shape}] ${inputs.src.dtype}`);
  }
  const channels = shape[shape.length - 1];
  const dx = alloc(dyv.length), db = alloc(channels);
  addon().actBackwardBias(dyv, sv, dx, db, attrs.act as number, attrs.alpha as number, attrs.fromOutput as boolean);
  return [output(backend, shape, dx), output(backend, [channels], db)];
}

function dropout({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const xv = f32(backend, inputs.x);
  if (!xv) throw new Error(`${DROPOUT}: x must be a float32 tensor, got [${inputs.x.shape}] ${inputs.x.dtype}`);
  const y = alloc(xv.length);
  addon().dropout(xv, y, attrs.rate as number, attrs.seedA as number, attrs.seedB as number);
  return output(backend, inputs.x.shape, y);
}

function eluGrad({ inputs, backend }: KernelArgs): tf.TensorInfo | undefined {
  const dyv = f32(backend, inputs.dy), yv = f32(backend, inputs.y);
  if (!dyv || !yv) return undefined;
  const dx = alloc(dyv.length);
  addon().actBackward(dyv, yv, dx, ACT.elu, 1, true);
  return output(backend, inputs.dy.shape, dx);
}

/** Whether `small` broadcasts against `big` as a suffix (leading 1s ignored). */
function isSuffix(small: number[], big: number[]): boolean {
  const s = small.slice(small.findIndex((d) => d !== 1) === -1 ? small.length : small.findIndex((d) => d !== 1));
  if (s.length > big.length) return false;
  return s.every((d, i) => d === big[big.length - s.length + i]);
}

function binary(op: number) {
  return ({ inputs, backend }: KernelArgs): tf.TensorInfo | undefined => {
    const { a, b } = inputs;
    const av = f32(backend, a), bv = f32(backend, b);
    if (!av || !bv || av.length === 0 || bv.length === 0) return undefined;
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = sizeOf(outShape);
    const bigA = av.length === n;
    if (!(bigA ? isSuffix(b.shape, outShape) : bv.length === n && isSuffix(a.shape, outShape))) return undefined;
    const out = alloc(n);
    addon().binary(op, av, bv, out);
    return output(backend, outShape, out);
  };
}

export const eltwiseKernels = (): tf.KernelConfig[] => [
  nativeKernel(tf.Relu, unary(ACT.relu, () => 0)),
  nativeKernel(tf.Relu6, unary(ACT.relu6, () => 0)),
  nativeKernel(tf.LeakyRelu, unary(ACT.leakyrelu, (attrs) => attrs.alpha as number)),
  nativeKernel(tf.Prelu, prelu),
  nativeKernel(tf.Elu, unary(ACT.elu, () => 1)),
  nativeKernel(tf.Selu, unary(ACT.selu, () => 0)),
  nativeKernel(tf.Sigmoid, unary(ACT.sigmoid, () => 0)),
  nativeKernel(tf.Tanh, unary(ACT.tanh, () => 0)),
  nativeKernel(tf.Erf, unary(ACT.erf, () => 0)),
  nativeKernel(tf.EluGrad, eluGrad),
  nativeKernel(ACTIVATION_GRAD, activationGrad),
  nativeKernel(ACTIVATION_GRAD_BIAS, activationGradBias),
  nativeKernel(DROPOUT, dropout),
  nativeKernel(tf.Add, binary(0)),
  nativeKernel(tf.Sub, binary(1)),
  nativeKernel(tf.Multiply, binary(2)),
  nativeKernel(tf.RealDiv, binary(3)),
];
