import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { tileValues } from '../src/engine/native/kernels/tile.ts';
import { input, runOn, SKIP, useNative } from './engine-native-support.ts';

/** The obvious definition: each output element reads x at (index mod input size) per axis. */
function naiveTile(x: Float32Array, shape: number[], reps: number[]): Float32Array {
  const outShape = shape.map((d, i) => d * reps[i]);
  const out = new Float32Array(outShape.reduce((a, b) => a * b, 1));
  for (let o = 0; o < out.length; o++) {
    let rest = o, src = 0, stride = 1;
    const loc = outShape.map(() => 0);
    for (let d = outShape.length - 1; d >= 0; d--) { loc[d] = rest % outShape[d]; rest = Math.floor(rest / outShape[d]); }
    for (let d = shape.length - 1; d >= 0; d--) { src += (loc[d] % shape[d]) * stride; stride *= shape[d]; }
    out[o] = x[src];
  }
  return out;
}

const CASES: [number[], number[]][] = [
  [[1, 1, 1, 5], [3, 4, 2, 1]], // batch-norm gradient's per-channel broadcast
  [[2, 3], [1, 1]],
  [[2, 3], [3, 2]],
  [[4], [5]],
  [[2, 1, 3], [1, 4, 2]],
  [[3, 2, 1, 2], [2, 1, 3, 2]],
];

test('tile by block copies equals the per-element definition', () => {
  for (const [shape, reps] of CASES) {
    const x = input(shape, 7).values;
    const outSize = shape.reduce((a, d, i) => a * d * reps[i], 1);
    assert.deepEqual(tileValues(x, shape, reps, new Float32Array(outSize)), naiveTile(x, shape, reps), `${shape} x ${reps}`);
  }
});

test('native Tile matches the cpu backend, float32 and int32', { skip: SKIP }, async () => {
  await useNative();
  for (const [shape, reps] of CASES) {
    const x = input(shape, 3);
    const [cpu] = runOn('cpu', [x], (t) => tf.tile(t, reps));
    const [nat] = runOn('native', [x], (t) => tf.tile(t, reps));
    assert.deepEqual(nat.shape, cpu.shape);
    assert.deepEqual(nat.values, cpu.values, `${shape} x ${reps}`);
    const ints = tf.tidy(() => tf.tile(tf.tensor(Int32Array.from(x.values, (v) => Math.round(v * 100)), shape, 'int32'), reps).dataSync());
    assert.deepEqual(Array.from(ints), Array.from(naiveTile(Float32Array.from(x.values, (v) => Math.round(v * 100)), shape, reps)));
  }
});
