import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildModel } from '../src/models/build.ts';
import { summarize } from '../src/models/summary.ts';
import type { LayerSpec, ModelSpec } from '../src/models/types.ts';
import { SpecError } from '../src/models/validate.ts';

await tf.setBackend('cpu');

const softmax10: LayerSpec = { type: 'dense', units: 10, activation: 'softmax' };

function imageModel(layers: LayerSpec[], name = 'm'): ModelSpec {
  return { name, input: 'image', layers: [...layers, { type: 'flatten' }, softmax10] };
}

function withModel<T>(spec: ModelSpec, fn: (m: tfl.LayersModel) => T): T {
  const model = buildModel(spec);
  try {
    return fn(model);
  } finally {
    model.dispose();
  }
}

const layer = (m: tfl.LayersModel, name: string) => m.getLayer(name);
const config = (m: tfl.LayersModel, name: string) => layer(m, name).getConfig() as Record<string, any>;

test('a 3x3 conv from 1 to 8 channels has 3*3*1*8 + 8 = 80 parameters', () => {
  withModel(imageModel([{ type: 'conv', filters: 8, kernel: 3 }]), (m) => {
    assert.equal(layer(m, 'conv2d_1').countParams(), 80);
    // flatten 26*26*8 = 5408 -> dense 10: 5408*10 + 10
    assert.equal(layer(m, 'dense_1').countParams(), 54090);
    assert.equal(m.countParams(), 80 + 54090);
  });
});

test('batch-norm has 4 parameters per channel, 2 per channel non-trainable', () => {
  withModel(imageModel([{ type: 'conv', filters: 8, kernel: 3 }, { type: 'batchNorm' }]), (m) => {
    assert.equal(layer(m, 'batch_normalization_1').countParams(), 32);
    const s = summarize(m);
    assert.equal(s.nonTrainable, 16);
    assert.equal(s.trainable, 80 + 16 + 54090);
    assert.equal(s.total, m.countParams());
  });
});

test('batch-norm uses Keras defaults (momentum 0.99, epsilon 1e-3) unless the spec sets them', () => {
  withModel(imageModel([{ type: 'batchNorm' }, { type: 'batchNorm', momentum: 0.9, epsilon: 1e-5 }]), (m) => {
    assert.equal(config(m, 'batch_normalization_1').momentum, 0.99);
    assert.equal(config(m, 'batch_normalization_1').epsilon, 1e-3);
    assert.equal(config(m, 'batch_normalization_2').momentum, 0.9);
    assert.equal(config(m, 'batch_normalization_2').epsilon, 1e-5);
  });
});

test('dense and conv kernels are glorot-uniform, biases zero', () => {
  const spec: ModelSpec = { name: 'm', input: 'flat', layers: [{ type: 'dense', units: 256, activation: 'relu' }, softmax10] };
  withModel(spec, (m) => {
    const [kernel, bias] = layer(m, 'dense_1').getWeights();
    const limit = Math.sqrt(6 / (784 + 256));
    const k = kernel.dataSync();
    let max = 0;
    let sumSq = 0;
    for (const v of k) {
      max = Math.max(max, Math.abs(v));
      sumSq += v * v;
    }
    assert.ok(max <= limit, `max |w| ${max} > glorot limit ${limit}`);
    assert.ok(max > 0.99 * limit, `max |w| ${max} far below the limit ${limit}: not uniform(-limit, limit)`);
    // Uniform(-l, l) has standard deviation l/sqrt(3); 200k samples pin it within 1 %.
    const std = Math.sqrt(sumSq / k.length);
    assert.ok(Math.abs(std - limit / Math.sqrt(3)) < 0.01 * limit, `std ${std}`);
    assert.ok(bias.dataSync().every((v) => v === 0));
  });
});

test('initializers take no seed: weights follow Math.random, which the trainer seeds', () => {
  const spec: ModelSpec = imageModel([{ type: 'conv', filters: 4, kernel: 3 }]);
  const original = Math.random;
  const weightsWith = (seed: number) => {
    let state = seed;
    Math.random = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    try {
      return withModel(spec, (m) => Array.from(layer(m, 'conv2d_1').getWeights()[0].dataSync()));
    } finally {
      Math.random = original;
    }
  };
  assert.deepEqual(weightsWith(1), weightsWith(1));
  assert.notDeepEqual(weightsWith(1), weightsWith(2));
});

test('activations set on a layer stay on it (tfjs fuses bias + activation); leakyRelu adds a LeakyReLU layer', () => {
  const spec = imageModel([
    { type: 'conv', filters: 4, kernel: 3, activation: 'relu' },
    { type: 'conv', filters: 4, kernel: 3, activation: 'leakyRelu' },
    { type: 'conv', filters: 4, kernel: 3, activation: { type: 'leakyRelu', alpha: 0.1 } },
    { type: 'conv', filters: 4, kernel: 3 },
  ]);
  withModel(spec, (m) => {
    assert.deepEqual(m.layers.map((l) => l.getClassName()), [
      'InputLayer', 'Conv2D', 'Conv2D', 'LeakyReLU', 'Conv2D', 'LeakyReLU', 'Conv2D', 'Flatten', 'Dense',
    ]);
    assert.equal(config(m, 'conv2d_1').activation, 'relu');
    assert.equal(config(m, 'conv2d_2').activation, 'linear');
    assert.equal(config(m, 'conv2d_2_leaky_relu').alpha, 0.3);
    assert.equal(config(m, 'conv2d_3_leaky_relu').alpha, 0.1);
    assert.equal(config(m, 'conv2d_4').activation, 'linear');
    assert.equal(config(m, 'dense_1').activation, 'softmax');
  });
});

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

test('each activation computes its function (checked against plain formulas)', () => {
  const xs = [-3, -1.5, -0.2, 0, 0.3, 1, 2.5];
  const reference: Record<string, (x: number) => number> = {
    relu: (x) => Math.max(0, x),
    leakyRelu: (x) => (x > 0 ? x : 0.3 * x),
    elu: (x) => (x > 0 ? x : Math.exp(x) - 1),
    selu: (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1)),
    gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
    tanh: Math.tanh,
    sigmoid: (x) => 1 / (1 + Math.exp(-x)),
    linear: (x) => x,
  };
  const layers: LayerSpec[] = Object.keys(reference).map((a) => ({ type: 'activation', activation: a as never }));
  withModel({ name: 'acts', input: 'flat', layers: [...layers, softmax10] }, (m) => {
    const input = tf.tensor2d([xs]);
    for (const [i, name] of Object.keys(reference).entries()) {
      const out = m.layers[i + 1].apply(input) as tf.Tensor;
      const got = Array.from(out.dataSync());
      out.dispose();
      got.forEach((v, j) => assert.ok(Math.abs(v - reference[name](xs[j])) < 1e-5, `${name}(${xs[j]}) = ${v}`));
    }
    input.dispose();
  });
});

test('kernel regularizers: l1, l2 and both, with the missing rate 0 (not tfjs\'s default 0.01)', () => {
  const spec: ModelSpec = {
    name: 'reg', input: 'flat',
    layers: [
      { type: 'dense', units: 4, regularizer: { l1: 0.5 } },
      { type: 'dense', units: 4, regularizer: { l2: 0.25 } },
      { type: 'dense', units: 4, regularizer: { l1: 0.1, l2: 0.2 } },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  };
  withModel(spec, (m) => {
    const reg = (name: string) => config(m, name).kernelRegularizer;
    assert.deepEqual(reg('dense_1'), { className: 'L1L2', config: { l1: 0.5, l2: 0 } });
    assert.deepEqual(reg('dense_2'), { className: 'L1L2', config: { l1: 0, l2: 0.25 } });
    assert.deepEqual(reg('dense_3'), { className: 'L1L2', config: { l1: 0.1, l2: 0.2 } });
    assert.equal(reg('dense_4'), null);
    // The penalty tfjs adds equals l1*sum|w| + l2*sum w^2 computed by hand.
    const w = layer(m, 'dense_3').getWeights()[0];
    const v = Array.from(w.dataSync());
    const expected = 0.1 * v.reduce((a, x) => a + Math.abs(x), 0) + 0.2 * v.reduce((a, x) => a + x * x, 0);
    const penalty = (layer(m, 'dense_3') as unknown as { kernelRegularizer: { apply(x: tf.Tensor): tf.Scalar } })
      .kernelRegularizer.apply(w);
    assert.ok(Math.abs(penalty.dataSync()[0] - expected) < 1e-4 * expected);
    penalty.dispose();
  });
});

test('pooling defaults to size 2 and stride = size; global pools and flatten give flat outputs', () => {
  const spec = imageModel([
    { type: 'conv', filters: 3, kernel: 1 },
    { type: 'maxPool' },
    { type: 'avgPool', size: 3 },
    { type: 'maxPool', size: 2, stride: 1, padding: 'same' },
  ]);
  withModel(spec, (m) => {
    assert.deepEqual(config(m, 'max_pooling2d_1').poolSize, [2, 2]);
    assert.deepEqual(config(m, 'max_pooling2d_1').strides, [2, 2]);
    assert.deepEqual(config(m, 'average_pooling2d_1').strides, [3, 3]);
    assert.deepEqual(layer(m, 'max_pooling2d_1').outputShape, [null, 14, 14, 3]);
    assert.deepEqual(layer(m, 'average_pooling2d_1').outputShape, [null, 4, 4, 3]);
    assert.deepEqual(layer(m, 'max_pooling2d_2').outputShape, [null, 4, 4, 3]);
  });
  const gap: ModelSpec = { name: 'g', input: 'image', layers: [{ type: 'conv', filters: 6, kernel: 3 }, { type: 'globalMaxPool' }, softmax10] };
  withModel(gap, (m) => assert.deepEqual(layer(m, 'global_max_pooling2d_1').outputShape, [null, 6]));
});

test('max pooling and conv compute what a naive loop computes', () => {
  const spec: ModelSpec = { name: 'p', input: 'image', layers: [{ type: 'conv', filters: 2, kernel: [2, 3], stride: [2, 1] }, { type: 'maxPool' }, { type: 'flatten' }, softmax10] };
  withModel(spec, (m) => {
    const x = tf.randomNormal([1, 28, 28, 1]);
    const xv = x.dataSync();
    const conv = layer(m, 'conv2d_1');
    const [k, b] = conv.getWeights().map((t) => t.dataSync());
    const y = conv.apply(x) as tf.Tensor;
    assert.deepEqual(y.shape, [1, 14, 26, 2]);
    const yv = y.dataSync();
    for (const [oi, oj, f] of [[0, 0, 0], [5, 7, 1], [13, 25, 0]]) {
      let sum = b[f];
      for (let di = 0; di < 2; di++) for (let dj = 0; dj < 3; dj++) sum += xv[(oi * 2 + di) * 28 + oj + dj] * k[(di * 3 + dj) * 2 + f];
      assert.ok(Math.abs(yv[(oi * 26 + oj) * 2 + f] - sum) < 1e-5);
    }
    const p = layer(m, 'max_pooling2d_1').apply(y) as tf.Tensor;
    assert.deepEqual(p.shape, [1, 7, 13, 2]);
    const pv = p.dataSync();
    const at = (i: number, j: number, c: number) => yv[(i * 26 + j) * 2 + c];
    assert.equal(pv[(3 * 13 + 4) * 2 + 1], Math.max(at(6, 8, 1), at(6, 9, 1), at(7, 8, 1), at(7, 9, 1)));
    tf.dispose([x, y, p]);
  });
});

test('forward pass: [batch, 10] class probabilities', () => {
  withModel(imageModel([{ type: 'conv', filters: 4, kernel: 3, activation: 'relu' }, { type: 'maxPool' }]), (m) => {
    const x = tf.randomUniform([5, 28, 28, 1]);
    const y = m.predict(x) as tf.Tensor;
    assert.deepEqual(y.shape, [5, 10]);
    const rows = y.arraySync() as number[][];
    for (const row of rows) {
      assert.ok(row.every((p) => p > 0 && p < 1));
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    }
    tf.dispose([x, y]);
  });
});

test('flatten on already flat input is a no-op, not an error', () => {
  const spec: ModelSpec = { name: 'f', input: 'flat', layers: [{ type: 'flatten' }, softmax10] };
  withModel(spec, (m) => assert.deepEqual(m.layers.map((l) => l.getClassName()), ['InputLayer', 'Dense']));
});

/** Names of the layers feeding `name`'s first inbound node. */
function inputsOf(m: tfl.LayersModel, name: string): string[] {
  const node = (layer(m, name) as unknown as { inboundNodes: { inboundLayers: tfl.layers.Layer[] }[] }).inboundNodes[0];
  return node.inboundLayers.map((l) => l.name);
}

test('residual basic block: identity shortcut when shape is kept, projection on stride 2 or a channel change', () => {
  const spec: ModelSpec = {
    name: 'res', input: 'image',
    layers: [
      { type: 'conv', filters: 8, kernel: 3, padding: 'same' },
      { type: 'residual', block: 'basic', filters: 8 },
      { type: 'residual', block: 'basic', filters: 8, stride: 2 },
      { type: 'residual', block: 'basic', filters: 16 },
      { type: 'globalAvgPool' },
      softmax10,
    ],
  };
  withModel(spec, (m) => {
    const names = m.layers.map((l) => l.name);
    // Block 1 keeps 28x28x8: identity, so the add joins the block's last BN and the conv before it.
    assert.ok(!names.includes('res_1_proj_conv'));
    assert.deepEqual(inputsOf(m, 'res_1_add'), ['res_1_bn_b', 'conv2d_1']);
    // Block 2 strides: 1x1 conv (stride 2, no bias) + BN on the shortcut.
    assert.deepEqual(inputsOf(m, 'res_2_add'), ['res_2_bn_b', 'res_2_proj_bn']);
    assert.deepEqual(inputsOf(m, 'res_2_proj_conv'), ['res_1_out']);
    assert.deepEqual(config(m, 'res_2_proj_conv').kernelSize, [1, 1]);
    assert.deepEqual(config(m, 'res_2_proj_conv').strides, [2, 2]);
    assert.equal(layer(m, 'res_2_proj_conv').countParams(), 8 * 8);
    assert.deepEqual(layer(m, 'res_2_out').outputShape, [null, 14, 14, 8]);
    // Block 3 changes 8 -> 16 channels at stride 1: projection too.
    assert.deepEqual(inputsOf(m, 'res_3_add'), ['res_3_bn_b', 'res_3_proj_bn']);
    assert.equal(layer(m, 'res_3_proj_conv').countParams(), 8 * 16);
    // Basic block convs: 3x3, no bias (BN follows); block 1 = 2 convs of 3*3*8*8 + 2 BNs of 4*8.
    const block1 = m.layers.filter((l) => l.name.startsWith('res_1_')).reduce((a, l) => a + l.countParams(), 0);
    assert.equal(block1, 2 * 9 * 8 * 8 + 2 * 4 * 8);
    assert.equal(config(m, 'res_1_out').activation, 'relu');
  });
});

test('residual bottleneck block: 1x1 -> 3x3 (strided) -> 1x1 with filters*expansion outputs', () => {
  const spec: ModelSpec = {
    name: 'bottleneck', input: 'image',
    layers: [
      { type: 'conv', filters: 16, kernel: 3, padding: 'same' },
      { type: 'residual', block: 'bottleneck', filters: 4 },
      { type: 'residual', block: 'bottleneck', filters: 4, stride: 2, expansion: 2, activation: 'leakyRelu' },
      { type: 'globalAvgPool' },
      softmax10,
    ],
  };
  withModel(spec, (m) => {
    // 16 = 4 * 4 in and out, stride 1: identity.
    assert.ok(!m.layers.some((l) => l.name === 'res_1_proj_conv'));
    assert.deepEqual(config(m, 'res_1_conv_a').kernelSize, [1, 1]);
    assert.deepEqual(config(m, 'res_1_conv_b').kernelSize, [3, 3]);
    assert.deepEqual(layer(m, 'res_1_conv_c').outputShape, [null, 28, 28, 16]);
    assert.deepEqual(config(m, 'res_2_conv_a').strides, [1, 1]);
    assert.deepEqual(config(m, 'res_2_conv_b').strides, [2, 2]);
    assert.deepEqual(layer(m, 'res_2_conv_c').outputShape, [null, 14, 14, 8]);
    assert.deepEqual(inputsOf(m, 'res_2_add'), ['res_2_bn_c', 'res_2_proj_bn']);
    assert.equal(layer(m, 'res_2_out').getClassName(), 'LeakyReLU');
    // Parameters of block 1: convs 16*4 + 9*4*4 + 4*16, BNs 4*(4 + 4 + 16).
    const block1 = m.layers.filter((l) => l.name.startsWith('res_1_')).reduce((a, l) => a + l.countParams(), 0);
    assert.equal(block1, 16 * 4 + 9 * 4 * 4 + 4 * 16 + 4 * (4 + 4 + 16));
  });
});

test('a residual block adds its shortcut: zeroing the branch gives relu(shortcut)', () => {
  const spec: ModelSpec = {
    name: 'add', input: 'image',
    layers: [{ type: 'residual', block: 'basic', filters: 1 }, { type: 'flatten' }, softmax10],
  };
  withModel(spec, (m) => {
    // Set the last BN's gamma and beta to 0: the branch outputs 0, so the block outputs relu(x).
    const bn = layer(m, 'res_1_bn_b');
    bn.setWeights(bn.getWeights().map((w, i) => (i < 2 ? tf.zerosLike(w) : w)));
    const x = tf.randomNormal([2, 28, 28, 1]);
    const probe = tfl.model({ inputs: m.inputs, outputs: layer(m, 'res_1_out').output as tfl.SymbolicTensor });
    const y = probe.predict(x) as tf.Tensor;
    const expected = tf.relu(x);
    assert.ok(tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0] < 1e-6);
    tf.dispose([x, y, expected]);
  });
});

test('a built model saves and reloads with the same predictions (LeakyReLU, gelu, residual, BN)', async () => {
  const spec: ModelSpec = {
    name: 'roundtrip', input: 'image',
    layers: [
      { type: 'conv', filters: 4, kernel: 3, activation: 'leakyRelu' },
      { type: 'batchNorm' },
      { type: 'residual', block: 'bottleneck', filters: 2, stride: 2 },
      { type: 'globalAvgPool' },
      { type: 'dense', units: 6, activation: 'gelu', regularizer: { l2: 0.01 } },
      softmax10,
    ],
  };
  const model = buildModel(spec);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const reloaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
  const x = tf.randomNormal([3, 28, 28, 1]);
  const a = model.predict(x) as tf.Tensor;
  const b = reloaded.predict(x) as tf.Tensor;
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  assert.equal(reloaded.name, 'roundtrip');
  tf.dispose([x, a, b]);
  model.dispose();
  reloaded.dispose();
});

test('an invalid spec fails to build with the validator\'s message', () => {
  assert.throws(
    () => buildModel({ name: 'bad', input: 'flat', layers: [{ type: 'dense', units: 0 }] } as ModelSpec),
    (err: unknown) => err instanceof SpecError && err.message === 'spec.layers[0].units: expected a positive integer, got 0',
  );
});

test('building and disposing leaks no tensors', () => {
  const before = tf.memory().numTensors;
  withModel(imageModel([{ type: 'conv', filters: 4, kernel: 3 }, { type: 'batchNorm' }, { type: 'residual', block: 'basic', filters: 8, stride: 2 }]), () => {});
  assert.equal(tf.memory().numTensors, before);
});
