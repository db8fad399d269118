/**
 * The `wasm` backend: tfjs-backend-wasm (XNNPACK compiled to WebAssembly) with, on top, the
 * kernels it lacks or gets wrong (see kernels/), and threads in Node, which the package itself
 * only offers in browsers (see module.ts).
 *
 * Threads: FMNIST_WASM_THREADS if set (1 to 8), else all cores up to 8. If the threaded module
 * cannot start, the single-threaded SIMD one is used and `detail` says why.
 */
import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { registerWasmKernels, WASM_KERNELS } from './kernels/index.ts';
import { loadSingleThreaded, loadThreaded, MAX_WASM_THREADS, type WasmModule } from './module.ts';

export interface WasmRegistration {
  threads: number;
  detail: string;
  versions: Record<string, string>;
}

const WASM_PRIORITY = 2; // the package's own

let registration: Promise<WasmRegistration> | undefined;

/** Threads asked for: FMNIST_WASM_THREADS, else the machine's cores, capped at the pool's maximum. */
export function requestedThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FMNIST_WASM_THREADS;
  if (raw === undefined || raw === '') return Math.min(availableParallelism(), MAX_WASM_THREADS);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
    throw new Error(`FMNIST_WASM_THREADS: expected an integer from 1 to ${MAX_WASM_THREADS}, got '${raw}'`);
  }
  return n;
}

async function loadModule(threads: number, simd: boolean): Promise<{ module: WasmModule; note: string }> {
  if (threads > 1 && simd) {
    try {
      return { module: await loadThreaded(threads), note: '' };
    } catch (err) {
      const note = `threads unavailable (${(err as Error).message}), single-threaded`;
      return { module: await loadSingleThreaded(simd), note };
    }
  }
  return { module: await loadSingleThreaded(simd), note: '' };
}

async function doRegister(): Promise<WasmRegistration> {
  // Importing the package registers its kernels and a `wasm` backend that we replace below.
  const pkg = await import('@tensorflow/tfjs-backend-wasm');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const wanted = requestedThreads();
  const { module, note } = await loadModule(wanted, simd);

  // setThreadsCount is read by BackendWasm's constructor to size XNNPACK's pool.
  pkg.setThreadsCount(wanted);
  const backend = new pkg.BackendWasm(module as unknown as ConstructorParameters<typeof pkg.BackendWasm>[0]);
  const threads = pkg.getThreadsCount();
  // Pool threads hold a reference on their workers; without this Node would never exit.
  for (const worker of module.PThread?.runningWorkers ?? []) worker.unref();

  if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => backend, WASM_PRIORITY);
  registerWasmKernels();

  const mode = [simd ? 'SIMD' : 'no SIMD', `${threads} thread${threads === 1 ? '' : 's'}`];
  if (note) mode.push(note);
  else if (threads < wanted) mode.push(`asked for ${wanted}`);
  const ours = WASM_KERNELS.map((k) => k.kernelName).join('/');
  return {
    threads,
    detail: `tfjs-backend-wasm ${pkg.version_wasm}, ${mode.join(', ')}, + our ${ours}`,
    versions: { 'tfjs-backend-wasm': pkg.version_wasm },
  };
}

/**
 * Makes `tf.setBackend('wasm')` give our configured backend. Runs once per process; later calls
 * return the first result (the Emscripten module cannot be torn down and rebuilt cheaply).
 */
export function register(): Promise<WasmRegistration> {
  registration ??= doRegister().catch((err: Error) => {
    registration = undefined;
    throw err;
  });
  return registration;
}
