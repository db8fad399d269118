/**
 * Output recycling in the native backend's storage: released arrays are reused, but never one that
 * user code may still see (handed out by dataSync/data, viewed by a Slice, stored twice).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { SKIP, useNative, randomValues } from './engine-native-support.ts';
import { alloc, noteStored, recycle } from '../src/engine/native/storage.ts';

const N = 4096;
const input = () => tf.tensor(randomValues(N, 1), [N]);
/** Runs native ops whose outputs have N values, to reuse whatever is pooled. */
function churn(): void {
  tf.tidy(() => {
    for (let i = 0; i < 6; i++) tf.relu(tf.fill([N], 100 + i));
  });
  tf.tidy(() => { for (let i = 0; i < 6; i++) tf.sigmoid(tf.fill([N], -7)); });
}

describe('native storage recycling', { skip: SKIP }, () => {
  before(useNative);

  it('reuses the array of released data', () => {
    const a = alloc(N + 7);
    noteStored(a);
    recycle(a);
    assert.equal(alloc(N + 7), a, 'a released array is handed out again');
    assert.notEqual(alloc(N + 7), a, 'but only once');
  });

  it('never reuses an array handed out by dataSync() or data()', async () => {
    const x = input();
    const t = tf.relu(x);
    const seen = t.dataSync();
    const copy = Float32Array.from(seen);
    const u = tf.tanh(x);
    const seenAsync = await u.data();
    const copyAsync = Float32Array.from(seenAsync as Float32Array);
    tf.dispose([t, u]);
    churn();
    assert.deepEqual(seen, copy, 'dataSync() array changed after its tensor was disposed');
    assert.deepEqual(seenAsync, copyAsync, 'data() array changed after its tensor was disposed');
    x.dispose();
  });

  it('never reuses an array a Slice view still reads', () => {
    const x = input();
    const y = tf.relu(tf.sub(x, 0.5));
    const view = tf.slice(y, [100], [50]); // contiguous: the cpu kernel returns a subarray view
    const expected = Float32Array.from(y.dataSync().subarray(100, 150));
    y.dispose();
    churn();
    assert.deepEqual(view.dataSync(), expected);
    tf.dispose([x, view]);
  });

  it('keeps data alive while a reshape shares it', () => {
    const x = input();
    const y = tf.elu(x);
    const r = tf.reshape(y, [64, 64]);
    const expected = Float32Array.from(r.dataSync());
    y.dispose();
    churn();
    assert.deepEqual(r.dataSync(), expected);
    tf.dispose([x, r]);
  });
});
