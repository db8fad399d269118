/**
 * Our wasm kernels against tfjs-backend-cpu on assorted shapes (stride 1 and 2, same and valid
 * padding, odd sizes, batch 1, non-square kernels), the max-pool flaw of the wasm package, and
 * finite-difference gradient checks through tf.grad on wasm.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { packageKernel } from '../src/engine/wasm/kernels/scope.ts';
import { assertMatchesCpu, checkGradient, input, randomValues, useWasm, type Input } from './engine-wasm-support.ts';

type Pad = 'same' | 'valid';
type Shape4 = [number, number, number, number];
interface ConvCase { x: Shape4; filter: Shape4; strides: number | [number, number]; pad: Pad | number }

const CONV_CASES: ConvCase[] = [
  { x: [1, 7, 9, 3], filter: [3, 2, 3, 4], strides: 1, pad: 'same' }, // batch 1, odd, non-square
  { x: [2, 9, 7, 2], filter: [2, 3, 2, 5], strides: 2, pad: 'same' },
  { x: [3, 8, 11, 1], filter: [5, 3, 1, 3], strides: 2, pad: 'valid' },
  { x: [2, 6, 6, 4], filter: [1, 1, 4, 6], strides: 2, pad: 'valid' }, // residual projection
  { x: [2, 10, 9, 3], filter: [3, 3, 3, 2], strides: [1, 2], pad: 'same' },
  { x: [1, 5, 5, 2], filter: [5, 5, 2, 3], strides: 1, pad: 'valid' }, // filter covers the input
  { x: [2, 28, 28, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' }, // a first conv layer
  { x: [2, 13, 13, 5], filter: [3, 3, 5, 7], strides: 2, pad: 'valid' },
  { x: [2, 8, 7, 3], filter: [3, 3, 3, 4], strides: 2, pad: 1 }, // explicit symmetric padding
];

const label = (c: ConvCase) => `x ${c.x} filter ${c.filter} strides ${c.strides} ${c.pad}`;

function convOut(c: ConvCase): number[] {
  return tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
}

describe('wasm kernels match tfjs-backend-cpu', () => {
  before(async () => { await useWasm(); });

  it('Conv2DBackpropFilter', async () => {
    for (const [i, c] of CONV_CASES.entries()) {
      const x = input(c.x, 10 + i);
      const dy = input(convOut(c), 20 + i);
      await assertMatchesCpu(`Conv2DBackpropFilter ${label(c)}`, [x, dy], (xt, dyt) =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt },
          { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter }) as tf.Tensor);
    }
  });

  it('Conv2DBackpropInput', async () => {
    for (const [i, c] of CONV_CASES.entries()) {
      const w = input(c.filter, 30 + i);
      const dy = input(convOut(c), 40 + i);
      await assertMatchesCpu(`Conv2DBackpropInput ${label(c)}`, [dy, w], (dyt, wt) =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt },
          { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x }) as tf.Tensor);
    }
  });

  it('BatchMatMul with every transpose combination, and batched', async () => {
    const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
      { a: [5, 7], b: [7, 3], ta: false, tb: false },
      { a: [7, 5], b: [7, 3], ta: true, tb: false }, // dW = xᵀ·dy
      { a: [5, 7], b: [3, 7], ta: false, tb: true }, // dx = dy·Wᵀ
      { a: [7, 5], b: [3, 7], ta: true, tb: true },
      { a: [1, 9, 4], b: [1, 6, 9], ta: true, tb: true }, // rank 3, batch 1
      { a: [1, 33, 17], b: [33, 65], ta: true, tb: false }, // mixed ranks
      { a: [3, 4, 6], b: [3, 5, 6], ta: false, tb: true }, // batched: left to the package
    ];
    for (const [i, c] of cases.entries()) {
      await assertMatchesCpu(`matMul a ${c.a}${c.ta ? 'ᵀ' : ''} b ${c.b}${c.tb ? 'ᵀ' : ''}`,
        [input(c.a, 50 + i), input(c.b, 60 + i)], (a, b) => tf.matMul(a, b, c.ta, c.tb));
    }
  });

  const POOLS: { x: number[]; size: number | [number, number]; strides: number | [number, number]; pad: Pad }[] = [
    { x: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
    { x: [1, 7, 9, 4], size: 3, strides: 2, pad: 'same' },
    { x: [2, 5, 6, 2], size: [3, 2], strides: 1, pad: 'same' }, // overlapping windows
    { x: [3, 9, 7, 1], size: [2, 3], strides: [2, 1], pad: 'valid' },
    { x: [1, 11, 11, 5], size: 3, strides: 3, pad: 'same' },
  ];

  it('MaxPoolGrad on mixed-sign, all-negative and tied inputs', async () => {
    for (const [i, p] of POOLS.entries()) {
      const ranges: [string, Input][] = [
        ['mixed', input(p.x, 70 + i)],
        ['all negative', input(p.x, 80 + i, -3, -0.5)],
        // small integers: many ties, which must go to the first position like cpu
        ['ties', { shape: p.x, values: randomValues(p.x.reduce((a, b) => a * b), 90 + i, -3, 3).map(Math.round) }],
      ];
      for (const [kind, x] of ranges) {
        const grad = (xt: tf.Tensor) => tf.grad((t: tf.Tensor) => {
          const y = tf.maxPool(t as tf.Tensor4D, p.size, p.strides, p.pad);
          return tf.sum(tf.mul(y, tf.reshape(tf.range(1, y.size + 1), y.shape)));
        })(xt);
        await assertMatchesCpu(`MaxPoolGrad ${kind} x ${p.x} size ${p.size} strides ${p.strides} ${p.pad}`, [x], grad, 0);
      }
    }
  });

  it('MaxPoolWithArgmax, with and without the batch in the index', async () => {
    for (const [i, p] of POOLS.entries()) {
      const x = input(p.x, 100 + i, -2, 1);
      for (const includeBatch of [false, true]) {
        await assertMatchesCpu(`MaxPoolWithArgmax x ${p.x} size ${p.size} batch-index ${includeBatch}`, [x], (t) => {
          const { result, indexes } = tf.maxPoolWithArgmax(t as tf.Tensor4D, p.size, p.strides, p.pad as 'same', includeBatch);
          return [result, indexes];
        }, 0);
      }
    }
  });
});

describe('the wasm package max-pool flaw', () => {
  before(async () => { await useWasm(); });

  // Windows of values ≤ 0 (batch norm before max-pool): each must pass dy to its maximum.
  const shape = [2, 6, 6, 3];
  const x = input(shape, 5, -2, -0.01);
  const expected = (): Float32Array => {
    // naive reference: each 2x2/2 window's dy (= 1 + its output index) lands on its maximum
    const [n, h, w, c] = shape;
    const dx = new Float32Array(x.values.length);
    let o = 0;
    for (let b = 0; b < n; b++) for (let r = 0; r < h / 2; r++) for (let q = 0; q < w / 2; q++) for (let k = 0; k < c; k++) {
      let best = -Infinity;
      let at = -1;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
        const idx = ((b * h + 2 * r + i) * w + 2 * q + j) * c + k;
        if (x.values[idx] > best) { best = x.values[idx]; at = idx; }
      }
      dx[at] += 1 + o++;
    }
    return dx;
  };
  const dyFor = (y: tf.Tensor) => tf.reshape(tf.range(1, y.size + 1), y.shape);

  it('our MaxPoolGrad routes the gradient of all-negative windows to their maximum', () => {
    const got = tf.tidy(() => tf.grad((t: tf.Tensor) => {
      const y = tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid');
      return tf.sum(tf.mul(y, dyFor(y)));
    })(tf.tensor(x.values, shape)).dataSync());
    assert.deepEqual(Array.from(got), Array.from(expected()));
  });

  it('the package MaxPoolGrad gets it wrong (why ours replaces it)', () => {
    const backend = tf.backend() as BackendWasm;
    const got = tf.tidy(() => {
      const xt = tf.tensor(x.values, shape);
      const y = tf.maxPool(xt as tf.Tensor4D, 2, 2, 'valid');
      const out = packageKernel('MaxPoolGrad')({
        inputs: { dy: dyFor(y), input: xt, output: y }, backend, attrs: { filterSize: 2, strides: 2, pad: 'valid' },
      }) as tf.TensorInfo;
      const values = backend.readSync(out.dataId) as Float32Array;
      backend.disposeData(out.dataId);
      return values;
    });
    assert.notDeepEqual(Array.from(got), Array.from(expected()),
      'the package MaxPoolGrad is now right for negative windows: our replacement may be dropped');
  });
});

describe('gradients on wasm match finite differences', () => {
  before(async () => { await useWasm(); });

  it('conv2d, both inputs, stride 1 same and stride 2 valid', () => {
    for (const [i, c] of [CONV_CASES[0], CONV_CASES[2], CONV_CASES[3]].entries()) {
      checkGradient(`conv2d ${label(c)}`, [input(c.x, 200 + i), input(c.filter, 210 + i)],
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad), [0, 1]);
    }
  });

  it('maxPool, windows of mixed sign and all negative', () => {
    for (const [i, p] of [{ size: 2, strides: 2, pad: 'valid' }, { size: 3, strides: 2, pad: 'same' }].entries()) {
      const shape = [2, 7, 7, 3];
      const n = shape.reduce((a, b) => a * b);
      // distinct values 0.05 apart (so ±eps never changes a window's maximum), mostly negative
      const order = randomValues(n, 300 + i);
      const rank = Array.from(order.keys()).sort((a, b) => order[a] - order[b]);
      const values = new Float32Array(n);
      rank.forEach((at, r) => { values[at] = -0.05 * r + 2; });
      checkGradient(`maxPool size ${p.size} strides ${p.strides} ${p.pad}`, [{ shape, values }],
        (x) => tf.maxPool(x as tf.Tensor4D, p.size, p.strides, p.pad as Pad), [0], { eps: 1e-3, samples: 40 });
    }
  });
});
