/**
 * Training on native kernels end to end.
 *
 * 1. Activation gradients: tfjs composes them from several generic kernels (relu' = dy * step(x),
 *    tanh' = dy * (1 - y²), ...). On the native backend they become one NativeActivationGrad kernel;
 *    on any other backend the original gradient runs unchanged.
 * 2. Softmax's gradient (tfjs: Multiply, Sum, a broadcasting Multiply, Sub) is one NativeSoftmaxGrad.
 * 3. Fused conv/dense: tf.fused.conv2d / tf.fused.matMul (what tfjs-layers calls) silently split into
 *    conv + add + activation whenever a gradient is being recorded. On the native backend they stay
 *    one FusedConv2D / _FusedMatMul kernel, whose registered gradient takes activation' from the saved
 *    output, then Conv2DBackpropInput/Filter (or two matmuls) and a bias sum, each only if needed.
 *    +10-25 % images/s in the prototype.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs's gradient definitions are registered by tfjs-layers' node bundle when it loads; load it first
// so that our overrides are not overwritten by a later import.
import '@tensorflow/tfjs-layers';
import { ACT, fusedActivation } from './activations.ts';
import { ACTIVATION_GRAD, ACTIVATION_GRAD_BIAS } from './kernels/eltwise.ts';
import { BACKEND_NAME } from './kernels/define.ts';
import { SOFTMAX_GRAD } from './kernels/reduce.ts';

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

function overrideSoftmaxGradient(): void {
  const original = tf.getGradient(tf.Softmax);
  if (!original) throw new Error('native backend: tfjs has no gradient for Softmax to override');
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const y = saved[0];
      if (!onNative() || (attrs.dim !== -1 && attrs.dim !== y.rank - 1)) return original.gradFunc(dy, saved, attrs);
      return { logits: () => tf.engine().runKernel(SOFTMAX_GRAD, { dy: dy as tf.Tensor, y }) as tf.Tensor };
    },
  });
}

type FusedConvArgs = Parameters<typeof tf.fused.conv2d>[0];
type FusedMatMulArgs = Parameters<typeof tf.fused.matMul>[0];
type Act = { act: number; alpha: number };

/** The activation's derivative from its output y, when that is well defined. */
function gradFromOutput(activation: string | undefined, leakyreluAlpha: number | undefined): Act | undefined {
  const a = fusedActivation(activation, leakyreluAlpha);
  if (!a || (a.act === ACT.leakyrelu && !(a.alpha > 0))) return undefined;
  return a;
}

/**
 * dy through the fused activation, and the bias gradient (its sum over all but the last axis) when
 * the layer has a bias: one native pass for both.
 */
function dyActivation(dy: tf.Tensor, y: tf.Tensor, attrs: tf.NamedAttrMap): { g: tf.Tensor; db?: tf.Tensor } {
  const a = gradFromOutput(attrs.activation as string, attrs.leakyreluAlpha as number);
  if (!a) throw new Error(`native backend: no gradient for fused activation '${String(attrs.activation)}'`);
  const reduceAxes = dy.shape.slice(0, -1).map((_, i) => i);
  if (a.act === ACT.linear) return { g: dy, db: attrs.hasBias ? tf.sum(dy, reduceAxes) : undefined };
  const act = { act: a.act, alpha: a.alpha, fromOutput: true };
  if (!attrs.hasBias) return { g: activationGrad(dy, y, a.act, a.alpha, true) };
  const [g, db] = tf.engine().runKernel(ACTIVATION_GRAD_BIAS, { dy, src: y }, act) as tf.Tensor[];
  return { g, db };
}

/**
 * Gradients registered for the fused kernels themselves. tfjs only ever runs these kernels inside
 * customGrad (whose inner kernels are not taped), so these apply to our routing below alone. Unlike
 * customGrad they are lazy per input: the first conv layer's input gradient is never computed.
 */
function registerFusedGradients(): void {
  tf.registerGradient({
    kernelName: tf.FusedConv2D,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved;
      const { g, db } = dyActivation(dy as tf.Tensor, y, attrs);
      const conv = { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', dimRoundingMode: attrs.dimRoundingMode };
      return {
        x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: g, filter }, { ...conv, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: g }, { ...conv, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        bias: () => db!,
      };
    },
  });
  tf.registerGradient({
    kernelName: tf._FusedMatMul,
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [a, b, y] = saved;
      const { g, db } = dyActivation(dy as tf.Tensor, y, attrs);
      const tA = attrs.transposeA as boolean, tB = attrs.transposeB as boolean;
      // d(op(a)·op(b)) for the four transpose cases, as tfjs's fused matMul gradient.
      const da = () => (!tA ? tf.matMul(g, b, false, !tB) : !tB ? tf.matMul(b, g, false, true) : tf.matMul(b, g, true, true));
      const dB = () => (!tB ? (!tA ? tf.matMul(a, g, true, false) : tf.matMul(a, g, false, false))
        : !tA ? tf.matMul(g, a, true, false) : tf.matMul(g, a, true, true));
      return { a: da, b: dB, bias: () => db! };
    },
  });
}

const isTensor = (t: unknown, rank: number): t is tf.Tensor => t instanceof tf.Tensor && t.rank === rank && t.dtype === 'float32';

/** tf.fused.conv2d on the native backend: one FusedConv2D kernel, also while recording gradients. */
function fusedConv2d(original: typeof tf.fused.conv2d) {
  return ((args: FusedConvArgs) => {
    const { x, filter, bias, preluActivationWeights, leakyreluAlpha } = args;
    const dilations = args.dilations ?? 1;
    const plain = (Array.isArray(dilations) ? dilations : [dilations]).every((d) => d === 1);
    if (!onNative() || !gradFromOutput(args.activation, leakyreluAlpha) || preluActivationWeights != null ||
      (args.dataFormat ?? 'NHWC') !== 'NHWC' || !plain || !isTensor(x, 4) || !isTensor(filter, 4) ||
      (bias != null && !(isTensor(bias, 1) && bias.shape[0] === filter.shape[3])) || x.shape[3] !== filter.shape[2]) {
      return original(args);
    }
    const inputs: tf.NamedTensorMap = bias != null ? { x, filter, bias: bias as tf.Tensor } : { x, filter };
    const attrs = {
      strides: args.strides, pad: args.pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: args.dimRoundingMode,
      activation: args.activation ?? 'linear', leakyreluAlpha, hasBias: bias != null, // hasBias: for the gradient
    };
    return tf.engine().runKernel(tf.FusedConv2D, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }) as typeof tf.fused.conv2d;
}

/** tf.fused.matMul on the native backend (2-D operands): one _FusedMatMul kernel, also in training. */
function fusedMatMul(original: typeof tf.fused.matMul) {
  return ((args: FusedMatMulArgs) => {
    const { a, b, bias, preluActivationWeights, leakyreluAlpha } = args;
    const transposeA = args.transposeA ?? false, transposeB = args.transposeB ?? false;
    if (!onNative() || !gradFromOutput(args.activation, leakyreluAlpha) || preluActivationWeights != null ||
      !isTensor(a, 2) || !isTensor(b, 2) || a.shape[transposeA ? 0 : 1] !== b.shape[transposeB ? 1 : 0] ||
      (bias != null && !(isTensor(bias, 1) && bias.shape[0] === b.shape[transposeB ? 0 : 1]))) {
      return original(args);
    }
    const inputs: tf.NamedTensorMap = bias != null ? { a, b, bias: bias as tf.Tensor } : { a, b };
    const attrs = { transposeA, transposeB, activation: args.activation ?? 'linear', leakyreluAlpha, hasBias: bias != null };
    return tf.engine().runKernel(tf._FusedMatMul, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }) as typeof tf.fused.matMul;
}

let installed = false;

/** Installs the gradient overrides and fused-op routing once; both defer to tfjs off the native backend. */
export function installTrainingPaths(): void {
  if (installed) return;
  installed = true;
  overrideActivationGradients();
  overrideSoftmaxGradient();
  registerFusedGradients();
  // tfjs-core's `fused` namespace is a plain object shared by every importer (tfjs-layers included).
  const fused = tf.fused as { conv2d: typeof tf.fused.conv2d; matMul: typeof tf.fused.matMul };
  fused.conv2d = fusedConv2d(fused.conv2d) as typeof tf.fused.conv2d;
  fused.matMul = fusedMatMul(fused.matMul) as typeof tf.fused.matMul;
}
