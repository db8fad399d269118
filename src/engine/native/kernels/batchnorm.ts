/**
 * Batch-norm in training mode as two kernels: the forward pass with the batch's per-channel mean and
 * variance, and its whole gradient (through the batch statistics too) in one pass. tfjs-layers
 * composes the same from moments (Mean, Sub, Square, Mean), FusedBatchNorm and their gradients,
 * about a dozen full-size passes over the activations and a ones-array per Mean gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { addon } from '../addon.ts';
import { alloc, f32, output } from '../storage.ts';
import { BACKEND_NAME, type KernelArgs } from './define.ts';

export const BATCH_NORM_TRAIN = 'NativeBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'NativeBatchNormTrainGrad';

function values(args: KernelArgs, name: string, length?: number): Float32Array {
  const t = args.inputs[name];
  const v = t && f32(args.backend, t);
  if (!v || (length !== undefined && v.length !== length)) {
    throw new Error(`${BATCH_NORM_TRAIN}: ${name} must be a float32 tensor${length !== undefined ? ` of ${length} values` : ''}, ` +
      `got ${t ? `[${t.shape}] ${t.dtype}` : 'nothing'}`);
  }
  return v;
}

/** inputs x (channels last), scale, offset; attrs epsilon, relu → [y, mean, variance]. */
function batchNormTrain(args: KernelArgs): tf.TensorInfo[] {
  const x = args.inputs.x;
  const c = x.shape[x.shape.length - 1];
  const xv = values(args, 'x'), scale = values(args, 'scale', c), offset = values(args, 'offset', c);
  const y = alloc(xv.length), mean = alloc(c), variance = alloc(c);
  addon().batchNormTrain(xv, scale, offset, args.attrs.epsilon as number, y, mean, variance, args.attrs.relu === true);
  return [output(args.backend, x.shape, y), output(args.backend, [c], mean), output(args.backend, [c], variance)];
}

/** inputs dy, x, mean, variance, scale and, after a fused relu, y; attrs epsilon → [dx, dscale, doffset]. */
function batchNormTrainGrad(args: KernelArgs): tf.TensorInfo[] {
  const x = args.inputs.x;
  const c = x.shape[x.shape.length - 1];
  const xv = values(args, 'x'), dy = values(args, 'dy', xv.length);
  const dx = alloc(xv.length), dscale = alloc(c), doffset = alloc(c);
  addon().batchNormTrainGrad(dy, xv, values(args, 'mean', c), values(args, 'variance', c), values(args, 'scale', c),
    args.attrs.epsilon as number, dx, dscale, doffset, args.inputs.y ? values(args, 'y', xv.length) : null);
  return [output(args.backend, x.shape, dx), output(args.backend, [c], dscale), output(args.backend, [c], doffset)];
}

const kernel = (kernelName: string, impl: (a: KernelArgs) => tf.TensorInfo[]): tf.KernelConfig =>
  ({ kernelName, backendName: BACKEND_NAME, kernelFunc: impl as unknown as tf.KernelFunc });

export const batchNormKernels = (): tf.KernelConfig[] => [
  kernel(BATCH_NORM_TRAIN, batchNormTrain),
  kernel(BATCH_NORM_TRAIN_GRAD, batchNormTrainGrad),
];
