/**
 * NadamOptimizer against a hand-written float64 reference of Keras 2's Nadam on plain arrays,
 * on a quadratic, and through getWeights/setWeights, config and registration.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers tfjs's gradient definitions
import { NadamOptimizer } from '../src/train/nadam.ts';

/** Keras 2 Nadam (keras/optimizers.py, Keras 2.2–2.3), written out on plain arrays. */
class ReferenceNadam {
  t = 0;
  mSchedule = 1;
  m: number[][];
  v: number[][];

  constructor(public lr: number, sizes: number[], private decay = 0.004, private b1 = 0.9, private b2 = 0.999, private eps = 1e-7) {
    this.m = sizes.map((n) => new Array<number>(n).fill(0));
    this.v = sizes.map((n) => new Array<number>(n).fill(0));
  }

  step(params: number[][], grads: number[][]): void {
    this.t += 1;
    const t = this.t;
    const cache = this.b1 * (1 - 0.5 * Math.pow(0.96, t * this.decay));
    const cacheNext = this.b1 * (1 - 0.5 * Math.pow(0.96, (t + 1) * this.decay));
    const mScheduleNew = this.mSchedule * cache;
    const mScheduleNext = this.mSchedule * cache * cacheNext;
    this.mSchedule = mScheduleNew;
    params.forEach((p, k) => {
      for (let i = 0; i < p.length; i++) {
        const g = grads[k][i];
        const gPrime = g / (1 - mScheduleNew);
        const mT = this.b1 * this.m[k][i] + (1 - this.b1) * g;
        const mTPrime = mT / (1 - mScheduleNext);
        const vT = this.b2 * this.v[k][i] + (1 - this.b2) * g * g;
        const vTPrime = vT / (1 - Math.pow(this.b2, t));
        const mTBar = (1 - cache) * gPrime + cacheNext * mTPrime;
        this.m[k][i] = mT;
        this.v[k][i] = vT;
        p[i] = p[i] - this.lr * mTBar / (Math.sqrt(vTPrime) + this.eps);
      }
    });
  }
}

/** Deterministic values in [-1, 1). */
function seeded(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
}

function makeVars(values: number[][], shapes: number[][]): tf.Variable[] {
  return values.map((v, i) => tf.variable(tf.tensor(v, shapes[i]), true, `nadam_test_${i}_${Math.random()}`));
}

/** Asserts |got − want| ≤ tol · max(1, |want|) everywhere; returns the worst such ratio. */
function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  assert.ok(worst <= tol, `${what}: max relative difference ${worst} > ${tol}`);
  return worst;
}

describe('NadamOptimizer', () => {
  // Keras's schedule decay, and a large one under which the momentum schedule dominates.
  for (const decay of [0.004, 0.5]) {
    it(`follows the Keras 2 formula step by step (schedule decay ${decay}), including a learning-rate change`, async () => {
      await tf.setBackend('cpu');
      const shapes = [[3, 4], [5]];
      const init = shapes.map((s, k) => seeded(s.reduce((a, b) => a * b), 7 + k));
      const vars = makeVars(init, shapes);
      const opt = new NadamOptimizer(0.01, 0.9, 0.999, 1e-7, decay);
      const ref = new ReferenceNadam(0.01, init.map((a) => a.length), decay);
      const params = init.map((a) => [...a]);
      let worst = 0;
      for (let step = 0; step < 12; step++) {
        if (step === 6) { opt.setLearningRate(0.003); ref.lr = 0.003; }
        // gradients of varying sign and growing scale; the second variable's are so small that ε matters
        const grads = init.map((a, k) => seeded(a.length, 100 * step + k).map((g) => g * (1 + step) * (k === 1 ? 1e-6 : 1)));
        tf.tidy(() => opt.applyGradients(vars.map((v, k) => ({ name: v.name, tensor: tf.tensor(grads[k], shapes[k]) }))));
        ref.step(params, grads);
        vars.forEach((v, k) => { worst = Math.max(worst, assertClose(v.dataSync(), params[k], 5e-7, `step ${step + 1} variable ${k}`)); });
      }
      assert.equal(opt.iterations, 12);
      assertClose([opt.momentumProduct(12)], [ref.mSchedule], 1e-15, 'momentum-schedule product');
      opt.dispose();
      tf.dispose(vars);
    });
  }

  it('minimises a quadratic', async () => {
    await tf.setBackend('cpu');
    const target = tf.tensor([3, -2, 0.5, 7]);
    const x = tf.variable(tf.zeros([4]));
    const opt = new NadamOptimizer(0.1);
    const loss = () => tf.sum(tf.square(tf.sub(x, target))) as tf.Scalar;
    const first = tf.tidy(() => loss().dataSync()[0]);
    for (let i = 0; i < 400; i++) tf.tidy(() => { opt.minimize(loss); });
    const last = tf.tidy(() => loss().dataSync()[0]);
    assert.ok(first > 60, `initial loss ${first}`);
    assert.ok(last < 1e-3, `loss after 400 steps ${last} (from ${first})`);
    assertClose(x.dataSync(), [3, -2, 0.5, 7], 2e-2, 'minimiser');
    opt.dispose();
    tf.dispose([x, target]);
  });

  it('round-trips its full state through getWeights/setWeights: the copy continues identically', async () => {
    await tf.setBackend('cpu');
    const shapes = [[2, 3], [4]];
    const init = shapes.map((s, k) => seeded(s.reduce((a, b) => a * b), 40 + k));
    const gradsAt = (step: number) => init.map((a, k) => seeded(a.length, 900 + 10 * step + k));
    const a = makeVars(init, shapes);
    const optA = new NadamOptimizer(0.02);
    const stepWith = (opt: NadamOptimizer, vars: tf.Variable[], step: number) => tf.tidy(() =>
      opt.applyGradients(vars.map((v, k) => ({ name: v.name, tensor: tf.tensor(gradsAt(step)[k], shapes[k]) }))));
    for (let s = 0; s < 5; s++) stepWith(optA, a, s);

    // what a checkpoint does: copy the weights out as plain arrays, later rebuild and restore them
    const saved = await optA.getWeights();
    assert.deepEqual(saved.map((w) => w.name), ['iter', ...a.map((v) => `${v.name}/m`), ...a.map((v) => `${v.name}/v`)]);
    const stored = saved.map((w) => ({ name: w.name, shape: w.tensor.shape, values: Float32Array.from(w.tensor.dataSync()) }));
    const b = makeVars(a.map((v) => Array.from(v.dataSync())), shapes);
    const optB = new NadamOptimizer(0.02);
    const restored = stored.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) }));
    await optB.setWeights(restored);
    tf.dispose(restored.map((r) => r.tensor)); // the optimizer must have copied them
    assert.equal(optB.iterations, 5);
    const again = await optB.getWeights();
    again.forEach((w, i) => assert.deepEqual(Array.from(w.tensor.dataSync()), Array.from(stored[i].values), `weight ${w.name}`));

    for (let s = 5; s < 9; s++) {
      stepWith(optA, a, s);
      stepWith(optB, b, s);
    }
    a.forEach((v, k) => assert.deepEqual(Array.from(b[k].dataSync()), Array.from(v.dataSync()), `variable ${k} after resuming`));
    optA.dispose();
    optB.dispose();
    tf.dispose([...a, ...b]);
  });

  it('rejects malformed weights with a specific message', async () => {
    const opt = new NadamOptimizer(0.01);
    const t = (v: number[]) => tf.tensor(v);
    await assert.rejects(opt.setWeights([]), /expected the iteration count then m and v per variable/);
    await assert.rejects(opt.setWeights([{ name: 'iter', tensor: t([1]) }, { name: 'a/m', tensor: t([1, 2]) }]), /odd count/);
    await assert.rejects(opt.setWeights([{ name: 'iter', tensor: t([2]) }, { name: 'a/m', tensor: t([1, 2]) }, { name: 'a/v', tensor: t([1]) }]),
      /'a\/m' has shape \[2\] but 'a\/v' has \[1\]/);
    assert.throws(() => new NadamOptimizer(0.01, 1), /beta1 must be in \[0, 1\), got 1/);
    assert.throws(() => opt.setLearningRate(-1), /learningRate must be a finite number ≥ 0, got -1/);
  });

  it('keeps the tensor count flat over steps', async () => {
    await tf.setBackend('cpu');
    const x = tf.variable(tf.ones([3, 3]));
    const opt = new NadamOptimizer(0.01);
    const loss = () => tf.sum(tf.square(x)) as tf.Scalar;
    for (let i = 0; i < 3; i++) tf.tidy(() => { opt.minimize(loss); });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) tf.tidy(() => { opt.minimize(loss); });
    assert.equal(tf.memory().numTensors, before);
    opt.dispose();
    x.dispose();
  });

  it('serialises its config and is registered as Nadam', () => {
    const opt = new NadamOptimizer(0.005, 0.85, 0.99, 1e-6);
    const config = opt.getConfig();
    assert.deepEqual(config, { learningRate: 0.005, beta1: 0.85, beta2: 0.99, epsilon: 1e-6, scheduleDecay: 0.004 });
    const cls = tf.serialization.SerializationMap.getMap().classNameMap.Nadam;
    assert.ok(cls, 'Nadam is not registered with tf.serialization');
    const copy = cls[1](cls[0], config) as NadamOptimizer;
    assert.ok(copy instanceof NadamOptimizer);
    assert.deepEqual(copy.getConfig(), config);
  });
});
