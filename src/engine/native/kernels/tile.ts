/**
 * Tile by block copies. tfjs's FusedBatchNorm gradient tiles a per-channel vector to the whole
 * activation shape, and the cpu kernel computes every output element's source index one at a time:
 * that was half of a batch-norm CNN's training step. Here each tile is written once and then
 * replicated with doubling `copyWithin` calls.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sizeOf } from '../storage.ts';
import { nativeKernel, type KernelArgs } from './define.ts';

/** Repeats out[start, start + block) `reps` times in place. */
function replicate(out: Float32Array | Int32Array, start: number, block: number, reps: number): void {
  const total = block * reps;
  for (let filled = block; filled < total;) {
    const n = Math.min(filled, total - filled);
    out.copyWithin(start + filled, start, start + n);
    filled += n;
  }
}

export function tileValues<T extends Float32Array | Int32Array>(x: T, shape: number[], reps: number[], out: T): T {
  const rank = shape.length;
  const outShape = shape.map((d, i) => d * reps[i]);
  const inStride = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
  const outStride = outShape.map((_, i) => sizeOf(outShape.slice(i + 1)));
  const fill = (dim: number, inAt: number, outAt: number): void => {
    if (dim === rank - 1) {
      out.set(x.subarray(inAt, inAt + shape[dim]), outAt);
    } else {
      for (let i = 0; i < shape[dim]; i++) fill(dim + 1, inAt + i * inStride[dim], outAt + i * outStride[dim]);
    }
    replicate(out, outAt, shape[dim] * (dim === rank - 1 ? 1 : outStride[dim]), reps[dim]);
  };
  if (rank > 0 && out.length > 0) fill(0, 0, 0);
  return out;
}

function tile({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | undefined {
  const x = inputs.x;
  const values = backend.data.get(x.dataId).values;
  if (!(values instanceof Float32Array || values instanceof Int32Array) || x.shape.length === 0) return undefined;
  const reps = attrs.reps as number[];
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = new (values.constructor as Float32ArrayConstructor | Int32ArrayConstructor)(sizeOf(outShape));
  tileValues(values, x.shape, reps, out);
  return backend.makeTensorInfo(outShape, x.dtype, out);
}

export const tileKernels = (): tf.KernelConfig[] => [nativeKernel(tf.Tile, tile)];
