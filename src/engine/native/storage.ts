/**
 * Access to the native backend's storage, which is the cpu backend's: one Float32Array per tensor,
 * shared without copies. Kernels read inputs in place (never writing into them: `dataSync()` hands
 * out these same arrays and `Slice` returns views) and return freshly allocated outputs.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/** The values behind a tensor, or undefined unless it is float32 (such kernels fall back to cpu). */
export function f32(backend: MathBackendCPU, t: TensorInfo): Float32Array | undefined {
  if (t.dtype !== 'float32') return undefined;
  const values = backend.data.get(t.dataId).values;
  return values instanceof Float32Array ? values : undefined;
}

/**
 * An uninitialised Float32Array: every native kernel writes all of its output, so the zero fill of
 * `new Float32Array(n)` (MBs per conv layer and step) is wasted work. Node's unpooled unsafe buffers
 * give exactly that, 8-byte aligned and owned by the array.
 */
export function alloc(n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  const buf = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(buf.buffer, buf.byteOffset, n);
}

export function output(backend: MathBackendCPU, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
