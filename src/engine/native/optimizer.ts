/**
 * Fused optimizers for the native backend: each step updates every variable in one native pass
 * (tfjs's Adam dispatches ~10 kernels per variable, ~120 small ops a step for a small CNN, which was
 * a large part of the prototype's 34 % per-batch JS overhead).
 *
 * The math is tfjs's, in float32: Adam as tf.train.adam (bias-corrected with 1 - beta^t), SGD as
 * tf.train.sgd, Momentum as tf.train.momentum (optionally Nesterov). Optimizer state lives in private
 * Float32Arrays; parameters get a fresh array each step (never written in place, since `dataSync()`
 * callers may hold the old one). `getWeights()` / `setWeights()` use tfjs's names and order
 * (`iter`, then `<var>/m`, `<var>/v`, or `<var>/momentum`), so they round-trip the full state. As in
 * tfjs, state belongs to a variable by its position in the update, not by its name: a model rebuilt
 * in the same process gets new variable names and must still continue from a restored checkpoint.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { addon } from './addon.ts';
import { alloc } from './storage.ts';
import { BACKEND_NAME } from './kernels/define.ts';

type NamedTensor = { name: string; tensor: tf.Tensor };

/** A type alias (not an interface) so that it is assignable to plain records of options. */
export type FusedOptimizerParams = {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  momentum?: number;
  nesterov?: boolean;
};

function cpuStorage(): MathBackendCPU {
  return tf.engine().findBackend(BACKEND_NAME) as MathBackendCPU;
}

function valuesOf(t: tf.Tensor, what: string): Float32Array {
  const values = cpuStorage().data.get(t.dataId)?.values;
  if (t.dtype !== 'float32' || !(values instanceof Float32Array)) {
    throw new Error(`native optimizer: ${what} must be a float32 tensor on the native backend (got ${t.dtype})`);
  }
  return values;
}

function checkPositive(name: string, value: number, allowZero = false): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`native optimizer: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`);
  }
}

/** Shared plumbing: walks the gradients, swaps in each variable's updated values, manages state. */
abstract class NativeOptimizer extends tf.Optimizer {
  /** Per-variable state arrays in the order variables are updated, with each one's latest name. */
  protected slots: { name: string; state: Float32Array[] }[] = [];
  private exported: tf.Tensor[] = [];

  constructor(public learningRate: number) {
    super();
    checkPositive('learningRate', learningRate, true);
  }

  setLearningRate(learningRate: number): void {
    checkPositive('learningRate', learningRate, true);
    this.learningRate = learningRate;
  }

  protected abstract readonly slotNames: string[];
  /** Computes `out` (the new parameter values) and updates `state` in place. */
  protected abstract update(param: Float32Array, grad: Float32Array, state: Float32Array[], out: Float32Array): void;
  protected beforeStep(): void {}

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor] as const)
      : Object.entries(variableGradients);
    this.beforeStep();
    let position = 0;
    for (const [name, grad] of entries) {
      const variable = tf.engine().registeredVariables[name];
      if (variable == null || grad == null) continue;
      const param = valuesOf(variable, `variable ${name}`);
      const g = valuesOf(grad, `gradient of ${name}`);
      if (g.length !== param.length) {
        throw new Error(`native optimizer: gradient of ${name} has ${g.length} values, the variable ${param.length}`);
      }
      const slot = (this.slots[position] ??= { name, state: this.slotNames.map(() => new Float32Array(param.length)) });
      if (slot.state.some((a) => a.length !== param.length)) {
        throw new Error(`native optimizer: the state of variable #${position} (${slot.name}) has ${slot.state[0].length} values, ` +
          `but ${name} there has ${param.length}: restored state from another model?`);
      }
      slot.name = name;
      position++;
      const out = alloc(param.length);
      this.update(param, g, slot.state, out);
      const next = tf.tensor(out, variable.shape, 'float32');
      variable.assign(next);
      next.dispose();
    }
    this.incrementIterations();
  }

  /**
   * tfjs's layout: `iter`, then one tensor per slot and variable. The tensors are copies owned by the
   * optimizer: valid until the next getWeights() or dispose() (disposing them earlier is fine).
   */
  override async getWeights(): Promise<NamedTensor[]> {
    this.releaseExported();
    const weights: NamedTensor[] = [await this.saveIterations()];
    this.slotNames.forEach((slot, i) => {
      for (const { name, state } of this.slots) {
        const variable = tf.engine().registeredVariables[name];
        const shape = variable ? variable.shape : [state[i].length];
        weights.push({ name: `${name}/${slot}`, tensor: tf.tensor(state[i].slice(), shape, 'float32') });
      }
    });
    this.exported = weights.map((w) => w.tensor);
    return weights;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const perSlot = rest.length / Math.max(1, this.slotNames.length);
    if (this.slotNames.length === 0 ? rest.length !== 0 : !Number.isInteger(perSlot)) {
      throw new Error(`native optimizer: setWeights got ${rest.length} state tensors after 'iter', ` +
        `expected a multiple of ${this.slotNames.length} (${this.slotNames.join(', ') || 'none'})`);
    }
    const slots: { name: string; state: Float32Array[] }[] = [];
    this.slotNames.forEach((slot, i) => {
      rest.slice(i * perSlot, (i + 1) * perSlot).forEach(({ name, tensor }, position) => {
        const suffix = `/${slot}`;
        if (!name.endsWith(suffix)) {
          throw new Error(`native optimizer: setWeights expected a '${suffix}' weight at this position, got '${name}'`);
        }
        slots[position] ??= { name: name.slice(0, -suffix.length), state: [] };
        slots[position].state[i] = Float32Array.from(tensor.dataSync() as Float32Array);
      });
    });
    this.slots = slots;
    this.afterRestore();
  }

  protected afterRestore(): void {}

  private releaseExported(): void {
    for (const t of this.exported) t.dispose();
    this.exported = [];
  }

  override dispose(): void {
    this.releaseExported();
    this.slots = [];
    super.dispose();
  }
}

export class NativeAdamOptimizer extends NativeOptimizer {
  static get className() { return 'NativeAdam'; }
  protected readonly slotNames = ['m', 'v'];
  private oneMinusAccBeta1 = 0;
  private oneMinusAccBeta2 = 0;

  constructor(learningRate: number, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly epsilon = 1e-7) {
    super(learningRate);
    for (const [name, v] of [['beta1', beta1], ['beta2', beta2]] as const) {
      if (!(v >= 0 && v < 1)) throw new Error(`native optimizer: ${name} must be in [0, 1), got ${v}`);
    }
    checkPositive('epsilon', epsilon);
  }

  /** As tfjs: step t (1-based) uses beta^t, kept as float32. Derived from `iterations`, so restores are exact. */
  protected override beforeStep(): void {
    const t = this.iterations + 1;
    this.oneMinusAccBeta1 = Math.fround(1 - Math.fround(this.beta1 ** t));
    this.oneMinusAccBeta2 = Math.fround(1 - Math.fround(this.beta2 ** t));
  }

  protected update(param: Float32Array, grad: Float32Array, [m, v]: Float32Array[], out: Float32Array): void {
    addon().adam(param, grad, m, v, out, this.learningRate, this.beta1, this.beta2,
      this.oneMinusAccBeta1, this.oneMinusAccBeta2, this.epsilon);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    const c = config as { learningRate: number; beta1: number; beta2: number; epsilon: number };
    return new NativeAdamOptimizer(c.learningRate, c.beta1, c.beta2, c.epsilon) as unknown as T;
  }
}
tf.serialization.registerClass(NativeAdamOptimizer);

export class NativeSgdOptimizer extends NativeOptimizer {
  static get className() { return 'NativeSGD'; }
  protected readonly slotNames: string[] = [];

  protected update(param: Float32Array, grad: Float32Array, _state: Float32Array[], out: Float32Array): void {
    addon().sgd(param, grad, out, this.learningRate);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new NativeSgdOptimizer(config.learningRate as number) as unknown as T;
  }
}
tf.serialization.registerClass(NativeSgdOptimizer);

export class NativeMomentumOptimizer extends NativeOptimizer {
  static get className() { return 'NativeMomentum'; }
  protected readonly slotNames = ['momentum'];

  constructor(learningRate: number, readonly momentum: number, readonly useNesterov = false) {
    super(learningRate);
    checkPositive('momentum', momentum, true);
  }

  protected update(param: Float32Array, grad: Float32Array, [accum]: Float32Array[], out: Float32Array): void {
    addon().momentum(param, grad, accum, out, this.learningRate, this.momentum, this.useNesterov);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, useNesterov: this.useNesterov };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    const c = config as { learningRate: number; momentum: number; useNesterov: boolean };
    return new NativeMomentumOptimizer(c.learningRate, c.momentum, c.useNesterov) as unknown as T;
  }
}
tf.serialization.registerClass(NativeMomentumOptimizer);

/**
 * A native optimizer when the current backend is `native`, else undefined (use tfjs's own).
 * 'sgd' with a momentum gives tf.train.momentum's update.
 */
export function createNativeOptimizer(name: 'adam' | 'sgd', params: FusedOptimizerParams): tf.Optimizer | undefined {
  if (tf.getBackend() !== BACKEND_NAME) return undefined;
  if (name === 'adam') {
    return new NativeAdamOptimizer(params.learningRate, params.beta1 ?? 0.9, params.beta2 ?? 0.999, params.epsilon ?? 1e-7);
  }
  if (name === 'sgd') {
    return params.momentum
      ? new NativeMomentumOptimizer(params.learningRate, params.momentum, params.nesterov ?? false)
      : new NativeSgdOptimizer(params.learningRate);
  }
  throw new Error(`createFusedOptimizer: unknown optimizer '${name as string}'; expected 'adam' or 'sgd'`);
}
