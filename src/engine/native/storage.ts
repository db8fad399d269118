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
 * Output arrays are recycled. Each training step allocates ~100 MB of kernel outputs; as fresh
 * ArrayBuffers that is external memory which drives V8 into frequent full garbage collections (about
 * two thirds of the per-step overhead in the small-CNN benchmark) plus malloc and page-fault costs.
 * An array goes back to the pool when its tensor data is disposed, unless it may still be seen:
 *  - it was handed out (`dataSync()`, `data()`, `bufferSync()` return the backing array itself),
 *  - a view of it was stored (cpu `Slice` returns `subarray` views), or it was stored twice.
 * Such arrays are pinned for good. Every native kernel writes all of its output, so a recycled array's
 * old contents never show.
 */
const pool = new Map<number, Float32Array[]>();
let pooledBytes = 0;
const MAX_POOLED_BYTES = 512 * 1024 * 1024;
const owned = new WeakSet<Float32Array>();
const ownedBuffers = new WeakSet<ArrayBufferLike>();
const stored = new WeakSet<Float32Array>();
const pinned = new WeakSet<ArrayBufferLike>();

/**
 * An uninitialised (or recycled) Float32Array of n values. Fresh ones come from Node's unpooled unsafe
 * buffers: every native kernel writes its whole output, so `new Float32Array(n)`'s zero fill is waste.
 */
export function alloc(n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  const free = pool.get(n);
  if (free && free.length > 0) {
    pooledBytes -= n * 4;
    return free.pop()!;
  }
  const buf = Buffer.allocUnsafeSlow(n * 4);
  const a = new Float32Array(buf.buffer, buf.byteOffset, n);
  owned.add(a);
  ownedBuffers.add(a.buffer);
  return a;
}

/** Called as the backend stores values for a new data id. */
export function noteStored(values: unknown): void {
  if (!ArrayBuffer.isView(values)) return;
  if (values instanceof Float32Array && owned.has(values)) {
    if (stored.has(values)) pinned.add(values.buffer); // the same array under two data ids
    stored.add(values);
  } else if (ownedBuffers.has(values.buffer)) {
    pinned.add(values.buffer); // a view into one of ours
  }
}

/** Called when values leave the backend's control (read by user code). */
export function noteHandedOut(values: unknown): void {
  if (ArrayBuffer.isView(values) && ownedBuffers.has(values.buffer)) pinned.add(values.buffer);
}

/** Called when the data holding `values` has been released. */
export function recycle(values: unknown): void {
  if (!(values instanceof Float32Array) || !owned.has(values) || pinned.has(values.buffer)) return;
  stored.delete(values);
  const bytes = values.length * 4;
  if (pooledBytes + bytes > MAX_POOLED_BYTES) return;
  let free = pool.get(values.length);
  if (!free) pool.set(values.length, (free = []));
  free.push(values);
  pooledBytes += bytes;
}

export function output(backend: MathBackendCPU, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
