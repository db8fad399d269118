/** The weight average against its closed form, and what training with one evaluates and saves. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/index.ts';
import { buildSeeded } from '../src/pipeline/train-run.ts';
import { defaultConfig, validateConfig } from '../src/train/config.ts';
import { WeightAverage } from '../src/train/ema.ts';
import { train } from '../src/train/trainer.ts';
import type { ModelSpec } from '../src/models/types.ts';

await initBackend();

const SPEC: ModelSpec = {
  name: 'tiny', input: 'flat', classes: 3,
  layers: [{ type: 'dense', units: 4, activation: 'relu' }, { type: 'batchNorm' }, { type: 'dense', units: 3, activation: 'softmax' }],
};

test('the average follows shadow = d·shadow + (1 − d)·w with the warm-up min(decay, (1 + t)/(10 + t))', async () => {
  const model = buildSeeded({ ...SPEC, layers: [{ type: 'dense', units: 3, activation: 'softmax' }] }, 1);
  const start = model.getWeights().map((w) => Array.from(w.dataSync()));
  const avg = new WeightAverage(model, 0.5);
  const expected = start.map((a) => a.slice());
  for (let t = 0; t < 4; t++) {
    // Move the weights to known values, then average them in.
    const target = start.map((a) => a.map((x, i) => x + t + 0.1 * i));
    model.setWeights(target.map((a, i) => tf.tensor(a, model.getWeights()[i].shape)));
    avg.update(t);
    const d = Math.min(0.5, (1 + t) / (10 + t));
    expected.forEach((e, j) => e.forEach((x, i) => { e[i] = d * x + (1 - d) * target[j][i]; }));
  }
  const got = avg.values();
  got.forEach((a, j) => a.forEach((x, i) => assert.ok(Math.abs(x - expected[j][i]) < 1e-5 + 1e-6 * Math.abs(x), `weight ${j}[${i}]: ${x} vs ${expected[j][i]}`)));
  // withAveraged puts the average in and the trained weights back.
  const trained = model.getWeights().map((w) => Array.from(w.dataSync()));
  const inside = await avg.withAveraged(model, () => model.getWeights().map((w) => Array.from(w.dataSync())));
  assert.deepEqual(inside, got.map((a) => Array.from(a)));
  assert.deepEqual(model.getWeights().map((w) => Array.from(w.dataSync())), trained);
  avg.dispose();
  model.dispose();
});

test('training with an average ends with the averaged weights and validates them; no tensors leak', async () => {
  const n = 256;
  const rand = (i: number) => ((i * 2654435761) % 1000) / 1000;
  const x = Float32Array.from({ length: n * 784 }, (_, i) => rand(i));
  const y = Uint8Array.from({ length: n }, (_, i) => i % 3);
  const input = { train: { x, y, count: n }, val: { x: x.subarray(0, 64 * 784), y: y.subarray(0, 64), count: 64 }, inputShape: [784], numClasses: 3 };
  const config = validateConfig({ ...defaultConfig('tiny'), epochs: 2, batchSize: 32, ema: { decay: 0.9 } });
  const plain = buildSeeded(SPEC, 4);
  const averaged = buildSeeded(SPEC, 4);
  const before = tf.memory().numTensors;
  const a = await train(plain, { ...config, ema: undefined }, input);
  const b = await train(averaged, config, input);
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  assert.deepEqual(a.history.map((e) => e.loss), b.history.map((e) => e.loss), 'the average does not change training itself');
  assert.notDeepEqual(a.history.map((e) => e.valLoss), b.history.map((e) => e.valLoss), 'validation scores the averaged weights');
  const wa = plain.getWeights().map((w) => Array.from(w.dataSync()));
  const wb = averaged.getWeights().map((w) => Array.from(w.dataSync()));
  assert.notDeepEqual(wa, wb, 'the final model holds the average, not the last weights');
  assert.throws(() => validateConfig({ ...config, ema: { decay: 1 } }), /ema\.decay: expected a number in \(0, 1\), got 1/);
  plain.dispose();
  averaged.dispose();
});
