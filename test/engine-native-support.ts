/** Shared helpers of the native backend's tests: seeded inputs and native-vs-cpu comparison. */
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ADDON_PATH } from '../src/engine/native/addon.ts';
import { initBackend } from '../src/engine/index.ts';
import type { Input } from './helpers/random.ts';

/** Why the native tests skip: the addon is an optional build (`npm run build:native`). */
export const SKIP = existsSync(ADDON_PATH) ? false : `native addon not built (${ADDON_PATH}): run npm run build:native`;

export async function useNative(): Promise<void> {
  await initBackend('native');
  await tf.setBackend('native');
}

export { input, randomValues, type Input } from './helpers/random.ts';

/** Runs f on `backend` with fresh tensors made from the inputs; returns the outputs' values. */
export function runOn(backend: string, inputs: Input[], f: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): { shape: number[]; values: Float32Array }[] {
  const previous = tf.getBackend();
  tf.setBackend(backend);
  try {
    return tf.tidy(() => {
      const ts = inputs.map((i) => tf.tensor(i.values, i.shape, 'float32'));
      const out = f(...ts);
      return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, values: Float32Array.from(t.dataSync() as Float32Array) }));
    });
  } finally {
    tf.setBackend(previous);
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

/** Asserts that native and cpu agree on f within tol (relative to the outputs' magnitude, at least 1). */
export function assertMatchesCpu(label: string, inputs: Input[], f: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[], tol = 1e-4): number {
  const cpu = runOn('cpu', inputs, f);
  const native = runOn('native', inputs, f);
  let worst = 0;
  cpu.forEach((c, i) => {
    assert.deepEqual(native[i].shape, c.shape, `${label}: output ${i} shape`);
    let scale = 1;
    for (const v of c.values) scale = Math.max(scale, Math.abs(v));
    const diff = maxAbsDiff(native[i].values, c.values);
    assert.ok(diff <= tol * scale, `${label}: output ${i} max abs diff ${diff} > ${tol * scale} (native vs cpu)`);
    worst = Math.max(worst, diff);
  });
  return worst;
}

/** Counts calls to each addon function while f runs, to its end when it is async (to prove a path is native). */
export async function countNativeCalls<T>(f: () => T | Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const { addon } = await import('../src/engine/native/addon.ts');
  const a = addon() as unknown as Record<string, (...args: unknown[]) => unknown>;
  const calls: Record<string, number> = {};
  const saved: Record<string, (...args: unknown[]) => unknown> = {};
  for (const name of Object.keys(a)) {
    saved[name] = a[name];
    a[name] = (...args: unknown[]) => { calls[name] = (calls[name] ?? 0) + 1; return saved[name](...args); };
  }
  try {
    return { result: await f(), calls };
  } finally {
    Object.assign(a, saved);
  }
}
