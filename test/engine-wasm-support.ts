/** Shared helpers of the wasm backend's tests: seeded inputs, wasm-vs-cpu comparison, finite differences. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers tfjs's gradient definitions
import { register } from '../src/engine/wasm/index.ts';
import { randomValues, type Input } from './helpers/random.ts';

/** Registers our wasm backend (once per process) and makes it current. */
export async function useWasm(): Promise<Awaited<ReturnType<typeof register>>> {
  const info = await register();
  assert.ok(await tf.setBackend('wasm'), 'tf.setBackend(wasm) failed');
  return info;
}

export { input, randomValues, type Input } from './helpers/random.ts';

export interface Output { shape: number[]; values: Float32Array | Int32Array }

/** Runs f on `backend` with fresh tensors made from the inputs; returns the outputs' values. */
export async function runOn(backend: string, inputs: Input[], f: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Output[]> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return tf.tidy(() => {
      const ts = inputs.map((i) => tf.tensor(i.values, i.shape, 'float32'));
      const out = f(...ts);
      return (Array.isArray(out) ? out : [out]).map((t) => ({
        shape: t.shape,
        values: t.dtype === 'int32' ? Int32Array.from(t.dataSync() as Int32Array) : Float32Array.from(t.dataSync() as Float32Array),
      }));
    });
  } finally {
    await tf.setBackend(previous);
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (Number.isNaN(e)) return NaN;
    d = Math.max(d, e);
  }
  return d;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Asserts that wasm and cpu agree on f within tol relative to the outputs' magnitude (at least 1);
 * tol 0 demands equality. Returns the worst absolute difference.
 */
export async function assertMatchesCpu(label: string, inputs: Input[], f: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[], tol = 1e-5): Promise<number> {
  const cpu = await runOn('cpu', inputs, f);
  const buffers = tf.engine().findBackend('wasm').numDataIds();
  const wasm = await runOn('wasm', inputs, f);
  assert.equal(tf.engine().findBackend('wasm').numDataIds(), buffers, `${label}: wasm buffers leaked`);
  let worst = 0;
  cpu.forEach((c, i) => {
    assert.deepEqual(wasm[i].shape, c.shape, `${label}: output ${i} shape`);
    const scale = Math.max(1, maxAbs(c.values));
    const diff = maxAbsDiff(wasm[i].values, c.values);
    assert.ok(diff <= tol * scale, `${label}: output ${i} max abs diff ${diff} > ${tol * scale} (wasm vs cpu, scale ${scale})`);
    worst = Math.max(worst, diff);
  });
  return worst;
}

/** sum(f(inputs) · w) in float64, with fixed weights w so that every output element matters. */
function weightedSum(f: (...t: tf.Tensor[]) => tf.Tensor, inputs: Input[], w: Float32Array): number {
  return tf.tidy(() => {
    const y = f(...inputs.map((i) => tf.tensor(i.values, i.shape))).dataSync();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * w[i];
    return s;
  });
}

/**
 * Compares tf.grads of sum(f · w) on the current backend with central differences at `samples`
 * random coordinates of each input in `wrt`; fails with the worst error.
 */
export function checkGradient(label: string, inputs: Input[], f: (...t: tf.Tensor[]) => tf.Tensor, wrt: number[],
  { eps = 1e-2, tol = 1e-2, samples = 16 } = {}): void {
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
      const up = weightedSum(f, inputs, w);
      values[idx] = saved - eps;
      const down = weightedSum(f, inputs, w);
      values[idx] = saved;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(numeric - analytic[k][idx]);
      assert.ok(err <= tol * Math.max(1, Math.abs(numeric)),
        `${label}: d/d input${k}[${idx}] analytic ${analytic[k][idx]} vs numeric ${numeric} (error ${err})`);
    }
  }
}
