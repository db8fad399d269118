/** BatchMatMul and _FusedMatMul (bias + activation): oneDNN matmul, OpenBLAS sgemm for batched and small products (native/src/gemm.cc). */
import * as tf from '@tensorflow/tfjs-core';
import { addon } from '../addon.ts';
import { fusedActivation } from '../activations.ts';
import { alloc, f32, output, sizeOf } from '../storage.ts';
import { nativeKernel, type KernelArgs } from './define.ts';

const sameShape = (p: number[], q: number[]) => p.length === q.length && p.every((d, i) => d === q[i]);

function matmul(args: KernelArgs, fused: boolean): tf.TensorInfo | undefined {
  const { inputs, backend, attrs } = args;
  const { a, b, bias, preluActivationWeights } = inputs;
  const transA = attrs.transposeA as boolean, transB = attrs.transposeB as boolean;
  const act = fused ? fusedActivation(attrs.activation as string, attrs.leakyreluAlpha as number) : fusedActivation('linear');
  const av = f32(backend, a), bv = f32(backend, b);
  if (!act || preluActivationWeights || !av || !bv || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const ra = a.shape.length, rb = b.shape.length;
  const m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return undefined; // cpu raises tfjs's own error message
  // Batch dims: equal, or one side a single matrix that broadcasts.
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const batchA = sizeOf(outerA), batchB = sizeOf(outerB);
  let outer: number[];
  if (sameShape(outerA, outerB)) outer = outerA;
  else if (batchB === 1 && outerB.length <= outerA.length) outer = outerA;
  else if (batchA === 1 && outerA.length <= outerB.length) outer = outerB;
  else return undefined;
  const batch = Math.max(batchA, batchB);
  let biasValues: Float32Array | null = null;
  if (bias) {
    const bb = f32(backend, bias);
    const len = sizeOf(bias.shape);
    if (!bb || (len !== 1 && len !== n) || bias.shape.slice(0, -1).some((d) => d !== 1)) return undefined;
    biasValues = bb;
  }
  const outShape = [...outer, m, n];
  const out = alloc(batch * m * n);
  addon().matmul(av, bv, biasValues, out, batch, m, n, k, batchA, batchB, transA, transB, act.act, act.alpha);
  return output(backend, outShape, out);
}

export const matmulKernels = (): tf.KernelConfig[] => [
  nativeKernel(tf.BatchMatMul, (a) => matmul(a, false)),
  nativeKernel(tf._FusedMatMul, (a) => matmul(a, true)),
];
