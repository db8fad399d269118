/**
 * The model spec: a plain, serialisable description of a network (JSON or YAML on disk),
 * validated by `validateSpec` and turned into a tfjs LayersModel by `buildModel`.
 */
import type { AugmentConfig } from '../data/augment-config.ts';

export type ActivationName =
  | 'relu' | 'leakyRelu' | 'elu' | 'selu' | 'gelu' | 'tanh' | 'sigmoid' | 'linear' | 'softmax';

export const ACTIVATION_NAMES = [
  'relu', 'leakyRelu', 'elu', 'selu', 'gelu', 'tanh', 'sigmoid', 'linear', 'softmax',
] as const satisfies readonly ActivationName[];

/** An activation by name, or leakyRelu with its slope. */
export type Activation = ActivationName | { type: 'leakyRelu'; alpha: number };

/** Kernel regularizer: l1 only (L1), l2 only (L2), or both (L1L2). */
export interface Regularizer { l1?: number; l2?: number }

export type Size2 = number | [number, number];

export interface DenseLayer {
  type: 'dense'; units: number; activation?: Activation; useBias?: boolean; regularizer?: Regularizer;
}
export interface ConvLayer {
  type: 'conv'; filters: number; kernel: Size2; stride?: Size2; padding?: 'same' | 'valid';
  activation?: Activation; useBias?: boolean; regularizer?: Regularizer;
}
export interface PoolLayer { type: 'maxPool' | 'avgPool'; size?: Size2; stride?: Size2; padding?: 'same' | 'valid' }
export interface GlobalPoolLayer { type: 'globalAvgPool' | 'globalMaxPool' }
export interface FlattenLayer { type: 'flatten' }
export interface DropoutLayer { type: 'dropout'; rate: number }
export interface BatchNormLayer { type: 'batchNorm'; momentum?: number; epsilon?: number }
export interface ActivationLayer { type: 'activation'; activation: Activation }
/**
 * A residual block (He et al.): `basic` is two 3x3 convs, `bottleneck` is 1x1 → 3x3 → 1x1 with
 * `filters * expansion` outputs. A projection shortcut (1x1 conv + BN) is added when the shape changes.
 */
export interface ResidualLayer {
  type: 'residual'; block: 'basic' | 'bottleneck'; filters: number; stride?: number;
  expansion?: number; activation?: Activation; regularizer?: Regularizer;
}

export type LayerSpec =
  | DenseLayer | ConvLayer | PoolLayer | GlobalPoolLayer | FlattenLayer | DropoutLayer
  | BatchNormLayer | ActivationLayer | ResidualLayer;

/** Optimizers a seed's training settings may name (the trainer's set). */
export const OPTIMIZER_NAMES = ['sgd', 'adam', 'nadam', 'rmsprop', 'adagrad', 'adadelta', 'adamax'] as const;
export type TrainingOptimizer = (typeof OPTIMIZER_NAMES)[number];

/**
 * Training settings the model's source used, as far as it states them; `fmnist reproduce` takes
 * them as defaults. Anything the source leaves unsaid is left out (the trainer's default applies).
 */
export interface TrainingSettings {
  optimizer?: TrainingOptimizer;
  learningRate?: number;
  /** SGD momentum. */
  momentum?: number;
  batchSize?: number;
  epochs?: number;
  /** In the `--val` syntax: a fraction in (0, 1) (stratified), `first:N`, `per-class:N` or `none`. */
  validation?: string;
  /** Learning-rate schedule in the `--schedule` syntax: constant, step:EVERY:GAMMA, cosine[:MIN_LR], one-cycle[:MAX_LR]. */
  schedule?: string;
  /** Augmentation of the training images: the `--augment` syntax (`shift:2,flip`) or an AugmentConfig object (for classes, copies, erasing details). */
  augment?: string | AugmentConfig;
  /** Label smoothing in [0, 1). */
  labelSmoothing?: number;
  /** Decay of an exponential moving average of the weights, per step (the averaged weights are evaluated and saved). */
  ema?: number;
  /** What else the source did (early stopping, LR schedule, augmentation) and choices made here. */
  notes?: string;
}

export const LAYER_TYPES = [
  'dense', 'conv', 'maxPool', 'avgPool', 'globalAvgPool', 'globalMaxPool', 'flatten', 'dropout',
  'batchNorm', 'activation', 'residual',
] as const satisfies readonly LayerSpec['type'][];

/** Defaults where a spec leaves a field out; they follow Keras. */
export const DEFAULTS = {
  classes: 10,
  activation: 'linear',
  /** Keras's LeakyReLU layer default. */
  leakyReluAlpha: 0.3,
  padding: 'valid',
  poolSize: 2,
  batchNormMomentum: 0.99,
  batchNormEpsilon: 1e-3,
  residualActivation: 'relu',
  bottleneckExpansion: 4,
} as const;

export interface ModelSpec {
  /** Short identifier, e.g. `seed004-v5`. */
  name: string;
  description?: string;
  /** Where the architecture comes from and the choices made where the source is ambiguous. */
  source?: string;
  /** `flat`: input [784]; `image`: input [28, 28, 1]. */
  input: 'flat' | 'image';
  /** Number of classes; the spec's last layer must produce this many outputs. Default 10. */
  classes?: number;
  layers: LayerSpec[];
  training?: TrainingSettings;
}
