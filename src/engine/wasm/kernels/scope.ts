/**
 * Composing kernels from the wasm package's own kernels, the way tfjs backends do it: call their
 * kernel functions on TensorInfos (no engine, no tape) and free the intermediates ourselves.
 */
import { getKernel, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type WasmKernelFunc = (args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs?: NamedAttrMap }) =>
  TensorInfo | TensorInfo[];

/** The package's kernels that we replaced, kept so that ours can still call them. */
const replaced = new Map<string, KernelConfig>();

/**
 * Remembers the package's kernel `name` before ours replaces it, and returns the setup our
 * registration must run in its place: tfjs calls setupFunc (which binds a kernel to the wasm
 * module) only for registered kernels, and the package's still needs it when ours calls it.
 */
export function takeOverPackageKernel(name: string): Pick<KernelConfig, 'setupFunc' | 'disposeFunc'> {
  const k = replaced.get(name) ?? getKernel(name, 'wasm');
  if (k) replaced.set(name, k);
  return { setupFunc: k?.setupFunc, disposeFunc: k?.disposeFunc };
}

/** The wasm package's implementation of `name`, even after we registered our own. */
export function packageKernel(name: string): WasmKernelFunc {
  const fn = (replaced.get(name) ?? getKernel(name, 'wasm'))?.kernelFunc;
  if (!fn) throw new Error(`wasm backend: the package has no kernel '${name}'`);
  return fn as unknown as WasmKernelFunc;
}

/** Runs package kernels, remembering every result so that `dispose` frees all but the kept ones. */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(name: string, inputs: NamedTensorInfoMap, attrs: object = {}): TensorInfo {
    const out = packageKernel(name)({ inputs, backend: this.backend, attrs: attrs as NamedAttrMap });
    if (Array.isArray(out)) throw new Error(`wasm backend: kernel '${name}' returned ${out.length} outputs, expected 1`);
    this.temps.push(out);
    return out;
  }

  /** A new float32 buffer of `shape` (uninitialised), freed with the scope unless kept. */
  alloc(shape: number[]): TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    this.temps.push(out);
    return out;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** x[begin .. begin+size), or x itself when that is all of it. */
  crop(x: TensorInfo, size: number[]): TensorInfo {
    if (size.every((d, i) => d === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin: size.map(() => 0), size });
  }

  /** Frees every intermediate except `keep`, which the caller now owns. */
  dispose(keep?: TensorInfo): void {
    for (const t of this.temps) if (t !== keep) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/** Runs `body` in a scope and returns its result, freeing the intermediates even on error. */
export function inScope(backend: BackendWasm, body: (s: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend);
  let out: TensorInfo | undefined;
  try {
    out = body(scope);
    return out;
  } finally {
    scope.dispose(out);
  }
}

/** Float32 view of a tensor's data on the wasm heap. Take it after the last allocation (the heap may grow). */
export function heapF32(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}
