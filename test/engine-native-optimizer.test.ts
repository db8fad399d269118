/**
 * The fused native optimizers follow tf.train.adam / sgd / momentum step for step (run on the cpu
 * backend as the reference), and getWeights/setWeights round-trip their whole state.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { createFusedOptimizer } from '../src/engine/index.ts';
import { addon } from '../src/engine/native/addon.ts';
import { SKIP, useNative, randomValues, maxAbsDiff } from './engine-native-support.ts';

const SHAPES = [[3, 3, 2, 4], [4], [72, 10], [10]];
const STEPS = 8;

/** Gradients for step s: fixed pseudo-random values, the same on every backend. */
const gradValues = (s: number) => SHAPES.map((shape, i) => randomValues(shape.reduce((a, b) => a * b, 1), 1000 * s + i, -2, 2));
const initValues = () => SHAPES.map((shape, i) => randomValues(shape.reduce((a, b) => a * b, 1), 7 + i));

/** Applies STEPS updates with `make()`'s optimizer on `backend`; returns the variables after each step. */
function trajectory(backend: string, make: () => tf.Optimizer, lrAt?: (step: number) => number): Float32Array[][] {
  tf.setBackend(backend);
  const opt = make();
  const vars = initValues().map((v, i) => tf.variable(tf.tensor(v, SHAPES[i]), true, `${backend}-traj-${i}-${Math.random()}`));
  const out: Float32Array[][] = [];
  for (let s = 0; s < STEPS; s++) {
    // tfjs's Adam exposes a plain `learningRate` field; ours has the same (and setLearningRate()).
    if (lrAt) (opt as unknown as { learningRate: number }).learningRate = lrAt(s);
    const grads = tf.tidy(() => Object.fromEntries(vars.map((v, i) => [v.name, tf.keep(tf.tensor(gradValues(s)[i], SHAPES[i]))])));
    opt.applyGradients(grads);
    tf.dispose(Object.values(grads));
    out.push(vars.map((v) => Float32Array.from(v.dataSync() as Float32Array)));
  }
  opt.dispose();
  tf.dispose(vars);
  return out;
}

function assertSameTrajectory(label: string, a: Float32Array[][], b: Float32Array[][], tol: number): void {
  a.forEach((step, s) => step.forEach((v, i) => {
    const d = maxAbsDiff(v, b[s][i]);
    assert.ok(d <= tol, `${label}: step ${s + 1} variable ${i} max abs diff ${d} > ${tol}`);
  }));
}

describe('fused native optimizers', { skip: SKIP }, () => {
  before(useNative);

  it('is only offered on the native backend', () => {
    tf.setBackend('cpu');
    assert.equal(createFusedOptimizer('adam', { learningRate: 0.01 }), undefined);
    tf.setBackend('native');
    assert.ok(createFusedOptimizer('adam', { learningRate: 0.01 }) instanceof tf.Optimizer);
  });

  it('adam follows tf.train.adam, including a learning-rate change between steps', () => {
    const lrAt = (s: number) => (s < 4 ? 0.01 : 0.003);
    const ref = trajectory('cpu', () => tf.train.adam(0.01, 0.9, 0.999, 1e-7), lrAt);
    const nat = trajectory('native', () => createFusedOptimizer('adam', { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 })!, lrAt);
    assertSameTrajectory('adam', nat, ref, 2e-6);
    const ref2 = trajectory('cpu', () => tf.train.adam(0.05, 0.8, 0.99, 1e-4));
    const nat2 = trajectory('native', () => createFusedOptimizer('adam', { learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-4 })!);
    assertSameTrajectory('adam (other betas)', nat2, ref2, 2e-6);
  });

  it('sgd follows tf.train.sgd; momentum follows tf.train.momentum (plain and Nesterov)', () => {
    assertSameTrajectory('sgd', trajectory('native', () => createFusedOptimizer('sgd', { learningRate: 0.1 })!),
      trajectory('cpu', () => tf.train.sgd(0.1)), 1e-6);
    for (const nesterov of [false, true]) {
      assertSameTrajectory(`momentum nesterov=${nesterov}`,
        trajectory('native', () => createFusedOptimizer('sgd', { learningRate: 0.05, momentum: 0.9, nesterov })!),
        trajectory('cpu', () => tf.train.momentum(0.05, 0.9, nesterov)), 2e-6);
    }
  });

  it('getWeights/setWeights round-trip the full state: a restored optimizer continues identically', async () => {
    for (const [name, params] of [['adam', { learningRate: 0.02 }], ['sgd', { learningRate: 0.05, momentum: 0.8 }], ['sgd', { learningRate: 0.05 }]] as const) {
      tf.setBackend('native');
      const vars = initValues().map((v, i) => tf.variable(tf.tensor(v, SHAPES[i]), true, `rt-${name}-${i}-${Math.random()}`));
      const step = (opt: tf.Optimizer, s: number) => {
        const grads = tf.tidy(() => Object.fromEntries(vars.map((v, i) => [v.name, tf.keep(tf.tensor(gradValues(s)[i], SHAPES[i]))])));
        opt.applyGradients(grads);
        tf.dispose(Object.values(grads));
      };
      const a = createFusedOptimizer(name, params)!;
      for (let s = 0; s < 3; s++) step(a, s);
      const saved = (await a.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
      const expectedNames = name === 'adam' ? ['iter', ...vars.map((v) => `${v.name}/m`), ...vars.map((v) => `${v.name}/v`)]
        : params === undefined || !('momentum' in params) ? ['iter'] : ['iter', ...vars.map((v) => `${v.name}/momentum`)];
      assert.deepEqual(saved.map((w) => w.name), expectedNames, `${name}: weight names`);
      const snapshot = vars.map((v) => tf.clone(v));
      step(a, 3);
      const continued = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
      // Restore into new variables (a model rebuilt in the same process: other names) and a fresh
      // optimizer from the checkpoint, then take the same step: state follows position, not name.
      const rebuilt = snapshot.map((t, i) => tf.variable(t, true, `rebuilt-${name}-${i}-${Math.random()}`));
      const b = createFusedOptimizer(name, params)!;
      await b.setWeights(saved);
      assert.equal(b.iterations, 3, `${name}: iterations restored`);
      const grads = tf.tidy(() => Object.fromEntries(rebuilt.map((v, i) => [v.name, tf.keep(tf.tensor(gradValues(3)[i], SHAPES[i]))])));
      b.applyGradients(grads);
      tf.dispose(Object.values(grads));
      rebuilt.forEach((v, i) => assert.deepEqual(Float32Array.from(v.dataSync() as Float32Array), continued[i], `${name}: variable ${i} after resume`));
      const again = await b.getWeights();
      again.slice(1).forEach((w, i) => {
        const ref = (saved[i + 1].tensor.dataSync() as Float32Array);
        assert.notDeepEqual(Float32Array.from(w.tensor.dataSync() as Float32Array), ref, 'state moved on after a step');
      });
      tf.dispose([...vars, ...rebuilt, ...snapshot, ...saved.map((w) => w.tensor)]);
      a.dispose();
      b.dispose();
    }
  });

  it('gives the same bits wherever its arrays lie: side by side in one buffer or apart', () => {
    // The compiler vectorises these loops behind run-time overlap and alignment checks, so where the
    // arrays lie picks the vector loop or the scalar one. With floating-point contraction the two
    // fused multiply-adds differently, so rounded differently: a run's result then hung on heap
    // addresses, which differ between processes.
    for (const n of [3, 10, 37]) {
      const inputs = [randomValues(n, 1), randomValues(n, 2, -0.1, 0.1), randomValues(n, 3, -0.01, 0.01), randomValues(n, 4, 0, 1e-4)];
      const run = (arrays: Float32Array[]) => {
        const [param, grad, m, v, out] = arrays;
        inputs.forEach((x, i) => arrays[i].set(x));
        addon().adam(param, grad, m, v, out, 1e-3, 0.9, 0.999, 0.19, 0.002, 1e-7);
        addon().momentum(out, grad, m, param, 0.01, 0.9, true);
        return arrays.map((a) => [...new Uint32Array(a.buffer, a.byteOffset, n)].join(',')).join(' | ');
      };
      const apart = run(Array.from({ length: 5 }, () => new Float32Array(n + 64).subarray(32, 32 + n)));
      for (let offset = 0; offset < 16; offset++) {
        const buffer = new Float32Array(offset + 5 * n);
        const packed = run(Array.from({ length: 5 }, (_, i) => buffer.subarray(offset + i * n, offset + (i + 1) * n)));
        assert.equal(packed, apart, `n = ${n}, packed from offset ${offset}`);
      }
    }
  });

  it('serialises its config under a registered class name', () => {
    tf.setBackend('native');
    for (const opt of [createFusedOptimizer('adam', { learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-5 })!,
      createFusedOptimizer('sgd', { learningRate: 0.1 })!, createFusedOptimizer('sgd', { learningRate: 0.1, momentum: 0.9, nesterov: true })!]) {
      const entry = tf.serialization.SerializationMap.getMap().classNameMap[opt.getClassName()];
      assert.ok(entry, `${opt.getClassName()} is registered`);
      const [cls, fromConfig] = entry;
      const copy = fromConfig(cls, opt.getConfig());
      assert.equal(copy.getClassName(), opt.getClassName());
      assert.deepEqual(copy.getConfig(), opt.getConfig());
    }
  });

  it('rejects malformed checkpoints and parameters with specific messages', async () => {
    tf.setBackend('native');
    const opt = createFusedOptimizer('adam', { learningRate: 0.01 })!;
    await assert.rejects(opt.setWeights([{ name: 'iter', tensor: tf.scalar(1, 'int32') }, { name: 'w/v', tensor: tf.zeros([2]) }]),
      /expected a multiple of 2/);
    await assert.rejects(opt.setWeights([{ name: 'iter', tensor: tf.scalar(1, 'int32') }, { name: 'w/v', tensor: tf.zeros([2]) }, { name: 'w/m', tensor: tf.zeros([2]) }]),
      /expected a '\/m' weight/);
    assert.throws(() => createFusedOptimizer('adam', { learningRate: -1 }), /learningRate must be a non-negative number/);
    assert.throws(() => createFusedOptimizer('adam', { learningRate: 0.1, beta1: 1 }), /beta1 must be in \[0, 1\)/);
  });
});
