/** Our kernels for the wasm backend: ones it lacks, gets wrong, or runs in naive loops. */
import { registerKernel, unregisterKernel, getKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './batch-mat-mul.ts';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.ts';
import { maxPoolGradConfig, maxPoolWithArgmaxConfig } from './max-pool.ts';
import { takeOverPackageKernel } from './scope.ts';

export const WASM_KERNELS: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig, // missing in the package
  maxPoolGradConfig, // wrong for windows of values ≤ 0
  maxPoolWithArgmaxConfig, // same flaw
  conv2DBackpropInputConfig, // naive loops
  batchMatMulConfig, // naive loops when transposed
];

/** Registers our kernels over the package's, keeping the package's setup (once per process). */
export function registerWasmKernels(): void {
  for (const k of WASM_KERNELS) {
    if (registered.has(k.kernelName)) continue;
    const pkg = takeOverPackageKernel(k.kernelName);
    if (getKernel(k.kernelName, 'wasm')) unregisterKernel(k.kernelName, 'wasm');
    registerKernel({ ...k, ...pkg });
    registered.add(k.kernelName);
  }
}

const registered = new Set<string>();
