/**
 * Optimizers by name with Keras's defaults. Where the engine has a fused (native) update for an
 * optimizer, that is used: it gives the same numbers with one kernel call per variable.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as engine from '../engine/index.ts';
import { DEFAULT_LR, type OptimizerConfig } from './config.ts';
import { AdamaxOptimizer } from './adamax.ts';
import { NadamOptimizer } from './nadam.ts';

/** Keras's epsilon default (tfjs uses its backend epsilon otherwise). */
const KERAS_EPSILON = 1e-7;

export function createOptimizer(c: OptimizerConfig): tf.Optimizer {
  const lr = c.learningRate ?? DEFAULT_LR[c.name];
  const eps = c.epsilon ?? KERAS_EPSILON;
  const beta1 = c.beta1 ?? 0.9;
  const beta2 = c.beta2 ?? 0.999;
  const fused = c.name === 'adam' || c.name === 'sgd'
    ? engine.createFusedOptimizer(c.name, {
      learningRate: lr, beta1, beta2, epsilon: eps, momentum: c.momentum ?? 0, nesterov: c.nesterov ?? false,
    })
    : undefined;
  if (fused) return fused;
  switch (c.name) {
    case 'sgd':
      return c.momentum ? tf.train.momentum(lr, c.momentum, c.nesterov ?? false) : tf.train.sgd(lr);
    case 'adam': return tf.train.adam(lr, beta1, beta2, eps);
    case 'nadam': return new NadamOptimizer(lr, beta1, beta2, eps);
    case 'rmsprop': return tf.train.rmsprop(lr, c.rho ?? 0.9, c.momentum ?? 0, eps);
    case 'adagrad': return tf.train.adagrad(lr, 0.1);
    case 'adadelta': return tf.train.adadelta(lr, c.rho ?? 0.95, eps);
    // ours, not tf.train.adamax: same numbers, but its state can be checkpointed
    case 'adamax': return new AdamaxOptimizer(lr, beta1, beta2, eps);
  }
}

/** Changes an optimizer's learning rate between steps (schedules, reduce-on-plateau). */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate?: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
