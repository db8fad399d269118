/**
 * Gradients on the native backend: central finite differences through tf.grads for conv, dense,
 * pooling, batch norm and the activations; the fused conv/dense training path against the cpu
 * backend's own gradients; softmax and the cross-entropy loss against tfjs's compositions on cpu; and
 * proof that training keeps conv + bias + relu as one native kernel.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyLoss } from '../src/train/trainer.ts';
import { SKIP, useNative, input, randomValues, assertMatchesCpu, countNativeCalls, type Input } from './engine-native-support.ts';

/** sum(f(inputs) * w) in float64, w fixed random weights, so every output element matters. */
function lossOf(f: (...t: tf.Tensor[]) => tf.Tensor, inputs: Input[], w: Float32Array): number {
  return tf.tidy(() => {
    const y = f(...inputs.map((i) => tf.tensor(i.values, i.shape))).dataSync();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * w[i];
    return s;
  });
}

/**
 * Compares tf.grads of sum(f * w) with central differences at `samples` random coordinates of each
 * input in `wrt`; reports the worst relative error.
 */
function checkGradient(label: string, inputs: Input[], f: (...t: tf.Tensor[]) => tf.Tensor, wrt: number[],
  { eps = 1e-2, tol = 2e-2, samples = 12 } = {}): void {
  const outSize = tf.tidy(() => f(...inputs.map((i) => tf.tensor(i.values, i.shape))).size);
  const w = randomValues(outSize, 999);
  const analytic = tf.tidy(() => {
    const wt = tf.tensor(w, [outSize]);
    const g = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(tf.reshape(f(...ts), [outSize]), wt)));
    return g(inputs.map((i) => tf.tensor(i.values, i.shape))).map((t) => t.dataSync().slice() as Float32Array);
  });
  for (const k of wrt) {
    const values = inputs[k].values;
    const picks = randomValues(samples, 77 + k, 0, values.length).map(Math.floor);
    for (const idx of picks) {
      const saved = values[idx];
      values[idx] = saved + eps;
      const up = lossOf(f, inputs, w);
      values[idx] = saved - eps;
      const down = lossOf(f, inputs, w);
      values[idx] = saved;
      const fd = (up - down) / (2 * eps), an = analytic[k][idx];
      const err = Math.abs(fd - an) / Math.max(1, Math.abs(fd), Math.abs(an));
      assert.ok(err <= tol, `${label}: d/dinput${k}[${idx}] analytic ${an} vs finite difference ${fd} (rel err ${err.toExponential(2)})`);
    }
  }
}

describe('native gradients', { skip: SKIP }, () => {
  before(useNative);

  it('conv2d (fused, bias + elu and linear) by finite differences', () => {
    const cases: [number[], number[], number, 'same' | 'valid'][] = [
      [[2, 7, 6, 3], [3, 3, 3, 4], 1, 'same'], [[1, 9, 8, 2], [3, 2, 2, 3], 2, 'valid'], [[2, 9, 9, 2], [3, 3, 2, 3], 2, 'same'],
    ];
    cases.forEach(([xs, fs, s, p], i) => {
      for (const activation of ['linear', 'elu'] as const) {
        checkGradient(`fused conv2d ${activation} x[${xs}] f[${fs}] s${s} ${p}`,
          [input(xs, 1 + i), input(fs, 2 + i, -0.5, 0.5), input([fs[3]], 3 + i)],
          (x, f, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: s, pad: p, bias: b, activation }), [0, 1, 2]);
      }
      checkGradient(`conv2d x[${xs}] f[${fs}] s${s} ${p}`, [input(xs, 4 + i), input(fs, 5 + i)],
        (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, p), [0, 1]);
    });
  });

  it('dense (fused matMul, bias + sigmoid / linear) by finite differences', () => {
    for (const activation of ['linear', 'sigmoid'] as const) {
      checkGradient(`fused matMul ${activation}`, [input([5, 7], 10), input([7, 4], 11), input([4], 12)],
        (a, b, bias) => tf.fused.matMul({ a, b, bias, activation }), [0, 1, 2]);
    }
    checkGradient('batched matMul', [input([3, 4, 5], 13), input([3, 5, 2], 14)], (a, b) => tf.matMul(a, b), [0, 1]);
  });

  it('pooling by finite differences', () => {
    const x = input([2, 7, 9, 3], 20);
    checkGradient('maxPool 3x3 s2 same', [x], (t) => tf.maxPool(t as tf.Tensor4D, 3, 2, 'same'), [0], { eps: 1e-3, tol: 2e-2 });
    checkGradient('avgPool 3x2 s2 same', [x], (t) => tf.avgPool(t as tf.Tensor4D, [3, 2], 2, 'same'), [0]);
    checkGradient('avgPool 2x2 s1 valid', [x], (t) => tf.avgPool(t as tf.Tensor4D, 2, 1, 'valid'), [0]);
  });

  it('batch norm (training-mode moments) by finite differences', () => {
    checkGradient('batchNorm with batch moments', [input([4, 3, 3, 5], 30), input([5], 31, 0.5, 1.5), input([5], 32)],
      (x, scale, offset) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.batchNorm(x, mean, variance, offset, scale, 1e-3);
      }, [0, 1, 2], { eps: 1e-2, tol: 3e-2 });
  });

  it('activations by finite differences', () => {
    const acts: [string, (t: tf.Tensor) => tf.Tensor][] = [
      ['tanh', tf.tanh], ['sigmoid', tf.sigmoid], ['elu', tf.elu], ['selu', tf.selu], ['relu', tf.relu],
      ['leakyRelu', (t) => tf.leakyRelu(t, 0.2)], ['relu6', (t) => tf.relu6(tf.mul(t, 4))], ['erf', tf.erf],
      ['gelu', (t) => tf.mul(t, tf.mul(0.5, tf.add(1, tf.erf(tf.div(t, Math.SQRT2)))))],
    ];
    // Values kept away from the kinks at 0 (and 6/4) so that differences are meaningful.
    const x = input([4, 30], 40, 0.05, 2);
    const signs = randomValues(x.values.length, 41);
    x.values.forEach((v, i) => { x.values[i] = signs[i] < 0 ? -v : v; });
    for (const [name, f] of acts) checkGradient(name, [x], f, [0], { eps: 1e-3, samples: 20 });
  });

  it('softmax gradient (native kernel) matches tfjs\'s on cpu, 2-D and 3-D', () => {
    for (const [shape, seed] of [[[37, 10], 170], [[3, 4, 17], 171]] as const) {
      const x = input([...shape], seed, -4, 4), w = input([...shape], seed + 10);
      assertMatchesCpu(`softmax gradient [${shape}]`, [x, w], (xt, wt) =>
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.softmax(t), wt)))(xt), 1e-5);
    }
    checkGradient('softmax', [input([5, 7], 172, -3, 3)], (t) => tf.softmax(t), [0], { eps: 1e-3 });
  });

  it('cross-entropy loss and its gradient (native kernels) match the composition on cpu, clipping included', () => {
    const rows = 64, k = 10;
    // Probabilities with exact 0s and 1s (the clip's flat parts) and label-smoothed targets.
    const logits = input([rows, k], 180, -12, 12);
    const labels = { shape: [rows, k], values: new Float32Array(rows * k).fill(0.01) };
    for (let r = 0; r < rows; r++) labels.values[r * k + (r * 3) % k] = 0.91;
    const probsOf = (t: tf.Tensor) => tf.softmax(tf.mul(t, tf.tensor(Array.from({ length: rows * k }, (_, i) => (i % 5 === 0 ? 20 : 1)), [rows, k])));
    const saturated = tf.tidy(() => probsOf(tf.tensor(logits.values, logits.shape)).dataSync());
    assert.ok(saturated.some((p) => p < 1e-7) && saturated.some((p) => p > 1 - 1e-7), 'probabilities on both clipped ends');
    assertMatchesCpu('cross-entropy value and gradient', [labels, logits], (yt, lt) => {
      const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => crossEntropyLoss(yt, probsOf(t)))([lt]);
      return [value, grads[0]];
    }, 1e-5);
  });

  it('fused conv + relu and dense + relu training gradients match the cpu backend', () => {
    const x = input([3, 10, 9, 2], 50), f = input([3, 3, 2, 5], 51), b = input([5], 52);
    const w = input([5 * 5 * 5, 4], 53), wb = input([4], 54);
    const loss = (xt: tf.Tensor, ft: tf.Tensor, bt: tf.Tensor, wt: tf.Tensor, wbt: tf.Tensor) => {
      const c = tf.fused.conv2d({ x: xt as tf.Tensor4D, filter: ft as tf.Tensor4D, strides: 2, pad: 'same', bias: bt, activation: 'relu' });
      const d = tf.fused.matMul({ a: tf.reshape(c, [3, 125]), b: wt, bias: wbt, activation: 'relu' });
      return tf.sum(tf.square(d));
    };
    assertMatchesCpu('gradients of conv-relu -> dense-relu', [x, f, b, w, wb],
      (...ts) => tf.grads(loss as (...t: tf.Tensor[]) => tf.Tensor)(ts), 1e-4);
  });

  it('training keeps conv + bias + relu one native kernel with a native gradient', async () => {
    const x = tf.tensor(input([2, 8, 8, 3], 60).values, [2, 8, 8, 3]) as tf.Tensor4D;
    const f = tf.tensor(input([3, 3, 3, 4], 61).values, [3, 3, 3, 4]) as tf.Tensor4D;
    const b = tf.tensor(input([4], 62).values, [4]);
    const { calls } = await countNativeCalls(() => tf.tidy(() =>
      tf.grads((ft: tf.Tensor, bt: tf.Tensor) => tf.sum(tf.fused.conv2d({ x, filter: ft as tf.Tensor4D, bias: bt, strides: 1, pad: 'same', activation: 'relu' })))([f, b])));
    assert.equal(calls.convForward, 1, `convForward calls: ${JSON.stringify(calls)}`);
    assert.equal(calls.actForward ?? 0, 0, 'relu must stay fused into the conv, not run separately');
    assert.equal(calls.actBackwardBias, 1, 'relu gradient and bias gradient in one native pass');
    assert.equal(calls.reduce, 1, 'only the loss sum reduces: the bias gradient comes with the relu gradient');
    assert.equal(calls.convBackwardFilter, 1);
    assert.equal(calls.convBackwardData ?? 0, 0, 'the input gradient is not needed and not computed');
    tf.dispose([x, f, b]);
  });
});
