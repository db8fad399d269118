/**
 * The `native` backend: a MathBackendCPU (plain Float32Array storage) with every cpu kernel
 * registered under 'native' too, and the hot ones replaced by the C++ addon's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BACKEND_NAME } from './kernels/define.ts';
import { convKernels } from './kernels/conv.ts';
import { matmulKernels } from './kernels/matmul.ts';
import { poolKernels } from './kernels/pool.ts';
import { eltwiseKernels } from './kernels/eltwise.ts';
import { reduceKernels } from './kernels/reduce.ts';
import { installTrainingPaths } from './gradients.ts';

/** Names of the kernels that run natively (some fall back to cpu for unusual inputs). */
export const NATIVE_KERNELS: string[] = [];

let registered = false;

export function registerNativeBackend(): void {
  if (registered) return;
  const native = [...convKernels(), ...matmulKernels(), ...poolKernels(), ...eltwiseKernels(), ...reduceKernels()];
  const nativeNames = new Set(native.map((k) => k.kernelName));
  tf.registerBackend(BACKEND_NAME, () => new MathBackendCPU(), 0);
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    if (!nativeNames.has(kernel.kernelName)) tf.registerKernel({ ...kernel, backendName: BACKEND_NAME });
  }
  for (const kernel of native) tf.registerKernel(kernel);
  NATIVE_KERNELS.push(...nativeNames);
  installTrainingPaths();
  registered = true;
}
