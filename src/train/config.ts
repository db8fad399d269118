/**
 * The training configuration: everything that decides a run's result, stored with the run.
 */
import { validateAugment, type AugmentConfig } from '../data/augment-config.ts';
import type { Scaling, ValidationSplit } from '../data/preprocess.ts';

export const OPTIMIZERS = ['sgd', 'adam', 'nadam', 'rmsprop', 'adagrad', 'adadelta', 'adamax'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface OptimizerConfig {
  name: OptimizerName;
  learningRate?: number;
  /** sgd and rmsprop */
  momentum?: number;
  /** sgd */
  nesterov?: boolean;
  /** adam, nadam, adamax */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** rmsprop, adadelta */
  rho?: number;
}

export type Monitor = 'val_loss' | 'val_accuracy' | 'loss' | 'accuracy';

export interface EarlyStoppingConfig { monitor?: Monitor; patience?: number; minDelta?: number; restoreBestWeights?: boolean }
export interface ReduceLROnPlateauConfig { monitor?: Monitor; factor?: number; patience?: number; minDelta?: number; minLr?: number; cooldown?: number }

export type ScheduleConfig =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; gamma: number }
  | { kind: 'cosine'; minLr?: number }
  | { kind: 'one-cycle'; maxLr?: number; pctStart?: number; divFactor?: number; finalDivFactor?: number };

export interface TrainConfig {
  /** Zoo name or spec file path (the resolved spec is stored too). */
  model: string;
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer: OptimizerConfig;
  labelSmoothing: number;
  validation: ValidationSplit;
  scaling: Scaling;
  schedule: ScheduleConfig;
  earlyStopping?: EarlyStoppingConfig;
  reduceLROnPlateau?: ReduceLROnPlateauConfig;
  /** Keep an exponential moving average of the weights (decay per step); it is what is evaluated and saved. */
  ema?: { decay: number };
  /** Random transforms of the training images (never of validation or test images). */
  augment?: AugmentConfig;
  /** Use only the first N training / test images (quick runs and tests). */
  limitTrain?: number;
  limitTest?: number;
}

/** Keras's default learning rates. */
export const DEFAULT_LR: Record<OptimizerName, number> = {
  sgd: 0.01, adam: 0.001, nadam: 0.001, rmsprop: 0.001, adagrad: 0.001, adadelta: 0.001, adamax: 0.001,
};

export function defaultConfig(model: string): TrainConfig {
  return {
    model,
    epochs: 10,
    batchSize: 128,
    seed: 42,
    optimizer: { name: 'adam', learningRate: 0.001 },
    labelSmoothing: 0,
    validation: { kind: 'stratified', fraction: 0.1 },
    scaling: 'unit',
    schedule: { kind: 'constant' },
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function positiveInt(v: unknown, where: string): void {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new ConfigError(`${where}: expected a positive integer, got ${JSON.stringify(v)}`);
}
function positive(v: unknown, where: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(`${where}: expected a positive number, got ${JSON.stringify(v)}`);
}
function inRange(v: unknown, lo: number, hi: number, where: string): void {
  if (typeof v !== 'number' || !(v >= lo && v < hi)) throw new ConfigError(`${where}: expected a number in [${lo}, ${hi}), got ${JSON.stringify(v)}`);
}

/** Checks a config assembled from flags, files or a stored run; throws a ConfigError naming the field. */
export function validateConfig(c: TrainConfig): TrainConfig {
  positiveInt(c.epochs, 'epochs');
  positiveInt(c.batchSize, 'batchSize');
  if (!Number.isInteger(c.seed) || c.seed < 0) throw new ConfigError(`seed: expected a non-negative integer, got ${c.seed}`);
  if (!(OPTIMIZERS as readonly string[]).includes(c.optimizer.name)) {
    throw new ConfigError(`optimizer: unknown '${c.optimizer.name}'; expected one of ${OPTIMIZERS.join(', ')}`);
  }
  if (c.optimizer.learningRate !== undefined) positive(c.optimizer.learningRate, 'optimizer.learningRate');
  if (c.optimizer.momentum !== undefined) inRange(c.optimizer.momentum, 0, 1, 'optimizer.momentum');
  for (const k of ['beta1', 'beta2', 'rho'] as const) {
    if (c.optimizer[k] !== undefined) inRange(c.optimizer[k], 0, 1, `optimizer.${k}`);
  }
  if (c.optimizer.epsilon !== undefined) positive(c.optimizer.epsilon, 'optimizer.epsilon');
  inRange(c.labelSmoothing, 0, 1, 'labelSmoothing');
  if (c.ema !== undefined) {
    if (typeof c.ema.decay !== 'number' || !(c.ema.decay > 0 && c.ema.decay < 1)) throw new ConfigError(`ema.decay: expected a number in (0, 1), got ${JSON.stringify(c.ema.decay)}`);
  }
  if (c.augment !== undefined) {
    try {
      validateAugment(c.augment, 'augment');
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }
  if (c.limitTrain !== undefined) positiveInt(c.limitTrain, 'limitTrain');
  if (c.limitTest !== undefined) positiveInt(c.limitTest, 'limitTest');
  const s = c.schedule;
  if (s.kind === 'step') { positiveInt(s.every, 'schedule.every'); positive(s.gamma, 'schedule.gamma'); }
  if (s.kind === 'one-cycle' && s.pctStart !== undefined) inRange(s.pctStart, 0, 1, 'schedule.pctStart');
  if (c.earlyStopping?.patience !== undefined && !(Number.isInteger(c.earlyStopping.patience) && c.earlyStopping.patience >= 0)) {
    throw new ConfigError(`earlyStopping.patience: expected a non-negative integer, got ${c.earlyStopping.patience}`);
  }
  if (c.reduceLROnPlateau?.factor !== undefined) inRange(c.reduceLROnPlateau.factor, 0, 1, 'reduceLROnPlateau.factor');
  const usesVal = [c.earlyStopping?.monitor, c.reduceLROnPlateau?.monitor].some((m) => m?.startsWith('val_') ?? true);
  const hasCallback = c.earlyStopping !== undefined || c.reduceLROnPlateau !== undefined;
  if (hasCallback && usesVal && c.validation.kind === 'none') {
    throw new ConfigError('validation: early stopping / reduce-LR monitor validation metrics, but the validation split is none');
  }
  return c;
}
