/**
 * AdamaxOptimizer against tfjs's own tf.train.adamax step by step, through getWeights/setWeights
 * into a fresh optimizer and freshly named variables, and end to end: `fmnist train --optimizer
 * adamax` writes a checkpoint after every epoch, which tfjs's Adamax could not do, and a run
 * killed after epoch 1 resumes from it to exactly the uninterrupted result.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers tfjs's gradient definitions
import { AdamaxOptimizer } from '../src/train/adamax.ts';
import { createOptimizer } from '../src/train/optimizers.ts';
import { fmnist, fmnistLive, resultOf } from './helpers/cli.ts';
import { realSlice, tempDir } from './helpers/data.ts';

/** Deterministic values in [-1, 1). */
function seeded(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
}

const SHAPES = [[3, 4], [5], [2, 1, 3]];
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const INIT = SHAPES.map((s, k) => seeded(size(s), 11 + k));

let serial = 0;
/** Variables holding `values`, under names never used before. */
function makeVars(values: number[][]): tf.Variable[] {
  serial += 1;
  return values.map((v, i) => tf.variable(tf.tensor(v, SHAPES[i]), true, `adamax_test_${serial}_${i}`));
}

/**
 * Gradients of step `step`: varying sign and scale; the second variable's are tiny (ε matters)
 * and every third step zeroes some entries (u then decays as β2·u rather than tracking |g|).
 */
function gradsAt(step: number): number[][] {
  return INIT.map((a, k) => seeded(a.length, 500 + 10 * step + k)
    .map((g, i) => (step % 3 === 2 && i % 2 === 0 ? 0 : g * (1 + step) * (k === 1 ? 1e-6 : 1))));
}

function stepWith(opt: tf.Optimizer, vars: tf.Variable[], step: number): void {
  const g = gradsAt(step);
  tf.tidy(() => opt.applyGradients(vars.map((v, k) => ({ name: v.name, tensor: tf.tensor(g[k], SHAPES[k]) }))));
}

/** Asserts |got − want| ≤ tol · max(1, |want|) everywhere. */
function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  assert.ok(worst <= tol, `${what}: max relative difference ${worst} > ${tol}`);
}

const values = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));

describe('AdamaxOptimizer', () => {
  it('moves every parameter by lr · sign(g) on the first step (m = (1−β1)g, u = |g|, 1 − β1^1 = 1 − β1)', async () => {
    await tf.setBackend('cpu');
    const x = tf.variable(tf.tensor([1, -2, 3, 0.5]));
    const opt = new AdamaxOptimizer(0.01, 0.9, 0.999, 1e-7);
    tf.tidy(() => opt.applyGradients([{ name: x.name, tensor: tf.tensor([4, -0.5, 1e-3, -2]) }]));
    // lr · g/(|g| + ε) = ±0.01 up to ε/|g| (1e-4 relative for the 1e-3 gradient)
    assertClose(x.dataSync(), [1 - 0.01, -2 + 0.01, 3 - 0.01 * (1e-3 / (1e-3 + 1e-7)), 0.5 + 0.01], 1e-6, 'after one step');
    opt.dispose();
    x.dispose();
  });

  for (const decay of [0, 0.05]) {
    it(`takes the steps of tf.train.adamax (decay ${decay}), including a learning-rate change`, async () => {
      await tf.setBackend('cpu');
      const ours = makeVars(INIT);
      const theirs = makeVars(INIT);
      const opt = new AdamaxOptimizer(0.02, 0.9, 0.999, 1e-7, decay);
      const ref = tf.train.adamax(0.02, 0.9, 0.999, 1e-7, decay);
      for (let step = 0; step < 12; step++) {
        if (step === 7) {
          opt.setLearningRate(0.005);
          (ref as unknown as { learningRate: number }).learningRate = 0.005;
        }
        stepWith(opt, ours, step);
        stepWith(ref, theirs, step);
        const want = values(theirs);
        ours.forEach((v, k) => assertClose(v.dataSync(), want[k], 1e-6, `step ${step + 1} variable ${k}`));
      }
      // the steps were large enough for a wrong formula to show
      const moved = Math.max(...Array.from(ours[0].dataSync(), (x, i) => Math.abs(x - INIT[0][i])));
      assert.ok(moved > 0.02, `largest parameter change ${moved}`);
      assert.equal(opt.iterations, 12);
      opt.dispose();
      ref.dispose();
      tf.dispose([...ours, ...theirs]);
    });
  }

  it('round-trips its full state: a fresh optimizer on freshly named variables continues identically', async () => {
    await tf.setBackend('cpu');
    const a = makeVars(INIT);
    const optA = new AdamaxOptimizer(0.02);
    for (let s = 0; s < 5; s++) stepWith(optA, a, s);

    // what a checkpoint does: copy the weights out as plain arrays, later rebuild and restore them
    const saved = await optA.getWeights();
    assert.deepEqual(saved.map((w) => w.name), ['iter', ...a.map((v) => `${v.name}/m`), ...a.map((v) => `${v.name}/v`)]);
    assert.deepEqual(Array.from(saved[0].tensor.dataSync()), [5]);
    const stored = saved.map((w) => ({ name: w.name, shape: w.tensor.shape, values: Float32Array.from(w.tensor.dataSync()) }));

    const b = makeVars(values(a)); // a rebuilt model: same values, new variable names
    const optB = new AdamaxOptimizer(0.02);
    const restored = stored.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) }));
    await optB.setWeights(restored);
    tf.dispose(restored.map((r) => r.tensor)); // the optimizer must have copied them
    assert.equal(optB.iterations, 5);
    const again = await optB.getWeights();
    again.forEach((w, i) => assert.deepEqual(Array.from(w.tensor.dataSync()), Array.from(stored[i].values), `weight ${w.name}`));

    // a fresh optimizer without the state takes different steps, so the comparison below can fail
    const c = makeVars(values(a));
    const optC = new AdamaxOptimizer(0.02);
    for (let s = 5; s < 9; s++) {
      stepWith(optA, a, s);
      stepWith(optB, b, s);
      stepWith(optC, c, s);
    }
    a.forEach((v, k) => assert.deepEqual(Array.from(b[k].dataSync()), Array.from(v.dataSync()), `variable ${k} after resuming`));
    assert.notDeepEqual(values(c), values(a));
    assert.equal(optB.iterations, 9);
    // matched by position: the restored moments keep their saved names while updating b's variables
    assert.deepEqual((await optB.getWeights()).slice(1, 2).map((w) => w.name), [`${a[0].name}/m`]);
    [optA, optB, optC].forEach((o) => o.dispose());
    tf.dispose([...a, ...b, ...c]);
  });

  it('rejects malformed weights and parameters with a specific message', async () => {
    const opt = new AdamaxOptimizer(0.01);
    const t = (v: number[]) => tf.tensor(v);
    await assert.rejects(opt.setWeights([]), /^Error: Adamax\.setWeights: expected the iteration count then m and v per variable/);
    await assert.rejects(opt.setWeights([{ name: 'iter', tensor: t([1]) }, { name: 'a/m', tensor: t([1, 2]) }]), /odd count/);
    await assert.rejects(opt.setWeights([{ name: 'iter', tensor: t([2]) }, { name: 'a/m', tensor: t([1, 2]) }, { name: 'a/v', tensor: t([1]) }]),
      /'a\/m' has shape \[2\] but 'a\/v' has \[1\]/);
    assert.throws(() => new AdamaxOptimizer(0.01, 0.9, 1), /^Error: Adamax: beta2 must be in \[0, 1\), got 1/);
    assert.throws(() => new AdamaxOptimizer(0.01, 0.9, 0.999, 1e-7, -1), /decay must be ≥ 0, got -1/);
    assert.throws(() => opt.setLearningRate(Number.NaN), /learningRate must be a finite number ≥ 0, got NaN/);
  });

  it('keeps the tensor count flat over steps', async () => {
    await tf.setBackend('cpu');
    const x = tf.variable(tf.ones([3, 3]));
    const opt = new AdamaxOptimizer(0.01);
    const loss = () => tf.sum(tf.square(x)) as tf.Scalar;
    for (let i = 0; i < 3; i++) tf.tidy(() => { opt.minimize(loss); });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) tf.tidy(() => { opt.minimize(loss); });
    assert.equal(tf.memory().numTensors, before);
    opt.dispose();
    x.dispose();
  });

  it('is what createOptimizer gives for adamax, serialises its config and is registered as Adamax', () => {
    const made = createOptimizer({ name: 'adamax', learningRate: 0.003 });
    assert.ok(made instanceof AdamaxOptimizer);
    const config = made.getConfig();
    assert.deepEqual(config, { learningRate: 0.003, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0 });
    const cls = tf.serialization.SerializationMap.getMap().classNameMap.Adamax;
    const copy = cls[1](cls[0], config) as AdamaxOptimizer;
    assert.ok(copy instanceof AdamaxOptimizer, 'Adamax in the serialization map is not ours');
    assert.deepEqual(copy.getConfig(), config);
    made.dispose();
    copy.dispose();
  });
});

describe('fmnist train --optimizer adamax', () => {
  const data = realSlice(600, 200);
  const root = tempDir('fmnist-adamax-');
  after(() => {
    rmSync(data, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  const args = (store: string) => ['train', '--model', 'mlp', '--optimizer', 'adamax', '--epochs', '2', '--data-dir', data,
    '--store', join(root, store), '--seed', '1', '--no-train-eval', '--json'];
  let whole: ReturnType<typeof resultOf> | undefined;

  it('trains past the first epoch checkpoint and completes', () => {
    const r = fmnist(args('a'));
    assert.equal(r.status, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; epoch?: number; loss?: number });
    const epochs = events.filter((e) => e.event === 'epoch');
    assert.deepEqual(epochs.map((e) => e.epoch), [1, 2]);
    assert.ok(epochs[1].loss! < epochs[0].loss!, `training loss did not fall: ${epochs.map((e) => e.loss).join(' → ')}`);
    whole = resultOf(r.stdout);
    assert.equal(whole.status, 'completed');
  });

  it('resumes from the epoch-1 checkpoint to exactly the uninterrupted result', async () => {
    assert.ok(whole, 'the uninterrupted run did not complete');
    const killed = await fmnistLive(args('b'), (line, kill) => {
      if ((JSON.parse(line) as { event: string }).event === 'epoch') kill('SIGKILL');
    });
    assert.equal(killed.signal, 'SIGKILL', `the first process was not killed: ${killed.stderr}`);
    const resumed = fmnist(['train', '--resume', '--store', join(root, 'b'), '--data-dir', data, '--json']);
    assert.equal(resumed.status, 0, resumed.stderr);
    const got = resultOf(resumed.stdout);
    assert.equal(got.status, 'completed');
    for (const split of ['test', 'val']) {
      assert.equal(got.metrics[split].loss, whole.metrics[split].loss, `${split} loss`);
      assert.equal(got.metrics[split].accuracy, whole.metrics[split].accuracy, `${split} accuracy`);
    }
  });
});
