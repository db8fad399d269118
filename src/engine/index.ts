/**
 * Backend selection. tfjs kernels run on one of three backends, tried in this order by `auto`:
 *  - native: the cpu backend's storage with hot kernels from our C++ addon (native/),
 *  - wasm:   tfjs-backend-wasm with the kernels it lacks or gets wrong registered by us,
 *  - cpu:    tfjs-backend-cpu, plain JavaScript.
 * The choice comes from the argument, else FMNIST_BACKEND, else auto.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createNativeOptimizer, type FusedOptimizerParams } from './native/optimizer.ts';
import { nativeBatchNormTraining, type BatchNormTraining } from './native/batchnorm.ts';
import { nativeDropout } from './native/dropout.ts';
import { nativeCrossEntropy } from './native/loss.ts';

export const BACKENDS = ['native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = BackendName | 'auto';

export interface BackendInfo {
  name: BackendName;
  threads: number;
  /** One line about how it runs (libraries, SIMD, why a fallback was taken). */
  detail: string;
  versions: Record<string, string>;
}

/** What each backend module exports: registers the backend with tfjs or throws why it cannot. */
export interface BackendModule {
  register(): Promise<{ threads: number; detail: string; versions?: Record<string, string> }>;
}

const loaders: Record<BackendName, () => Promise<BackendModule>> = {
  native: () => import('./native/index.ts'),
  wasm: () => import('./wasm/index.ts'),
  cpu: async () => ({ register: async () => ({ threads: 1, detail: 'tfjs-backend-cpu (plain JavaScript)' }) }),
};

let current: BackendInfo | undefined;

export function parseBackendChoice(value: string | undefined, where: string): BackendChoice {
  if (value === undefined || value === '') return 'auto';
  if (value === 'auto' || (BACKENDS as readonly string[]).includes(value)) return value as BackendChoice;
  throw new Error(`${where}: unknown backend '${value}'; expected one of auto, ${BACKENDS.join(', ')}`);
}

/** Selects and initialises the backend once per process; later calls return the same info. */
export async function initBackend(choice?: BackendChoice): Promise<BackendInfo> {
  const wanted = choice ?? parseBackendChoice(process.env.FMNIST_BACKEND, 'FMNIST_BACKEND');
  if (current && (wanted === 'auto' || wanted === current.name)) return current;
  const order: BackendName[] = wanted === 'auto' ? [...BACKENDS] : [wanted];
  const failures: string[] = [];
  for (const name of order) {
    try {
      const mod = await loaders[name]();
      const { threads, detail, versions } = await mod.register();
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
      await tf.ready();
      const base = { 'tfjs-core': tf.version_core };
      current = { name, threads, detail, versions: { ...base, ...versions } };
      if (failures.length) current.detail += ` (fell back: ${failures.join('; ')})`;
      return current;
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no usable backend for '${wanted}': ${failures.join('; ')}`);
}

export function currentBackend(): BackendInfo | undefined {
  return current;
}

/**
 * A fused optimizer whose whole update runs natively (one pass per variable), when the current
 * backend is `native`; otherwise undefined and the caller uses tf.train.adam / sgd / momentum.
 * Same math as those, a settable `learningRate` (and `setLearningRate()`), and `getWeights()` /
 * `setWeights()` in tfjs's layout that round-trip the full state. 'sgd' with `momentum` is momentum SGD.
 */
export function createFusedOptimizer(name: 'adam' | 'sgd', params: FusedOptimizerParams): tf.Optimizer | undefined {
  return createNativeOptimizer(name, params);
}
export type { FusedOptimizerParams };

/**
 * Batch-norm of a training batch (statistics from the batch itself) as one forward and one backward
 * kernel, followed by relu when `relu` is set, when the current backend has them (native); otherwise
 * undefined and the caller composes it from tfjs ops (without the relu).
 */
export function batchNormInTraining(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, epsilon: number, relu = false): BatchNormTraining | undefined {
  return nativeBatchNormTraining(x, scale, offset, epsilon, relu);
}
export type { BatchNormTraining };

/**
 * Dropout of a training batch as one kernel forward and one backward, when the current backend has
 * it (native); otherwise undefined and the caller runs tfjs's dropout.
 */
export function dropoutInTraining(x: tf.Tensor, rate: number): tf.Tensor | undefined {
  return nativeDropout(x, rate);
}

/**
 * Categorical cross-entropy on probabilities (mean over rows of -sum(labels * log(clip(probs, eps,
 * 1 - eps)))) as one kernel each way, when the current backend has them (native); otherwise undefined
 * and the caller composes it from tfjs ops.
 */
export function crossEntropyInTraining(labels: tf.Tensor, probs: tf.Tensor, eps: number): tf.Scalar | undefined {
  return nativeCrossEntropy(labels, probs, eps);
}
