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
import { tileKernels } from './kernels/tile.ts';
import { batchNormKernels } from './kernels/batchnorm.ts';
import { installTrainingPaths } from './gradients.ts';
import { noteHandedOut, noteStored, recycle } from './storage.ts';

type DataId = object;
type BackendValues = Parameters<MathBackendCPU['write']>[0];

/** The cpu backend, telling storage.ts what it stores, hands out and releases (for recycling). */
class NativeStorageBackend extends MathBackendCPU {
  override write(values: BackendValues, shape: number[], dtype: tf.DataType): DataId {
    noteStored(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    noteStored(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): BackendValues {
    noteHandedOut(this.data.get(dataId)?.values);
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force?: boolean): boolean {
    const entry = this.data.get(dataId);
    const released = super.disposeData(dataId, force);
    if (entry && !this.data.has(dataId)) recycle(entry.values);
    return released;
  }
}

/** Names of the kernels that run natively (some fall back to cpu for unusual inputs). */
export const NATIVE_KERNELS: string[] = [];

let registered = false;

export function registerNativeBackend(): void {
  if (registered) return;
  const native = [...convKernels(), ...matmulKernels(), ...poolKernels(), ...eltwiseKernels(), ...reduceKernels(), ...tileKernels(), ...batchNormKernels()];
  const nativeNames = new Set(native.map((k) => k.kernelName));
  tf.registerBackend(BACKEND_NAME, () => new NativeStorageBackend(), 0);
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    if (!nativeNames.has(kernel.kernelName)) tf.registerKernel({ ...kernel, backendName: BACKEND_NAME });
  }
  for (const kernel of native) tf.registerKernel(kernel);
  NATIVE_KERNELS.push(...nativeNames);
  installTrainingPaths();
  registered = true;
}
