/**
 * Nadam (Dozat 2016, "Incorporating Nesterov Momentum into Adam"), which tfjs lacks, with the
 * semantics of Keras 2: `keras.optimizers.Nadam` in Keras 2.x / tf.keras (TF ≤ 2.10,
 * keras/optimizer_v2/nadam.py), including its momentum schedule with decay base 0.96 and
 * schedule_decay 0.004. At step t = iterations + 1:
 *
 *   μ_t    = β1 · (1 − ½ · 0.96^(0.004·t))          μ_{t+1} likewise with t + 1
 *   Π_t    = Π_{t−1} · μ_t   (Π_0 = 1)              the momentum-schedule product ("m_schedule")
 *   m      = β1·m + (1 − β1)·g                      v = β2·v + (1 − β2)·g²
 *   m̄      = (1 − μ_t)/(1 − Π_t) · g + μ_{t+1}/(1 − Π_t·μ_{t+1}) · m
 *   θ      = θ − lr · m̄ / (√(v / (1 − β2^t)) + ε)
 *
 * State is the iteration count and, per variable, m and v. Π_t is a function of the count alone,
 * so it is recomputed rather than stored, which keeps getWeights()/setWeights() exact (Keras's
 * order: iterations, every m, every v; the plumbing is MomentOptimizer's).
 */
import * as tf from '@tensorflow/tfjs-core';
import { MomentOptimizer, type NamedTensor } from './moment-optimizer.ts';

/** Keras's schedule constants. */
const DECAY_BASE = 0.96;
const DEFAULT_SCHEDULE_DECAY = 0.004;

export interface NadamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  scheduleDecay: number;
}

export class NadamOptimizer extends MomentOptimizer {
  static get className(): string {
    return 'Nadam';
  }

  /** Π_t for t = iterations, kept in float64 and always equal to momentumProduct(iterations). */
  private product = 1;

  constructor(
    learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
    readonly scheduleDecay = DEFAULT_SCHEDULE_DECAY,
  ) {
    super(learningRate);
    this.check('beta1', beta1, beta1 >= 0 && beta1 < 1, 'in [0, 1)');
    this.check('beta2', beta2, beta2 >= 0 && beta2 < 1, 'in [0, 1)');
    this.check('epsilon', epsilon, epsilon > 0, '> 0');
    this.check('scheduleDecay', scheduleDecay, scheduleDecay >= 0, '≥ 0');
  }

  /** μ_t of the momentum schedule. */
  momentumAt(t: number): number {
    return this.beta1 * (1 - 0.5 * DECAY_BASE ** (this.scheduleDecay * t));
  }

  /** Π_t = μ_1 · … · μ_t. */
  momentumProduct(t: number): number {
    let p = 1;
    for (let k = 1; k <= t; k++) p *= this.momentumAt(k);
    return p;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const t = this.iterations + 1;
    const mu = this.momentumAt(t);
    const muNext = this.momentumAt(t + 1);
    const product = this.product * mu;
    const gradCoef = (1 - mu) / (1 - product);
    const momentCoef = muNext / (1 - product * muNext);
    const vCorrection = 1 - this.beta2 ** t;
    this.forEachGradient(variableGradients, (value, g, mVar, vVar) => {
      const m = tf.add(tf.mul(mVar, this.beta1), tf.mul(g, 1 - this.beta1));
      const v = tf.add(tf.mul(vVar, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      mVar.assign(m);
      vVar.assign(v);
      const mBar = tf.add(tf.mul(g, gradCoef), tf.mul(m, momentCoef));
      const denom = tf.add(tf.sqrt(tf.div(v, vCorrection)), this.epsilon);
      value.assign(tf.sub(value, tf.mul(tf.div(mBar, denom), this.learningRate)));
    });
    this.product = product;
    this.incrementIterations();
  }

  protected override restored(): void {
    this.product = this.momentumProduct(this.iterations);
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      scheduleDecay: this.scheduleDecay,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict,
  ): T {
    const c = config as unknown as Partial<NadamConfig>;
    return new (cls as unknown as typeof NadamOptimizer)(
      c.learningRate ?? 0.001, c.beta1, c.beta2, c.epsilon, c.scheduleDecay,
    ) as unknown as T;
  }
}

tf.serialization.registerClass(NadamOptimizer);
