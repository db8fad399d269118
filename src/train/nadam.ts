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
 * order: iterations, every m, every v). Moments are matched to variables by position, as tfjs's
 * own optimizers do.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Keras's schedule constants. */
const DECAY_BASE = 0.96;
const DEFAULT_SCHEDULE_DECAY = 0.004;

interface Slot { originalName: string; variable: tf.Variable }
type NamedTensor = { name: string; tensor: tf.Tensor };

export interface NadamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  scheduleDecay: number;
}

export class NadamOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'Nadam';
  }

  private m: Slot[] = [];
  private v: Slot[] = [];
  /** Π_t for t = iterations, kept in float64 and always equal to momentumProduct(iterations). */
  private product = 1;

  constructor(
    public learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
    readonly scheduleDecay = DEFAULT_SCHEDULE_DECAY,
  ) {
    super();
    const check = (name: string, value: number, ok: boolean, expected: string) => {
      if (!ok) throw new Error(`Nadam: ${name} must be ${expected}, got ${value}`);
    };
    check('learningRate', learningRate, Number.isFinite(learningRate) && learningRate >= 0, 'a finite number ≥ 0');
    check('beta1', beta1, beta1 >= 0 && beta1 < 1, 'in [0, 1)');
    check('beta2', beta2, beta2 >= 0 && beta2 < 1, 'in [0, 1)');
    check('epsilon', epsilon, epsilon > 0, '> 0');
    check('scheduleDecay', scheduleDecay, scheduleDecay >= 0, '≥ 0');
  }

  setLearningRate(lr: number): void {
    if (!Number.isFinite(lr) || lr < 0) throw new Error(`Nadam: learningRate must be a finite number ≥ 0, got ${lr}`);
    this.learningRate = lr;
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
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const t = this.iterations + 1;
    const mu = this.momentumAt(t);
    const muNext = this.momentumAt(t + 1);
    const product = this.product * mu;
    const gradCoef = (1 - mu) / (1 - product);
    const momentCoef = muNext / (1 - product * muNext);
    const vCorrection = 1 - this.beta2 ** t;
    tf.tidy(() => {
      named.forEach(({ name, tensor: g }, i) => {
        const value = tf.engine().registeredVariables[name];
        if (!value) throw new Error(`Nadam: no variable named '${name}' is registered`);
        this.m[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        this.v[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (g == null) return;
        const m = tf.add(tf.mul(this.m[i].variable, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i].variable, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i].variable.assign(m);
        this.v[i].variable.assign(v);
        const mBar = tf.add(tf.mul(g, gradCoef), tf.mul(m, momentCoef));
        const denom = tf.add(tf.sqrt(tf.div(v, vCorrection)), this.epsilon);
        value.assign(tf.sub(value, tf.mul(tf.div(mBar, denom), this.learningRate)));
      });
    });
    this.product = product;
    this.incrementIterations();
  }

  override dispose(): void {
    tf.dispose([...this.m, ...this.v].map((s) => s.variable));
    this.m = [];
    this.v = [];
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const slots = [...this.m, ...this.v].map((s) => ({ name: s.originalName, tensor: s.variable as tf.Tensor }));
    return [await this.saveIterations(), ...slots];
  }

  /** Restores the state from getWeights()'s list; the tensors are copied, the caller keeps its own. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    if (weightValues.length === 0 || weightValues.length % 2 !== 1) {
      throw new Error(`Nadam.setWeights: expected the iteration count then m and v per variable (an odd count), got ${weightValues.length} tensors`);
    }
    const slots = await this.extractIterations(weightValues);
    if (!Number.isInteger(this.iterations) || this.iterations < 0) {
      throw new Error(`Nadam.setWeights: the iteration count must be an integer ≥ 0, got ${this.iterations}`);
    }
    const n = slots.length / 2;
    slots.slice(0, n).forEach((s, i) => {
      const v = slots[n + i];
      if (!s.tensor.shape.every((d, k) => d === v.tensor.shape[k]) || s.tensor.rank !== v.tensor.rank) {
        throw new Error(`Nadam.setWeights: '${s.name}' has shape [${s.tensor.shape}] but '${v.name}' has [${v.tensor.shape}]`);
      }
    });
    this.dispose();
    const copy = (s: NamedTensor): Slot => ({ originalName: s.name, variable: tf.tidy(() => tf.clone(s.tensor).variable(false)) });
    this.m = slots.slice(0, n).map(copy);
    this.v = slots.slice(n).map(copy);
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
