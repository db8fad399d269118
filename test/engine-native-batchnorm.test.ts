/**
 * Batch-norm's training step on the native backend (two fused kernels through the model builder's
 * BatchNormalization): gradients by finite differences, and the layer's output, gradients and
 * moving statistics against tfjs-layers' own BatchNormalization on the cpu backend.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormInTraining } from '../src/engine/index.ts';
import { batchNormalization } from '../src/models/batch-norm.ts';
import { reluActivation } from '../src/models/rectified.ts';
import { SKIP, useNative, input, randomValues, countNativeCalls, maxAbsDiff, type Input } from './engine-native-support.ts';

type BnConfig = Parameters<typeof batchNormalization>[0];
type Apply = (t: tf.Tensor) => tf.Tensor;

/**
 * One training-mode call of a BN layer with given weights, optionally followed by a second layer;
 * returns y, dx, dgamma, dbeta and the moving stats after.
 */
function layerStep(make: (c: BnConfig) => ReturnType<typeof batchNormalization>, backend: string, x: Input, weights: Input[],
  momentum: number, after?: () => { apply(t: tf.Tensor, kwargs: { training: boolean }): unknown }) {
  const previous = tf.getBackend();
  tf.setBackend(backend);
  try {
    const layer = make({ axis: -1, momentum, epsilon: 1e-3 });
    const next = after?.();
    const run: Apply = (t) => {
      const y = layer.apply(t, { training: true }) as tf.Tensor;
      return next ? next.apply(y, { training: true }) as tf.Tensor : y;
    };
    layer.build(x.shape);
    layer.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
    const xt = tf.tensor(x.values, x.shape);
    const w = tf.tensor(randomValues(x.values.length, 5), x.shape);
    const [gamma, beta] = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    let y: Float32Array = new Float32Array();
    const { grads: g } = tf.variableGrads(() => {
      const r = run(xt);
      y = Float32Array.from(r.dataSync() as Float32Array);
      return tf.sum(tf.mul(r, w)) as tf.Scalar;
    }, layer.trainableWeights.map((v) => v.read() as tf.Variable));
    const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(run(xi), w)))(xt);
    const stats = layer.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array));
    const out = {
      y, dx: Float32Array.from(dx.dataSync() as Float32Array),
      dgamma: Float32Array.from(g[gamma.name].dataSync() as Float32Array), dbeta: Float32Array.from(g[beta.name].dataSync() as Float32Array),
      movingMean: stats[2], movingVariance: stats[3],
    };
    for (const v of layer.weights) (v.read() as tf.Variable).dispose();
    return out;
  } finally {
    tf.setBackend(previous);
  }
}

describe('batch-norm training kernels', { skip: SKIP }, () => {
  before(useNative);

  it('the fused gradient matches finite differences (x, scale, offset)', () => {
    const x = input([3, 5, 3, 7], 40), scale = input([7], 41, 0.5, 1.5), offset = input([7], 42);
    const w = randomValues(x.values.length, 43);
    const loss = (xv: Float32Array, sv: Float32Array, ov: Float32Array) => tf.tidy(() => {
      const r = batchNormInTraining(tf.tensor(xv, x.shape), tf.tensor(sv, [7]), tf.tensor(ov, [7]), 1e-3)!;
      const y = r.y.dataSync();
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * w[i];
      return s;
    });
    const analytic = tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(batchNormInTraining(a, b, c, 1e-3)!.y, tf.tensor(w, x.shape))))(
      [tf.tensor(x.values, x.shape), tf.tensor(scale.values, [7]), tf.tensor(offset.values, [7])]).map((t) => t.dataSync().slice()));
    const all = [x.values, scale.values, offset.values];
    all.forEach((values, k) => {
      for (const idx of randomValues(10, 44 + k, 0, values.length).map(Math.floor)) {
        const saved = values[idx];
        values[idx] = saved + 1e-2;
        const up = loss(all[0], all[1], all[2]);
        values[idx] = saved - 1e-2;
        const down = loss(all[0], all[1], all[2]);
        values[idx] = saved;
        const fd = (up - down) / 2e-2, an = analytic[k][idx];
        const err = Math.abs(fd - an) / Math.max(1, Math.abs(fd), Math.abs(an));
        assert.ok(err < 3e-2, `input ${k}[${idx}]: analytic ${an} vs finite difference ${fd}`);
      }
    });
  });

  it("the layer's training step equals tfjs-layers' BatchNormalization on cpu, moving statistics included", async () => {
    for (const shape of [[4, 6, 5, 3], [1, 3, 3, 8], [9, 12]]) {
      const c = shape[shape.length - 1];
      const x = input(shape, 50 + c, -2, 3);
      const weights = [input([c], 51, 0.5, 1.5), input([c], 52), input([c], 53), input([c], 54, 0.5, 2)];
      const ref = layerStep((cfg) => tfl.layers.batchNormalization(cfg), 'cpu', x, weights, 0.9);
      const { result: ours, calls } = await countNativeCalls(() => layerStep(batchNormalization, 'native', x, weights, 0.9));
      assert.ok((calls.batchNormTrain ?? 0) > 0 && (calls.batchNormTrainGrad ?? 0) > 0, `fused kernels ran: ${JSON.stringify(calls)}`);
      for (const k of ['y', 'dx', 'dgamma', 'dbeta', 'movingMean', 'movingVariance'] as const) {
        const scale = Math.max(1, ...Array.from(ref[k], Math.abs));
        const diff = maxAbsDiff(ours[k], ref[k]);
        assert.ok(diff <= 1e-4 * scale, `[${shape}] ${k}: max abs diff ${diff} (native fused vs tfjs on cpu)`);
      }
    }
  });

  it('batch-norm + relu fused (the relu layer passes the marked output on) equals tfjs-layers BN then relu on cpu', async () => {
    for (const shape of [[4, 6, 5, 3], [16, 9, 9, 16]]) {
      const c = shape[shape.length - 1];
      const x = input(shape, 70 + c, -2, 3);
      const weights = [input([c], 71, 0.5, 1.5), input([c], 72), input([c], 73), input([c], 74, 0.5, 2)];
      const relu = () => tfl.layers.activation({ activation: 'relu' });
      const ref = layerStep((cfg) => tfl.layers.batchNormalization(cfg), 'cpu', x, weights, 0.9, relu);
      const { result: ours, calls } = await countNativeCalls(() =>
        layerStep((cfg) => batchNormalization(cfg, true), 'native', x, weights, 0.9, () => reluActivation('relu')));
      assert.ok((calls.batchNormTrain ?? 0) > 0 && (calls.batchNormTrainGrad ?? 0) > 0, `fused kernels ran: ${JSON.stringify(calls)}`);
      assert.equal(calls.actForward ?? 0, 0, `the relu layer passed the rectified output on: ${JSON.stringify(calls)}`);
      assert.ok(ref.y.some((v) => v === 0) && ref.y.some((v) => v > 0), 'the relu cut some values');
      for (const k of ['y', 'dx', 'dgamma', 'dbeta', 'movingMean', 'movingVariance'] as const) {
        const scale = Math.max(1, ...Array.from(ref[k], Math.abs));
        const diff = maxAbsDiff(ours[k], ref[k]);
        assert.ok(diff <= 1e-4 * scale, `[${shape}] ${k}: max abs diff ${diff} (native BN + relu vs tfjs on cpu)`);
      }
    }
  });

  it('batch statistics of an off-centre input, large enough to run threaded, match a float64 reference', () => {
    // Mean ~1000 against a spread of ~1: a naive sum of squares in float32 would lose the variance.
    const shape = [64, 14, 14, 16], c = 16, rows = 64 * 14 * 14;
    const x = input(shape, 60, 999, 1001), scale = input([c], 61, 0.5, 1.5), offset = input([c], 62);
    const [y, mean, variance] = tf.tidy(() => {
      const r = batchNormInTraining(tf.tensor(x.values, shape), tf.tensor(scale.values, [c]), tf.tensor(offset.values, [c]), 1e-3)!;
      return [r.y, r.mean, r.variance].map((t) => Float32Array.from(t.dataSync() as Float32Array));
    });
    for (let j = 0; j < c; j++) {
      let m = 0, v = 0;
      for (let i = 0; i < rows; i++) m += x.values[i * c + j];
      m /= rows;
      for (let i = 0; i < rows; i++) v += (x.values[i * c + j] - m) ** 2;
      v /= rows;
      assert.ok(Math.abs(mean[j] - m) <= 1e-4, `channel ${j}: mean ${mean[j]} vs ${m}`);
      assert.ok(Math.abs(variance[j] - v) <= 1e-4 * v, `channel ${j}: variance ${variance[j]} vs ${v}`);
      for (const i of [0, 7, rows - 1]) {
        const want = (x.values[i * c + j] - m) / Math.sqrt(v + 1e-3) * scale.values[j] + offset.values[j];
        assert.ok(Math.abs(y[i * c + j] - want) <= 2e-3, `channel ${j}, row ${i}: y ${y[i * c + j]} vs ${want}`);
      }
    }
  });
});
