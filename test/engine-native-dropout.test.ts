/**
 * The native dropout kernel and the Dropout layer that uses it: keep rate and scaling against the
 * definition, the gradient against the forward mask, determinism by seed, and a seeded training run
 * with dropout that repeats exactly.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { addon } from '../src/engine/native/addon.ts';
import { dropoutInTraining } from '../src/engine/index.ts';
import { buildModel } from '../src/models/build.ts';
import { validateSpec } from '../src/models/validate.ts';
import { defaultConfig } from '../src/train/config.ts';
import { seedMathRandom, train } from '../src/train/trainer.ts';
import { SKIP, useNative, countNativeCalls, randomValues } from './engine-native-support.ts';

const N = 200_000;
/** 1 / (1 - rate) in float32 arithmetic, as the kernel computes it. */
const keepScale = (rate: number) => Math.fround(1 / Math.fround(1 - Math.fround(rate)));

function drop(x: Float32Array, rate: number, seedA: number, seedB: number): Float32Array {
  const y = new Float32Array(x.length);
  addon().dropout(x, y, rate, seedA, seedB);
  return y;
}

describe('native dropout', { skip: SKIP }, () => {
  before(useNative);

  it('keeps 1 - rate of the elements, scaled by 1 / (1 - rate), and zeroes the rest', () => {
    for (const rate of [0.1, 0.25, 0.5, 0.9]) {
      const y = drop(new Float32Array(N).fill(2), rate, 12345, 678);
      const scaled = Math.fround(2 * keepScale(rate));
      let kept = 0;
      for (const v of y) {
        if (v !== 0) { assert.equal(v, scaled, `rate ${rate}: kept value`); kept++; }
      }
      // Binomial(N, 1 - rate): 5 standard deviations.
      const sd = Math.sqrt(N * rate * (1 - rate));
      assert.ok(Math.abs(kept - N * (1 - rate)) < 5 * sd, `rate ${rate}: kept ${kept} of ${N}, expected ${N * (1 - rate)} ± ${5 * sd}`);
    }
  });

  it('masks are a function of the seeds: equal seeds repeat, other seeds draw independent masks', () => {
    const x = new Float32Array(N).fill(1);
    const a = drop(x, 0.5, 1, 2), again = drop(x, 0.5, 1, 2);
    assert.deepEqual(a, again);
    for (const other of [drop(x, 0.5, 2, 2), drop(x, 0.5, 1, 3)]) {
      let agree = 0;
      for (let i = 0; i < N; i++) if ((a[i] !== 0) === (other[i] !== 0)) agree++;
      // Independent fair masks agree on half of the elements (5 sd = 0.0056).
      assert.ok(Math.abs(agree / N - 0.5) < 0.0056, `agreement ${agree / N}`);
    }
    // Neighbouring elements are independent too: P(both kept) = 1/4.
    let both = 0;
    for (let i = 1; i < N; i++) if (a[i] !== 0 && a[i - 1] !== 0) both++;
    assert.ok(Math.abs(both / (N - 1) - 0.25) < 0.005, `neighbours both kept: ${both / (N - 1)}`);
  });

  it('the gradient passes dy through the forward mask, scaled', () => {
    const xv = randomValues(4 * 6 * 6 * 8, 3, 0.5, 1.5), wv = randomValues(xv.length, 4);
    const x = tf.tensor(xv, [4, 6, 6, 8]), w = tf.tensor(wv, [4, 6, 6, 8]);
    let y: Float32Array = new Float32Array();
    const restore = seedMathRandom(7);
    const grad = tf.grad((t: tf.Tensor) => {
      const out = dropoutInTraining(t, 0.3)!;
      y = out.dataSync() as Float32Array;
      return tf.sum(tf.mul(out, w));
    })(x).dataSync();
    restore();
    const scale = keepScale(0.3);
    for (let i = 0; i < xv.length; i++) {
      const kept = y[i] !== 0; // x is never 0
      if (kept) assert.equal(y[i], Math.fround(xv[i] * scale), `y[${i}]`);
      assert.equal(grad[i] + 0, kept ? Math.fround(wv[i] * scale) : 0, `dx[${i}]`); // + 0: -0 is 0
    }
    tf.dispose([x, w]);
  });

  it('the Dropout layer trains on the kernel, passes inputs through at inference, and repeats by seed', async () => {
    const spec = validateSpec({
      name: 'drop', input: 'flat',
      layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dropout', rate: 0.4 }, { type: 'dense', units: 10, activation: 'softmax' }],
    });
    const n = 256;
    const data = {
      train: { x: randomValues(n * 784, 11, 0, 1), y: Uint8Array.from({ length: n }, (_, i) => i % 10), count: n },
      inputShape: [784], numClasses: 10,
    };
    const config = { ...defaultConfig('drop'), epochs: 2, batchSize: 64, seed: 3, validation: { kind: 'none' as const } };
    const run = async () => {
      const restore = seedMathRandom(1);
      const model = (() => { try { return buildModel(spec); } finally { restore(); } })();
      try {
        const { result, calls } = await countNativeCalls(() => train(model, config, data));
        const history = result.history.map((e) => e.loss);
        const probe = tf.tensor(data.train.x.subarray(0, 784 * 4), [4, 784]);
        const once = model.predict(probe) as tf.Tensor, twice = model.predict(probe) as tf.Tensor;
        const deterministic = tf.max(tf.abs(tf.sub(once, twice))).dataSync()[0] === 0;
        tf.dispose([probe, once, twice]);
        return { history, dropoutCalls: calls.dropout ?? 0, deterministic };
      } finally {
        model.dispose();
      }
    };
    const a = await run(), b = await run();
    // 4 batches x 2 epochs, one forward and one backward call each.
    assert.equal(a.dropoutCalls, 16);
    assert.ok(a.deterministic, 'inference applies no dropout');
    assert.deepEqual(a.history, b.history, 'the same seed trains the same');
  });
});
