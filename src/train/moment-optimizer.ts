/**
 * Base for optimizers whose whole state is the iteration count plus two accumulators per variable
 * (Nadam's m and v, Adamax's m and u). It owns the plumbing they share: creating the accumulators
 * on first use, disposing them, and getWeights()/setWeights() in tfjs's conventions — names
 * `<variable>/m` and `<variable>/v`, order iterations, every m, every v. Accumulators are matched
 * to variables by position, as tfjs's own optimizers do, so a model rebuilt with new variable
 * names continues from restored state. Subclasses derive any other quantity (bias corrections,
 * schedules) from the iteration count, which keeps the round trip exact.
 */
import * as tf from '@tensorflow/tfjs-core';

export type NamedTensor = { name: string; tensor: tf.Tensor };
interface Slot { originalName: string; variable: tf.Variable }

export abstract class MomentOptimizer extends tf.Optimizer {
  private m: Slot[] = [];
  private v: Slot[] = [];

  constructor(public learningRate: number) {
    super();
    this.setLearningRate(learningRate);
  }

  /** The class name used in messages ('Nadam', 'Adamax'). */
  private get label(): string {
    return (this.constructor as unknown as { className: string }).className;
  }

  /** Throws `<Class>: <name> must be <expected>, got <value>` unless ok. */
  protected check(name: string, value: number, ok: boolean, expected: string): void {
    if (!ok) throw new Error(`${this.label}: ${name} must be ${expected}, got ${value}`);
  }

  setLearningRate(lr: number): void {
    this.check('learningRate', lr, Number.isFinite(lr) && lr >= 0, 'a finite number ≥ 0');
    this.learningRate = lr;
  }

  /**
   * Calls update(value, gradient, m, v) inside one tidy for each variable with a gradient,
   * creating its zero accumulators on first use. Does not count the step: the subclass calls
   * incrementIterations() once its own per-step bookkeeping is done.
   */
  protected forEachGradient(
    variableGradients: tf.NamedTensorMap | NamedTensor[],
    update: (value: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable) => void,
  ): void {
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    tf.tidy(() => {
      named.forEach(({ name, tensor: g }, i) => {
        const value = tf.engine().registeredVariables[name];
        if (!value) throw new Error(`${this.label}: no variable named '${name}' is registered`);
        const zeros = () => tf.tidy(() => tf.zerosLike(value).variable(false));
        this.m[i] ??= { originalName: `${name}/m`, variable: zeros() };
        this.v[i] ??= { originalName: `${name}/v`, variable: zeros() };
        if (g != null) update(value, g, this.m[i].variable, this.v[i].variable);
      });
    });
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
    const where = `${this.label}.setWeights`;
    if (weightValues.length === 0 || weightValues.length % 2 !== 1) {
      throw new Error(`${where}: expected the iteration count then m and v per variable (an odd count), got ${weightValues.length} tensors`);
    }
    const slots = await this.extractIterations(weightValues);
    if (!Number.isInteger(this.iterations) || this.iterations < 0) {
      throw new Error(`${where}: the iteration count must be an integer ≥ 0, got ${this.iterations}`);
    }
    const n = slots.length / 2;
    slots.slice(0, n).forEach((s, i) => {
      const v = slots[n + i];
      if (s.tensor.rank !== v.tensor.rank || !s.tensor.shape.every((d, k) => d === v.tensor.shape[k])) {
        throw new Error(`${where}: '${s.name}' has shape [${s.tensor.shape}] but '${v.name}' has [${v.tensor.shape}]`);
      }
    });
    this.dispose();
    const copy = (s: NamedTensor): Slot => ({ originalName: s.name, variable: tf.tidy(() => tf.clone(s.tensor).variable(false)) });
    this.m = slots.slice(0, n).map(copy);
    this.v = slots.slice(n).map(copy);
    this.restored();
  }

  /** Called after setWeights() has set the iteration count and accumulators. */
  protected restored(): void {}
}
