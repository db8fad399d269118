/**
 * Every native kernel against tfjs's cpu backend on random inputs: stride 1 and 2, same / valid /
 * explicit padding, odd spatial sizes, batch 1, non-square kernels. Messages carry the max abs diff.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { SKIP, useNative, input, assertMatchesCpu, countNativeCalls, type Input } from './engine-native-support.ts';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase { x: number[]; f: number[]; stride: number | [number, number]; pad: Pad }

// 3x3 stride-1 cases with channels in multiples of 16 run Winograd where oneDNN has it (AVX-512).
const CONV_CASES: ConvCase[] = [
  { x: [2, 9, 9, 3], f: [3, 3, 3, 8], stride: 1, pad: 'same' },
  { x: [3, 7, 9, 16], f: [3, 3, 16, 32], stride: 1, pad: 'same' },
  { x: [1, 7, 8, 2], f: [3, 2, 2, 5], stride: 2, pad: 'valid' },
  { x: [3, 11, 9, 4], f: [3, 3, 4, 6], stride: 2, pad: 'same' },
  { x: [1, 6, 6, 2], f: [3, 3, 2, 3], stride: 2, pad: 'valid' },
  { x: [2, 13, 10, 16], f: [5, 3, 16, 12], stride: [1, 2], pad: 'same' },
  { x: [4, 28, 28, 1], f: [3, 3, 1, 32], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 24], f: [1, 1, 24, 20], stride: 1, pad: 'valid' },
  { x: [1, 10, 9, 3], f: [3, 3, 3, 4], stride: 1, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { x: [2, 9, 6, 32], f: [3, 3, 32, 16], stride: 1, pad: 'valid' },
  { x: [1, 5, 5, 16], f: [3, 3, 16, 16], stride: 1, pad: [[0, 0], [1, 0], [0, 1], [0, 0]] },
  { x: [1, 6, 11, 16], f: [3, 3, 16, 48], stride: 1, pad: [[0, 0], [1, 1], [0, 0], [0, 0]] },
];
const label = (c: ConvCase) => `x[${c.x}] f[${c.f}] s${c.stride} ${JSON.stringify(c.pad)}`;
const outShape = (c: ConvCase) =>
  tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], c.f as [number, number, number, number], c.stride, 1, c.pad).outShape;

describe('native kernels match the cpu backend', { skip: SKIP }, () => {
  before(useNative);

  it('Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter', () => {
    CONV_CASES.forEach((c, i) => {
      const x = input(c.x, 10 + i), f = input(c.f, 20 + i), dy = input(outShape(c), 30 + i);
      assertMatchesCpu(`conv2d ${label(c)}`, [x, f], (xt, ft) => tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, c.stride, c.pad));
      assertMatchesCpu(`conv2DBackpropInput ${label(c)}`, [dy, f], (dyt, ft) =>
        tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dyt, filter: ft },
          { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap) as tf.Tensor);
      assertMatchesCpu(`conv2DBackpropFilter ${label(c)}`, [x, dy], (xt, dyt) =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: xt, dy: dyt },
          { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f } as unknown as tf.NamedAttrMap) as tf.Tensor);
    });
  });

  it('FusedConv2D with bias and each activation', () => {
    const acts = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'] as const;
    CONV_CASES.slice(0, 6).forEach((c, i) => {
      for (const activation of acts) {
        const x = input(c.x, 40 + i), f = input(c.f, 50 + i), b = input([c.f[3]], 60 + i);
        assertMatchesCpu(`fused conv2d ${activation} ${label(c)}`, [x, f, b], (xt, ft, bt) =>
          tf.fused.conv2d({ x: xt as tf.Tensor4D, filter: ft as tf.Tensor4D, strides: c.stride, pad: c.pad, bias: bt, activation, leakyreluAlpha: 0.15 }));
      }
    });
  });

  it('the convolutions really run in the addon', async () => {
    const c = CONV_CASES[2];
    const { calls } = await countNativeCalls(() => tf.tidy(() => tf.conv2d(tf.ones(c.x) as tf.Tensor as tf.Tensor4D, tf.ones(c.f) as tf.Tensor as tf.Tensor4D, c.stride, c.pad as 'same')));
    assert.equal(calls.convForward, 1);
  });

  it('BatchMatMul with transposes and batch broadcasting, _FusedMatMul', () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[5, 7], [7, 3], false, false], [[7, 5], [7, 3], true, false], [[5, 7], [3, 7], false, true],
      [[7, 5], [3, 7], true, true], [[4, 5, 7], [4, 7, 6], false, false], [[4, 5, 7], [7, 6], false, false],
      [[1, 5, 7], [3, 7, 2], false, false], [[128, 3136], [3136, 128], false, false], [[1, 9], [9, 10], false, false],
      // one row (single-image inference takes a matrix-vector path), every transpose, batched, long k
      [[1, 7], [7, 3], false, false], [[7, 1], [7, 3], true, false], [[1, 7], [3, 7], false, true],
      [[7, 1], [3, 7], true, true], [[3, 1, 7], [3, 7, 4], false, false], [[1, 3136], [3136, 128], false, false],
      // a long reduction small enough to run on one thread, where it is accumulated in slices
      [[2, 3136], [3136, 16], false, false], [[3136, 3], [16, 3136], true, true],
      // over a million multiply-adds (oneDNN's matmul primitive), odd sizes, every transpose
      [[130, 257], [257, 67], false, false], [[257, 130], [257, 67], true, false],
      [[130, 257], [67, 257], false, true], [[257, 130], [67, 257], true, true],
    ];
    cases.forEach(([as, bs, ta, tb], i) => {
      const a = input(as, 70 + i), b = input(bs, 80 + i);
      assertMatchesCpu(`matMul a[${as}] b[${bs}] tA=${ta} tB=${tb}`, [a, b], (at, bt) => tf.matMul(at, bt, ta, tb), 2e-4);
    });
    for (const activation of ['linear', 'relu', 'elu', 'sigmoid', 'relu6', 'leakyrelu'] as const) {
      const a = input([6, 9], 90), b = input([9, 4], 91), bias = input([4], 92);
      assertMatchesCpu(`fused matMul ${activation}`, [a, b, bias], (at, bt, bb) =>
        tf.fused.matMul({ a: at, b: bt, bias: bb, activation, leakyreluAlpha: 0.3 }));
    }
    const row = input([1, 9], 96), w = input([9, 4], 97), rowBias = input([4], 98);
    assertMatchesCpu('fused matMul of one row with bias + relu', [row, w, rowBias], (at, bt, bb) =>
      tf.fused.matMul({ a: at, b: bt, bias: bb, activation: 'relu' }));
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const big = input(ta ? [301, 129] : [129, 301], 99), wb = input(tb ? [41, 301] : [301, 41], 100), bb = input([41], 101);
      assertMatchesCpu(`fused matMul of 129 x 301 x 41, bias + relu, tA=${ta} tB=${tb}`, [big, wb, bb], (at, bt, bt2) =>
        tf.fused.matMul({ a: at, b: bt, bias: bt2, transposeA: ta, transposeB: tb, activation: 'relu' }), 2e-4);
    }
    const a = input([8, 5], 93), b = input([4, 8], 94), bias = input([1], 95);
    assertMatchesCpu('fused matMul transposed, scalar bias', [a, b, bias], (at, bt, bb) =>
      tf.fused.matMul({ a: at, b: bt, bias: bb, transposeA: true, transposeB: true, activation: 'relu' }));
  });

  it('MaxPool, AvgPool and their gradients', () => {
    const cases: { x: number[]; size: [number, number]; stride: number | [number, number]; pad: 'same' | 'valid' }[] = [
      { x: [2, 8, 8, 3], size: [2, 2], stride: 2, pad: 'valid' },
      { x: [1, 9, 7, 4], size: [3, 3], stride: 2, pad: 'same' },
      { x: [3, 7, 9, 2], size: [3, 2], stride: 1, pad: 'valid' },
      { x: [2, 11, 11, 5], size: [2, 3], stride: [2, 1], pad: 'same' },
      { x: [16, 28, 28, 32], size: [2, 2], stride: 2, pad: 'valid' },
    ];
    cases.forEach((c, i) => {
      const name = `x[${c.x}] ${c.size} s${c.stride} ${c.pad}`;
      const x = input(c.x, 100 + i);
      const dyShape = tf.backend_util.computePool2DInfo(c.x as [number, number, number, number], c.size, c.stride, 1, c.pad).outShape;
      const dy = input(dyShape, 110 + i);
      assertMatchesCpu(`maxPool ${name}`, [x], (xt) => tf.maxPool(xt as tf.Tensor4D, c.size, c.stride, c.pad));
      assertMatchesCpu(`avgPool ${name}`, [x], (xt) => tf.avgPool(xt as tf.Tensor4D, c.size, c.stride, c.pad));
      assertMatchesCpu(`maxPoolGrad ${name}`, [x, dy], (xt, dyt) => {
        const y = tf.maxPool(xt as tf.Tensor4D, c.size, c.stride, c.pad);
        return tf.engine().runKernel(tf.MaxPoolGrad, { dy: dyt, input: xt, output: y },
          { filterSize: c.size, strides: c.stride, pad: c.pad } as unknown as tf.NamedAttrMap) as tf.Tensor;
      });
      // tfjs's cpu AvgPoolGrad divides by the full window even where the forward pass (and ours) used
      // fewer in-bounds inputs, so they agree only where no window overhangs: 'valid' padding.
      // The 'same' case is checked against finite differences in engine-native-gradients.test.ts.
      if (c.pad === 'valid') {
        assertMatchesCpu(`avgPoolGrad ${name}`, [x, dy], (xt, dyt) =>
          tf.engine().runKernel(tf.AvgPoolGrad, { dy: dyt, input: xt },
            { filterSize: c.size, strides: c.stride, pad: c.pad } as unknown as tf.NamedAttrMap) as tf.Tensor);
      }
    });
  });

  it('max-pool gradient routes ties to the first maximum, as cpu does (relu zeros)', () => {
    for (const c of [3, 8, 13]) {
      const x = input([2, 10, 12, c], 170 + c);
      const dyShape = [2, 5, 6, c];
      assertMatchesCpu(`maxPoolGrad 2x2 s2 on relu(x), ${c} channels`, [x, input(dyShape, 180 + c)], (xt, dyt) => {
        const r = tf.relu(tf.sub(xt, 0.6)); // mostly zeros: whole windows tie
        const y = tf.maxPool(r as tf.Tensor4D, 2, 2, 'valid');
        return tf.engine().runKernel(tf.MaxPoolGrad, { dy: dyt, input: r, output: y },
          { filterSize: 2, strides: 2, pad: 'valid' } as unknown as tf.NamedAttrMap) as tf.Tensor;
      }, 0);
    }
  });

  it('activations and their gradients', () => {
    const x = input([3, 5, 7, 9], 120, -3, 3), dy = input([3, 5, 7, 9], 121);
    const big = input([64, 40, 30], 122, -4, 4), bigDy = input([64, 40, 30], 123);
    const unary: [string, (t: tf.Tensor) => tf.Tensor][] = [
      ['relu', tf.relu], ['relu6', (t) => tf.relu6(tf.mul(t, 3))], ['leakyRelu', (t) => tf.leakyRelu(t, 0.1)],
      ['prelu', (t) => tf.prelu(t, tf.scalar(0.25))], ['elu', tf.elu], ['selu', tf.selu], ['sigmoid', tf.sigmoid],
      ['tanh', tf.tanh], ['erf', tf.erf],
    ];
    for (const [name, f] of unary) {
      for (const [xi, dyi, size] of [[x, dy, 'small'], [big, bigDy, 'large']] as [Input, Input, string][]) {
        assertMatchesCpu(`${name} ${size}`, [xi], (t) => f(t), 2e-6);
        assertMatchesCpu(`${name} gradient ${size}`, [xi, dyi], (t, d) => tf.grad((u: tf.Tensor) => f(u))(t, d), 2e-6);
      }
    }
    assertMatchesCpu('gelu (layers formula)', [big], (t) => tf.mul(t, tf.mul(0.5, tf.add(1, tf.erf(tf.div(t, Math.SQRT2))))), 2e-6);
  });

  it('broadcasting Add/Sub/Multiply/RealDiv', () => {
    const shapes: [number[], number[]][] = [
      [[4, 6, 5], [4, 6, 5]], [[4, 6, 5], [5]], [[5], [4, 6, 5]], [[4, 6, 5], []], [[], [4, 6, 5]],
      [[4, 6, 5], [1, 1, 5]], [[4, 6, 5], [6, 5]], [[4, 1, 5], [1, 6, 5]], [[40, 50, 32], [32]],
    ];
    shapes.forEach(([as, bs], i) => {
      const a = input(as, 130 + i), b = input(bs, 140 + i, 0.5, 2);
      for (const [name, f] of [['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div]] as const) {
        assertMatchesCpu(`${name} [${as}] [${bs}]`, [a, b], (p, q) => f(p, q), 1e-6);
      }
    });
  });

  it('Sum, Mean, Max, Min over axes; Softmax; FusedBatchNorm', () => {
    const x = input([6, 7, 5, 4], 150);
    const axesList: (number | number[])[] = [0, 1, 3, -1, [0, 1, 2], [1, 2], [0, 1, 2, 3], [2, 3], [0, 2]];
    for (const axes of axesList) {
      for (const keep of [false, true]) {
        for (const [name, f] of [['sum', tf.sum], ['mean', tf.mean], ['max', tf.max], ['min', tf.min]] as const) {
          assertMatchesCpu(`${name} axes ${JSON.stringify(axes)} keepDims=${keep}`, [x], (t) => f(t, axes, keep), 1e-5);
        }
      }
    }
    const big = input([32, 28, 28, 32], 151);
    assertMatchesCpu('sum of a conv activation over N,H,W (bias gradient)', [big], (t) => tf.sum(t, [0, 1, 2]), 1e-5);
    assertMatchesCpu('softmax', [input([37, 10], 152, -5, 5)], (t) => tf.softmax(t), 1e-6);
    assertMatchesCpu('softmax 3-D', [input([3, 4, 17], 153, -5, 5)], (t) => tf.softmax(t), 1e-6);
    const bx = input([4, 5, 6, 8], 154), mean = input([8], 155), variance = input([8], 156, 0.2, 2);
    const offset = input([8], 157), scale = input([8], 158);
    assertMatchesCpu('batchNorm', [bx, mean, variance, offset, scale], (t, m, v, o, s) =>
      tf.batchNorm(t, m, v, o, s, 1e-3), 1e-5);
    assertMatchesCpu('batchNorm without offset/scale', [bx, mean, variance], (t, m, v) => tf.batchNorm(t, m, v, undefined, undefined, 1e-3), 1e-5);
  });

  it('falls back to cpu for what it does not handle (int32, NCHW-free paths still correct)', () => {
    tf.tidy(() => {
      const s = tf.sum(tf.tensor([1, 2, 3, 4], [2, 2], 'int32'), 0);
      assert.equal(s.dtype, 'int32');
      assert.deepEqual(Array.from(s.dataSync()), [4, 6]);
      const p = tf.prelu(tf.tensor([[-1, 2], [-3, 4]]), tf.tensor([0.5, 0.25]));
      assert.deepEqual(Array.from(p.dataSync()), [-0.5, 2, -1.5, 4]);
    });
  });
});
