/**
 * The `native` backend (see backend.ts): tfjs's cpu storage with hot kernels in a C++ addon built on
 * oneDNN and OpenBLAS, multi-threaded by one OpenMP pool. `register()` throws, with how to fix it,
 * when the addon is not built, so that `auto` selection falls back to wasm.
 */
import { addon } from './addon.ts';
import { registerNativeBackend } from './backend.ts';

export { createNativeOptimizer } from './optimizer.ts';

export async function register(): Promise<{ threads: number; detail: string; versions: Record<string, string> }> {
  const info = addon().info();
  registerNativeBackend();
  return {
    threads: info.threads,
    detail: `C++ addon: oneDNN ${info.onednn} conv${info.winograd ? ' (Winograd for 3x3)' : ''} and matmul, OpenBLAS sgemm, ${info.threads} OpenMP threads`,
    versions: { onednn: info.onednn, openblas: info.openblas },
  };
}
