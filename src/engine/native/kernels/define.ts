/**
 * How a native kernel is declared: an implementation that returns its output, or undefined for a
 * case it does not handle (another dtype, NCHW, dilations, an unusual broadcast), in which case the
 * cpu backend's kernel runs on the same storage.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export interface KernelArgs {
  /** Optional inputs (bias, offset, ...) may be absent at run time. */
  inputs: Record<string, tf.TensorInfo>;
  backend: MathBackendCPU;
  attrs: tf.NamedAttrMap;
}
export type NativeImpl = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] | undefined;

export const BACKEND_NAME = 'native';

export function nativeKernel(kernelName: string, impl: NativeImpl): tf.KernelConfig {
  const cpu = tf.getKernel(kernelName, 'cpu');
  return {
    kernelName,
    backendName: BACKEND_NAME,
    kernelFunc: ((args: KernelArgs) => {
      const result = impl(args);
      if (result !== undefined) return result;
      if (!cpu) throw new Error(`native backend: kernel ${kernelName} has no native path for these inputs and no cpu fallback`);
      return cpu.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
    }) as unknown as tf.KernelFunc,
  };
}
