/**
 * BatchMatMul with transposed operands. The wasm package sends every product with transposeA or
 * transposeB (all of backprop through a dense layer) to a naive blocked loop; only the plain,
 * unbatched product goes to XNNPACK. Transposing the operand first (a copy, linear in its size)
 * and then taking the plain product is much faster for the shapes of dense layers.
 */
import { BatchMatMul, type BatchMatMulAttrs, type KernelConfig, type KernelFunc, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { inScope, type KernelScope } from './scope.ts';

/** The operand with its last two axes swapped, as a matrix (unbatched operands only). */
function swapLastTwo(s: KernelScope, t: TensorInfo): TensorInfo {
  const rows = t.shape[t.shape.length - 2];
  const cols = t.shape[t.shape.length - 1];
  return s.transpose(s.reshape(t, [rows, cols]), [1, 0]);
}

export function batchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: BackendWasm;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
  const unbatched = (t: TensorInfo) => util.sizeFromShape(t.shape.slice(0, -2)) === 1;
  const fast = (transposeA || transposeB) && unbatched(a) && unbatched(b) && a.dtype === 'float32' && b.dtype === 'float32';
  return inScope(backend, (s) => {
    if (!fast) return s.run('BatchMatMul', { a, b }, { transposeA, transposeB });
    const a2 = transposeA ? swapLastTwo(s, a) : a;
    const b2 = transposeB ? swapLastTwo(s, b) : b;
    const out = s.run('BatchMatMul', { a: a2, b: b2 }, { transposeA: false, transposeB: false });
    // Keep the outer shape the package would give ([...batch, M, N], batch dims of size 1).
    const rank = Math.max(a.shape.length, b.shape.length);
    const shape = [...new Array<number>(rank - 2).fill(1), out.shape[out.shape.length - 2], out.shape[out.shape.length - 1]];
    return s.reshape(out, shape);
  });
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
