/**
 * Training on native kernels end to end.
 *
 * 1. Activation gradients: tfjs composes them from several generic kernels (relu' = dy * step(x),
 *    tanh' = dy * (1 - y²), ...). On the native backend they become one NativeActivationGrad kernel;
 *    on any other backend the original gradient runs unchanged.
 * 2. Fused conv/dense: tf.fused.conv2d / tf.fused.matMul (what tfjs-layers calls) silently split into
 *    conv + add + activation whenever a gradient is being recorded. On the native backend they stay
 *    one FusedConv2D / _FusedMatMul kernel with a custom gradient: activation' from the saved output,
 *    then Conv2DBackpropInput/Filter (or two matmuls) and a bias sum. +10-25 % images/s in the prototype.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs's gradient definitions are registered by tfjs-layers' node bundle when it loads; load it first
// so that our overrides are not overwritten by a later import.
import '@tensorflow/tfjs-layers';
import { ACT, fusedActivation } from './activations.ts';
import { ACTIVATION_GRAD } from './kernels/eltwise.ts';
import { BACKEND_NAME } from './kernels/define.ts';

const onNative = () => tf.getBackend() === BACKEND_NAME;

function activationGrad(dy: tf.Tensor, src: tf.Tensor, act: number, alpha: number, fromOutput: boolean): tf.Tensor {
  return tf.engine().runKernel(ACTIVATION_GRAD, { dy, src }, { act, alpha, fromOutput }) as tf.Tensor;
}

/** Kernel → how its gradient reads: from the saved input x or output y, and the slope used. */
const ACTIVATION_GRADS: Record<string, { act: number; fromOutput: boolean; alpha: (attrs: tf.NamedAttrMap) => number }> = {
  [tf.Relu]: { act: ACT.relu, fromOutput: false, alpha: () => 0 },
  [tf.Relu6]: { act: ACT.relu6, fromOutput: false, alpha: () => 0 },
  [tf.LeakyRelu]: { act: ACT.leakyrelu, fromOutput: false, alpha: (attrs) => attrs.alpha as number },
  [tf.Sigmoid]: { act: ACT.sigmoid, fromOutput: true, alpha: () => 0 },
  [tf.Tanh]: { act: ACT.tanh, fromOutput: true, alpha: () => 0 },
  [tf.Selu]: { act: ACT.selu, fromOutput: false, alpha: () => 0 },
  [tf.Erf]: { act: ACT.erf, fromOutput: false, alpha: () => 0 },
};

function overrideActivationGradients(): void {
  for (const [kernelName, spec] of Object.entries(ACTIVATION_GRADS)) {
    const original = tf.getGradient(kernelName);
    if (!original) throw new Error(`native backend: tfjs has no gradient for ${kernelName} to override`);
    tf.registerGradient({
      ...original,
      gradFunc: (dy, saved, attrs) => {
        if (!onNative()) return original.gradFunc(dy, saved, attrs);
        const d = dy as tf.Tensor;
        return { x: () => activationGrad(d, saved[0], spec.act, spec.alpha(attrs), spec.fromOutput) };
      },
    });
  }
}

type CustomGradFunc = Parameters<typeof tf.customGrad>[0];
const customGrad = (f: unknown) => tf.customGrad(f as CustomGradFunc);

type FusedConvArgs = Parameters<typeof tf.fused.conv2d>[0];
type FusedMatMulArgs = Parameters<typeof tf.fused.matMul>[0];

/** The activation's derivative from its output y, when that is well defined. */
function gradFromOutput(activation: string | undefined, leakyreluAlpha: number | undefined) {
  const a = fusedActivation(activation, leakyreluAlpha);
  if (!a || (a.act === ACT.leakyrelu && !(a.alpha > 0))) return undefined;
  return a;
}

function dyActivation(dy: tf.Tensor, y: tf.Tensor, a: { act: number; alpha: number }): tf.Tensor {
  return a.act === ACT.linear ? dy : activationGrad(dy, y, a.act, a.alpha, true);
}

function fusedConv2d(original: typeof tf.fused.conv2d) {
  return (args: FusedConvArgs) => {
    const { x, filter, strides, pad, bias, preluActivationWeights, leakyreluAlpha, dimRoundingMode } = args;
    const a = gradFromOutput(args.activation, leakyreluAlpha);
    const dilations = args.dilations ?? 1;
    const plain = (Array.isArray(dilations) ? dilations : [dilations]).every((d) => d === 1);
    if (!onNative() || !a || preluActivationWeights != null || (args.dataFormat ?? 'NHWC') !== 'NHWC' || !plain ||
      !(x instanceof tf.Tensor) || x.rank !== 4 || !(filter instanceof tf.Tensor) ||
      (bias != null && !(bias instanceof tf.Tensor && bias.rank === 1))) {
      return original(args);
    }
    const attrs = { strides, pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode, activation: args.activation ?? 'linear', leakyreluAlpha };
    const convAttrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode };
    const run = (inputs: tf.NamedTensorMap, save: tf.GradSaveFunc) => {
      const y = tf.engine().runKernel(tf.FusedConv2D, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
      save([inputs.x, inputs.filter, y]);
      return y;
    };
    const grads = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [x4, f, y] = saved;
      const dyAct = dyActivation(dy, y, a);
      const dx = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dyAct, filter: f }, { ...convAttrs, inputShape: x4.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const df = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: x4, dy: dyAct }, { ...convAttrs, filterShape: f.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return { dyAct, dx, df };
    };
    if (bias == null) {
      return customGrad((x4: tf.Tensor, f: tf.Tensor, save: tf.GradSaveFunc) => ({
        value: run({ x: x4, filter: f }, save),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => { const g = grads(dy, saved); return [g.dx, g.df]; },
      }))(x, filter) as tf.Tensor4D;
    }
    return customGrad((x4: tf.Tensor, f: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => ({
      value: run({ x: x4, filter: f, bias: b }, save),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = grads(dy, saved);
        return [g.dx, g.df, tf.sum(g.dyAct, [0, 1, 2])];
      },
    }))(x, filter, bias as tf.Tensor) as tf.Tensor4D;
  };
}

function fusedMatMul(original: typeof tf.fused.matMul) {
  return (args: FusedMatMulArgs) => {
    const { a, b, bias, preluActivationWeights, leakyreluAlpha } = args;
    const transposeA = args.transposeA ?? false, transposeB = args.transposeB ?? false;
    const act = gradFromOutput(args.activation, leakyreluAlpha);
    if (!onNative() || !act || preluActivationWeights != null || !(a instanceof tf.Tensor) || a.rank !== 2 ||
      !(b instanceof tf.Tensor) || b.rank !== 2 || (bias != null && !(bias instanceof tf.Tensor && bias.rank === 1))) {
      return original(args);
    }
    const attrs = { transposeA, transposeB, activation: args.activation ?? 'linear', leakyreluAlpha };
    const run = (inputs: tf.NamedTensorMap, save: tf.GradSaveFunc) => {
      const y = tf.engine().runKernel(tf._FusedMatMul, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      save([inputs.a, inputs.b, y]);
      return y;
    };
    // d(a·b) by the four transpose cases, as tfjs's fused matMul gradient.
    const grads = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [a2, b2, y] = saved;
      const g = dyActivation(dy, y, act);
      let da: tf.Tensor, db: tf.Tensor;
      if (!transposeA && !transposeB) { da = tf.matMul(g, b2, false, true); db = tf.matMul(a2, g, true, false); }
      else if (!transposeA && transposeB) { da = tf.matMul(g, b2, false, false); db = tf.matMul(g, a2, true, false); }
      else if (transposeA && !transposeB) { da = tf.matMul(b2, g, false, true); db = tf.matMul(a2, g, false, false); }
      else { da = tf.matMul(b2, g, true, true); db = tf.matMul(g, a2, true, true); }
      return { g, da, db };
    };
    if (bias == null) {
      return customGrad((a2: tf.Tensor, b2: tf.Tensor, save: tf.GradSaveFunc) => ({
        value: run({ a: a2, b: b2 }, save),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => { const g = grads(dy, saved); return [g.da, g.db]; },
      }))(a, b) as tf.Tensor;
    }
    return customGrad((a2: tf.Tensor, b2: tf.Tensor, bb: tf.Tensor, save: tf.GradSaveFunc) => ({
      value: run({ a: a2, b: b2, bias: bb }, save),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => { const g = grads(dy, saved); return [g.da, g.db, tf.sum(g.g, 0)]; },
    }))(a, b, bias as tf.Tensor) as tf.Tensor;
  };
}

let installed = false;

/** Installs the gradient overrides and fused-op routing once; both defer to tfjs off the native backend. */
export function installTrainingPaths(): void {
  if (installed) return;
  installed = true;
  overrideActivationGradients();
  // tfjs-core's `fused` namespace is a plain object shared by every importer (tfjs-layers included).
  const fused = tf.fused as { conv2d: typeof tf.fused.conv2d; matMul: typeof tf.fused.matMul };
  fused.conv2d = fusedConv2d(fused.conv2d) as typeof tf.fused.conv2d;
  fused.matMul = fusedMatMul(fused.matMul) as typeof tf.fused.matMul;
}
