/**
 * Turns a validated ModelSpec into a tfjs LayersModel with Keras semantics: glorot-uniform kernels,
 * zero biases, Keras BatchNormalization defaults, Keras's LeakyReLU slope. Built with the
 * functional API so residual blocks can branch and merge.
 *
 * Initializers get no seed on purpose: tfjs then draws from Math.random, which the trainer seeds
 * to make runs reproducible. An activation set on a dense/conv layer stays on that layer, so tfjs
 * can fuse bias and activation into one kernel; leakyRelu becomes a LeakyReLU layer after it.
 * tfjs-layers 4.22 has every other activation built in (gelu is the exact erf form, as Keras's
 * default), all registered for serialization, so saved models reload without custom classes.
 * Layers are named after their spec position (conv2d_1, dense_2, res3_conv_a, ...), so the same
 * spec always yields the same weight names.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization } from './batch-norm.ts';
import { dropout } from './dropout.ts';
import { reluActivation } from './rectified.ts';
import { INPUT_SHAPES, needsProjection, pair } from './shapes.ts';
import { DEFAULTS, type Activation, type LayerSpec, type ModelSpec, type Regularizer, type ResidualLayer } from './types.ts';
import { validateSpec } from './validate.ts';

type Tensor = tfl.SymbolicTensor;
type TfActivation = 'relu' | 'elu' | 'selu' | 'gelu' | 'tanh' | 'sigmoid' | 'linear' | 'softmax';

const KERNEL_INIT = 'glorotUniform';
const BIAS_INIT = 'zeros';

/** Hands out Keras-style unique names per layer kind within one model. */
class Namer {
  private counts = new Map<string, number>();
  next(base: string): string {
    const n = (this.counts.get(base) ?? 0) + 1;
    this.counts.set(base, n);
    return `${base}_${n}`;
  }
}

function regularizer(r: Regularizer | undefined) {
  if (!r) return undefined;
  // Pass both rates explicitly: tfl.regularizers.l1l2 defaults each missing rate to 0.01.
  if (r.l1 !== undefined && r.l2 !== undefined) return tfl.regularizers.l1l2({ l1: r.l1, l2: r.l2 });
  if (r.l1 !== undefined) return tfl.regularizers.l1({ l1: r.l1 });
  return tfl.regularizers.l2({ l2: r.l2 ?? 0 });
}

/** Splits an activation into what the layer itself can apply and an optional LeakyReLU slope. */
function splitActivation(a: Activation | undefined): { onLayer: TfActivation; leakyAlpha?: number } {
  if (a === undefined) return { onLayer: DEFAULTS.activation };
  if (typeof a === 'object') return { onLayer: 'linear', leakyAlpha: a.alpha };
  if (a === 'leakyRelu') return { onLayer: 'linear', leakyAlpha: DEFAULTS.leakyReluAlpha };
  return { onLayer: a };
}

/** A standalone activation layer (after BN in residual blocks, or an `activation` spec layer). */
function activationLayer(a: Activation, name: string): tfl.layers.Layer {
  const { onLayer, leakyAlpha } = splitActivation(a);
  if (leakyAlpha !== undefined) return tfl.layers.leakyReLU({ alpha: leakyAlpha, name });
  return onLayer === 'relu' ? reluActivation(name) : tfl.layers.activation({ activation: onLayer, name });
}

/** Whether an activation is plain relu: a batch-norm right before its layer rectifies in its own kernels. */
const isRelu = (a: Activation | undefined) => a === 'relu';

function applyLeaky(x: Tensor, alpha: number | undefined, name: string): Tensor {
  return alpha === undefined ? x : (tfl.layers.leakyReLU({ alpha, name }).apply(x) as Tensor);
}

function conv(
  x: Tensor, name: string,
  o: { filters: number; kernel: number | [number, number]; stride?: number | [number, number];
    padding?: 'same' | 'valid'; activation?: TfActivation; useBias?: boolean; regularizer?: Regularizer },
): Tensor {
  return tfl.layers.conv2d({
    name,
    filters: o.filters,
    kernelSize: pair(o.kernel),
    strides: pair(o.stride ?? 1),
    padding: o.padding ?? DEFAULTS.padding,
    activation: o.activation ?? 'linear',
    useBias: o.useBias ?? true,
    kernelInitializer: KERNEL_INIT,
    biasInitializer: BIAS_INIT,
    kernelRegularizer: regularizer(o.regularizer),
  }).apply(x) as Tensor;
}

function batchNorm(x: Tensor, name: string, o: { momentum?: number; epsilon?: number; reluAfter?: boolean } = {}): Tensor {
  return batchNormalization({
    name,
    axis: -1,
    momentum: o.momentum ?? DEFAULTS.batchNormMomentum,
    epsilon: o.epsilon ?? DEFAULTS.batchNormEpsilon,
  }, o.reluAfter).apply(x) as Tensor;
}

/**
 * He et al.'s residual block (post-activation). Convs have no bias since BN follows each one.
 * `bottleneck` strides in its 3x3 conv (as torchvision's ResNet v1.5). The shortcut is the
 * identity unless stride or channel count change, then a 1x1 conv + BN projection.
 */
function residual(x: Tensor, l: ResidualLayer, prefix: string): Tensor {
  const act = l.activation ?? DEFAULTS.residualActivation;
  const stride = l.stride ?? 1;
  const inChannels = x.shape[3] as number;
  const common = { padding: 'same' as const, useBias: false, regularizer: l.regularizer };
  const stages = l.block === 'basic'
    ? [{ filters: l.filters, kernel: 3, stride }, { filters: l.filters, kernel: 3, stride: 1 }]
    : [
      { filters: l.filters, kernel: 1, stride: 1 },
      { filters: l.filters, kernel: 3, stride },
      { filters: l.filters * (l.expansion ?? DEFAULTS.bottleneckExpansion), kernel: 1, stride: 1 },
    ];
  let y = x;
  stages.forEach((s, i) => {
    const tag = 'abc'[i];
    y = conv(y, `${prefix}_conv_${tag}`, { ...common, ...s });
    const last = i === stages.length - 1;
    y = batchNorm(y, `${prefix}_bn_${tag}`, { reluAfter: !last && isRelu(act) });
    if (!last) y = activationLayer(act, `${prefix}_act_${tag}`).apply(y) as Tensor;
  });
  const outChannels = stages[stages.length - 1].filters;
  let shortcut = x;
  if (needsProjection(inChannels, outChannels, stride)) {
    shortcut = conv(x, `${prefix}_proj_conv`, { ...common, filters: outChannels, kernel: 1, stride });
    shortcut = batchNorm(shortcut, `${prefix}_proj_bn`);
  }
  const sum = tfl.layers.add({ name: `${prefix}_add` }).apply([y, shortcut]) as Tensor;
  return activationLayer(act, `${prefix}_out`).apply(sum) as Tensor;
}

/** Applies one spec layer; `next` is the layer after it, if any (batch-norm fuses a relu that follows). */
function applyLayer(x: Tensor, layer: LayerSpec, names: Namer, next?: LayerSpec): Tensor {
  switch (layer.type) {
    case 'dense': {
      const { onLayer, leakyAlpha } = splitActivation(layer.activation);
      const name = names.next('dense');
      const y = tfl.layers.dense({
        name,
        units: layer.units,
        activation: onLayer,
        useBias: layer.useBias ?? true,
        kernelInitializer: KERNEL_INIT,
        biasInitializer: BIAS_INIT,
        kernelRegularizer: regularizer(layer.regularizer),
      }).apply(x) as Tensor;
      return applyLeaky(y, leakyAlpha, `${name}_leaky_relu`);
    }
    case 'conv': {
      const { onLayer, leakyAlpha } = splitActivation(layer.activation);
      const name = names.next('conv2d');
      const y = conv(x, name, { ...layer, activation: onLayer });
      return applyLeaky(y, leakyAlpha, `${name}_leaky_relu`);
    }
    case 'maxPool':
    case 'avgPool': {
      const size = pair(layer.size ?? DEFAULTS.poolSize);
      const args = {
        poolSize: size,
        strides: layer.stride === undefined ? size : pair(layer.stride),
        padding: layer.padding ?? DEFAULTS.padding,
      };
      return (layer.type === 'maxPool'
        ? tfl.layers.maxPooling2d({ ...args, name: names.next('max_pooling2d') })
        : tfl.layers.averagePooling2d({ ...args, name: names.next('average_pooling2d') })).apply(x) as Tensor;
    }
    case 'globalAvgPool':
      return tfl.layers.globalAveragePooling2d({ name: names.next('global_average_pooling2d') }).apply(x) as Tensor;
    case 'globalMaxPool':
      return tfl.layers.globalMaxPooling2d({ name: names.next('global_max_pooling2d') }).apply(x) as Tensor;
    case 'flatten':
      // Already flat: nothing to do (tfjs's Flatten rejects rank-2 input).
      if (x.shape.length === 2) return x;
      return tfl.layers.flatten({ name: names.next('flatten') }).apply(x) as Tensor;
    case 'dropout':
      return dropout({ rate: layer.rate, name: names.next('dropout') }).apply(x) as Tensor;
    case 'batchNorm':
      return batchNorm(x, names.next('batch_normalization'), {
        momentum: layer.momentum, epsilon: layer.epsilon, reluAfter: next?.type === 'activation' && isRelu(next.activation),
      });
    case 'activation':
      return activationLayer(layer.activation, names.next('activation')).apply(x) as Tensor;
    case 'residual':
      return residual(x, layer, names.next('res'));
  }
}

/** Builds the model for a spec (validated first, so a bad spec fails with a SpecError). */
export function buildModel(spec: ModelSpec): tfl.LayersModel {
  const checked = validateSpec(spec);
  const names = new Namer();
  const input = tfl.input({ shape: [...INPUT_SHAPES[checked.input]], name: 'input' });
  let x: Tensor = input;
  checked.layers.forEach((layer, i) => { x = applyLayer(x, layer, names, checked.layers[i + 1]); });
  return tfl.model({ inputs: input, outputs: x, name: checked.name });
}
