/**
 * Adamax (Kingma & Ba 2015, §7.1), the infinity-norm variant of Adam, with the numbers of
 * tf.train.adamax (tfjs-core's AdamaxOptimizer) and Keras's Adamax. tfjs's own class cannot save
 * its state (its getWeights() throws), which breaks per-epoch checkpoints; this one can. At step
 * t = iterations + 1:
 *
 *   m = β1·m + (1 − β1)·g          u = max(β2·u, |g|)
 *   θ = θ − lr / (1 + decay·(t − 1)) / (1 − β1^t) · m / (u + ε)
 *
 * tfjs keeps β1^t and t − 1 in float32 scalar variables; here both come from the iteration count
 * in float64, so the whole state is the count plus m and u per variable (saved as `<var>/m` and
 * `<var>/v`, tfjs's names for them) and getWeights()/setWeights() round-trip it exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MomentOptimizer, type NamedTensor } from './moment-optimizer.ts';

export interface AdamaxConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  decay: number;
}

export class AdamaxOptimizer extends MomentOptimizer {
  static get className(): string {
    return 'Adamax';
  }

  constructor(
    learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
    readonly decay = 0,
  ) {
    super(learningRate);
    this.check('beta1', beta1, beta1 >= 0 && beta1 < 1, 'in [0, 1)');
    this.check('beta2', beta2, beta2 >= 0 && beta2 < 1, 'in [0, 1)');
    this.check('epsilon', epsilon, epsilon > 0, '> 0');
    this.check('decay', decay, decay >= 0, '≥ 0');
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const t = this.iterations + 1;
    const stepSize = this.learningRate / (1 + this.decay * (t - 1)) / (1 - this.beta1 ** t);
    this.forEachGradient(variableGradients, (value, g, mVar, uVar) => {
      const m = tf.add(tf.mul(mVar, this.beta1), tf.mul(g, 1 - this.beta1));
      const u = tf.maximum(tf.mul(uVar, this.beta2), tf.abs(g));
      mVar.assign(m);
      uVar.assign(u);
      value.assign(tf.sub(value, tf.mul(tf.div(m, tf.add(u, this.epsilon)), stepSize)));
    });
    this.incrementIterations();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, decay: this.decay };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict,
  ): T {
    const c = config as unknown as Partial<AdamaxConfig>;
    return new (cls as unknown as typeof AdamaxOptimizer)(c.learningRate ?? 0.001, c.beta1, c.beta2, c.epsilon, c.decay) as unknown as T;
  }
}

// Replaces tfjs's own 'Adamax' in the serialization map (same config keys), so a deserialized
// Adamax is this saveable one.
tf.serialization.registerClass(AdamaxOptimizer);
