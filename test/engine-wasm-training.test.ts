/**
 * The wasm backend end to end: registration through initBackend, a small CNN's gradients against
 * the cpu backend, training that lowers the loss without leaking tensors, and, in child
 * processes, the thread setting and a clean exit with the thread pool running.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/engine/index.ts';
import { loadSingleThreaded } from '../src/engine/wasm/module.ts';
import { maxAbs, maxAbsDiff, randomValues, useWasm } from './engine-wasm-support.ts';

/** conv → batch norm → max-pool (the flawed-kernel path) → strided conv → dense softmax. */
function smallCnn(): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 12, kernelSize: [3, 2], strides: 2, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
  return m;
}

/** Images with a bright 8x8 patch in quadrant `label`, plus noise: learnable in a few steps. */
function batch(n: number, seed: number): { xs: Float32Array; labels: number[] } {
  const noise = randomValues(n * 784, seed, 0, 0.3);
  const xs = new Float32Array(n * 784);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 4;
    labels.push(label);
    const [r0, c0] = [label < 2 ? 4 : 16, label % 2 ? 16 : 4];
    for (let p = 0; p < 784; p++) {
      const [r, c] = [Math.floor(p / 28), p % 28];
      const inPatch = r >= r0 && r < r0 + 8 && c >= c0 && c < c0 + 8;
      xs[i * 784 + p] = noise[i * 784 + p] + (inPatch ? 1 : 0);
    }
  }
  return { xs, labels };
}

function lossOf(model: tfl.Sequential, xs: tf.Tensor, ys: tf.Tensor): tf.Scalar {
  const out = model.apply(xs, { training: true }) as tf.Tensor;
  return tf.losses.softmaxCrossEntropy(ys, tf.log(tf.add(out, 1e-7))) as tf.Scalar;
}

describe('wasm backend training', () => {
  before(async () => { await useWasm(); });

  it('initBackend("wasm") selects it and describes it', async () => {
    const info = await initBackend('wasm');
    assert.equal(info.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(info.threads >= 1, `threads ${info.threads}`);
    assert.match(info.detail, new RegExp(`^tfjs-backend-wasm 4\\.22\\.0, SIMD, ${info.threads} threads?`));
    assert.match(info.detail, /our Conv2DBackpropFilter\/MaxPoolGrad/);
    assert.equal(info.versions['tfjs-backend-wasm'], '4.22.0');
  });

  it('gives the same gradients as cpu for a small CNN with batch norm and max-pool', async () => {
    const model = smallCnn();
    const weights = model.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync().slice() as Float32Array }));
    const { xs, labels } = batch(6, 11);
    const gradsOn = async (backend: string) => {
      await tf.setBackend(backend);
      model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
      return tf.tidy(() => {
        const x = tf.tensor4d(xs, [6, 28, 28, 1]);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 4);
        const { grads } = tf.variableGrads(() => lossOf(model, x, y), model.trainableWeights.map((w) => w.read() as tf.Variable));
        return Object.values(grads).map((g) => g.dataSync().slice() as Float32Array);
      });
    };
    const cpu = await gradsOn('cpu');
    const wasm = await gradsOn('wasm');
    assert.equal(wasm.length, cpu.length);
    cpu.forEach((c, i) => {
      const diff = maxAbsDiff(wasm[i], c);
      const tol = 1e-4 * Math.max(1e-2, maxAbs(c));
      assert.ok(diff <= tol, `${model.trainableWeights[i].name}: max abs diff ${diff} > ${tol} (wasm vs cpu)`);
    });
    model.layers.forEach((l) => l.dispose());
  });

  it('lowers the loss over a few steps and keeps the tensor count flat', async () => {
    await tf.setBackend('wasm');
    const model = smallCnn();
    const opt = tf.train.adam(0.01);
    const data = [0, 1, 2].map((k) => batch(32, 100 + k));
    const tensors = data.map(({ xs, labels }) => ({
      x: tf.tensor4d(xs, [32, 28, 28, 1]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 4),
    }));
    const step = (k: number) => tf.tidy(() => {
      const { x, y } = tensors[k % tensors.length];
      return (opt.minimize(() => lossOf(model, x, y), true) as tf.Scalar).dataSync()[0];
    });
    const losses = [step(0), step(1), step(2)];
    const counted = tf.memory().numTensors;
    // the engine does not see our kernels' intermediates; the backend's own count does
    const buffers = tf.engine().backend.numDataIds();
    for (let k = 3; k < 30; k++) losses.push(step(k));
    assert.equal(tf.memory().numTensors, counted, 'tensors leaked over 27 training steps');
    assert.equal(tf.engine().backend.numDataIds(), buffers, 'wasm buffers leaked over 27 training steps');
    const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
    assert.ok(last < 0.5 * first, `loss did not fall: first steps ${first.toFixed(3)}, last ${last.toFixed(3)} (${losses.map((l) => l.toFixed(2))})`);
    tf.dispose(tensors.flatMap((t) => [t.x, t.y]));
    opt.dispose();
    model.layers.forEach((l) => l.dispose());
  });
});

describe('wasm backend process behaviour', () => {
  const script = `
    import * as tf from '@tensorflow/tfjs-core';
    import { register } from './src/engine/wasm/index.ts';
    const info = await register();
    await tf.setBackend('wasm');
    const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
    console.log(JSON.stringify({ threads: info.threads, detail: info.detail, y: y.dataSync()[0] }));
  `;
  const runChild = (env: Record<string, string>) => spawnSync(process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: new URL('..', import.meta.url).pathname, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });

  it('exits by itself with the thread pool running, and honours FMNIST_WASM_THREADS', () => {
    for (const threads of ['1', '2']) {
      const r = runChild({ FMNIST_WASM_THREADS: threads });
      assert.equal(r.signal, null, `child with ${threads} thread(s) did not exit within 60 s (killed by ${r.signal})`);
      assert.equal(r.status, 0, `child failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      assert.equal(out.threads, Number(threads), out.detail);
      assert.equal(out.y, 64);
      assert.match(out.detail, new RegExp(`SIMD, ${threads} threads?`));
    }
  });

  it('loads the plain (no SIMD) module, the fallback for runtimes without SIMD', async () => {
    const module = await loadSingleThreaded(false);
    assert.equal(typeof module.tfjs.registerTensor, 'function');
    module.tfjs.initWithThreadsCount(1);
    assert.equal(module.tfjs.getThreadsCount(), 1);
  });

  it('rejects a bad FMNIST_WASM_THREADS with a clear message', () => {
    const r = runChild({ FMNIST_WASM_THREADS: '0' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /FMNIST_WASM_THREADS: expected an integer from 1 to 8, got '0'/);
  });
});
