/**
 * End to end on the native backend: a small CNN trained through tfjs-layers with the fused optimizer
 * learns, and keeps tf.memory().numTensors flat over a few hundred steps (no leaks in the fused
 * paths, custom gradients or optimizer).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createFusedOptimizer } from '../src/engine/index.ts';
import { SKIP, useNative, randomValues } from './engine-native-support.ts';

/** A scaled-down version of the reference CNN (12x12 inputs) so that hundreds of steps stay fast. */
function tinyCnn(optimizer: tf.Optimizer): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 8, kernelSize: [3, 2], strides: 2, padding: 'valid', activation: 'elu' }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 16, activation: 'tanh' }));
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax' }));
  m.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** Three classes of images: a bright top half, a bright left half, or noise. Learnable quickly. */
function dataset(n: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const noise = randomValues(n * 144, 5, 0, 0.3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = (labels[i] = i % 3);
    for (let r = 0; r < 12; r++) {
      for (let q = 0; q < 12; q++) {
        if ((c === 0 && r < 6) || (c === 1 && q < 6)) noise[i * 144 + r * 12 + q] += 0.7;
      }
    }
  }
  return { x: tf.tensor4d(noise, [n, 12, 12, 1]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3) as tf.Tensor2D };
}

describe('training on the native backend', { skip: SKIP }, () => {
  before(useNative);

  it('learns with the fused Adam and keeps the tensor count flat over 300 steps', async () => {
    const optimizer = createFusedOptimizer('adam', { learningRate: 0.01 });
    assert.ok(optimizer, 'a fused optimizer on the native backend');
    const model = tinyCnn(optimizer);
    const { x, y } = dataset(32);
    const first = (await model.trainOnBatch(x, y)) as number[];
    const baseline = tf.memory().numTensors;
    let last = first;
    for (let step = 1; step < 300; step++) {
      last = (await model.trainOnBatch(x, y)) as number[];
      if (step % 50 === 0) {
        assert.equal(tf.memory().numTensors, baseline, `tensor count after ${step} steps (baseline ${baseline})`);
      }
    }
    assert.equal(tf.memory().numTensors, baseline, 'tensor count after 300 steps');
    assert.ok(last[0] < first[0] / 4, `loss fell from ${first[0]} to ${last[0]}`);
    assert.ok(last[1] > 0.95, `training accuracy ${last[1]}`);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('model.fit with the tfjs optimizer on the native backend matches the cpu backend', async () => {
    const run = async (backend: string) => {
      tf.setBackend(backend);
      const model = tfl.sequential();
      model.add(tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
      model.add(tfl.layers.averagePooling2d({ poolSize: 2 }));
      model.add(tfl.layers.flatten());
      model.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
      const { x, y } = dataset(12);
      const h = await model.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
      const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
      tf.dispose([x, y]);
      model.dispose();
      return { loss: h.history.loss as number[], weights };
    };
    const cpu = await run('cpu');
    const native = await run('native');
    tf.setBackend('native');
    native.loss.forEach((l, i) => assert.ok(Math.abs(l - cpu.loss[i]) < 1e-4, `epoch ${i} loss native ${l} vs cpu ${cpu.loss[i]}`));
    native.weights.forEach((w, i) => {
      let d = 0;
      w.forEach((v, j) => { d = Math.max(d, Math.abs(v - cpu.weights[i][j])); });
      assert.ok(d < 1e-4, `weight ${i}: max abs diff ${d}`);
    });
  });
});
