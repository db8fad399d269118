/**
 * Loads the C++ addon (native/build/Release/fmnist_native.node) and describes its functions.
 * GNU OpenMP reads OMP_WAIT_POLICY once, when libgomp is loaded with the addon, so it is set here
 * first: its default spin-waiting collapsed throughput whenever anything else used a core
 * (91 vs 925 images/s in the prototype). A value the user set wins.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built addon; FMNIST_NATIVE_ADDON points elsewhere (another build, or a missing one in tests). */
export const ADDON_PATH = process.env.FMNIST_NATIVE_ADDON ||
  fileURLToPath(new URL('../../../native/build/Release/fmnist_native.node', import.meta.url));

type F32 = Float32Array;
type Nullable<T> = T | null;

export interface NativeAddon {
  info(): { threads: number; onednn: string; openblas: string; winograd: boolean };
  convForward(x: F32, filter: F32, bias: Nullable<F32>, y: F32, dims: number[], act: number, alpha: number): void;
  convBackwardData(dy: F32, filter: F32, dx: F32, dims: number[]): void;
  convBackwardFilter(x: F32, dy: F32, dfilter: F32, dims: number[]): void;
  matmul(
    a: F32, b: F32, bias: Nullable<F32>, out: F32, batch: number, m: number, n: number, k: number,
    batchA: number, batchB: number, transA: boolean, transB: boolean, act: number, alpha: number,
  ): void;
  pool(kind: 0 | 1, x: F32, y: F32, dims: number[]): void;
  poolGrad(kind: 0 | 1, x: Nullable<F32>, dy: F32, dx: F32, dims: number[]): void;
  actForward(x: F32, y: F32, act: number, alpha: number): void;
  actBackward(dy: F32, src: F32, dx: F32, act: number, alpha: number, fromOutput: boolean): void;
  actBackwardBias(dy: F32, src: F32, dx: F32, db: F32, act: number, alpha: number, fromOutput: boolean): void;
  binary(op: number, a: F32, b: F32, out: F32): void;
  dropout(x: F32, y: F32, rate: number, seedA: number, seedB: number): void;
  reduce(op: number, x: F32, out: F32, outer: number, mid: number, inner: number): void;
  softmax(logits: F32, y: F32, rows: number, cols: number): void;
  softmaxGrad(dy: F32, y: F32, dx: F32, rows: number, cols: number): void;
  crossEntropy(labels: F32, probs: F32, rows: number, cols: number, eps: number): number;
  crossEntropyGrad(dy: number, labels: F32, probs: F32, dprobs: F32, rows: number, cols: number, eps: number): void;
  batchNorm(x: F32, mean: F32, variance: F32, offset: Nullable<F32>, scale: Nullable<F32>, eps: number, y: F32): void;
  batchNormTrain(
    x: F32, scale: Nullable<F32>, offset: Nullable<F32>, eps: number, y: F32, mean: F32, variance: F32, relu: boolean,
  ): void;
  /** `rectified`: the forward output when it went through the fused relu, else null. */
  batchNormTrainGrad(
    dy: F32, x: F32, mean: F32, variance: F32, scale: Nullable<F32>, eps: number, dx: F32, dscale: F32, doffset: F32,
    rectified: Nullable<F32>,
  ): void;
  adam(
    param: F32, grad: F32, m: F32, v: F32, out: F32, lr: number, beta1: number, beta2: number,
    oneMinusAccBeta1: number, oneMinusAccBeta2: number, epsilon: number,
  ): void;
  sgd(param: F32, grad: F32, out: F32, lr: number): void;
  momentum(param: F32, grad: F32, accum: F32, out: F32, lr: number, momentum: number, nesterov: boolean): void;
  /** Test helper: SIGPROF every intervalUs of CPU time until stopped; stop returns how many arrived. */
  signalStormStart(intervalUs: number): void;
  signalStormStop(): number;
}

let loaded: NativeAddon | undefined;

/** The addon, loaded on first use; throws how to build it when it is missing. */
export function addon(): NativeAddon {
  if (loaded) return loaded;
  if (!existsSync(ADDON_PATH)) {
    throw new Error(
      `native addon not built (${ADDON_PATH} missing): run \`npm run build:native\`; ` +
        'needs libdnnl-dev and libopenblas-openmp-dev',
    );
  }
  process.env.OMP_WAIT_POLICY ??= 'passive';
  const require = createRequire(import.meta.url);
  loaded = require(ADDON_PATH) as NativeAddon;
  return loaded;
}
