import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildModel } from '../src/models/build.ts';
import { formatSummary, summarize } from '../src/models/summary.ts';
import type { ModelSpec } from '../src/models/types.ts';

await tf.setBackend('cpu');

const tiny: ModelSpec = {
  name: 'tiny',
  input: 'image',
  layers: [
    { type: 'conv', filters: 8, kernel: 3 },
    { type: 'batchNorm' },
    { type: 'maxPool' },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};

test('summarize lists every layer with its class, output shape and parameter count', () => {
  const model = buildModel(tiny);
  const s = summarize(model);
  model.dispose();
  assert.equal(s.name, 'tiny');
  assert.deepEqual(s.rows, [
    { name: 'input', type: 'InputLayer', outputShape: [null, 28, 28, 1], params: 0 },
    { name: 'conv2d_1', type: 'Conv2D', outputShape: [null, 26, 26, 8], params: 3 * 3 * 8 + 8 },
    { name: 'batch_normalization_1', type: 'BatchNormalization', outputShape: [null, 26, 26, 8], params: 4 * 8 },
    { name: 'max_pooling2d_1', type: 'MaxPooling2D', outputShape: [null, 13, 13, 8], params: 0 },
    { name: 'flatten_1', type: 'Flatten', outputShape: [null, 1352], params: 0 },
    { name: 'dense_1', type: 'Dense', outputShape: [null, 10], params: 1352 * 10 + 10 },
  ]);
  assert.equal(s.total, 80 + 32 + 13530);
  assert.equal(s.nonTrainable, 2 * 8);
  assert.equal(s.trainable, s.total - 16);
  assert.equal(s.rows.reduce((a, r) => a + r.params, 0), s.total);
});

test('formatSummary renders a Keras-style table with thousands separators', () => {
  const model = buildModel(tiny);
  const text = formatSummary(summarize(model));
  model.dispose();
  const rule = (c: string) => c.repeat(72);
  assert.equal(text, [
    'Model: "tiny"',
    rule('_'),
    'Layer (type)                                Output Shape       Param #',
    rule('='),
    'input (InputLayer)                          (None, 28, 28, 1)  0',
    rule('_'),
    'conv2d_1 (Conv2D)                           (None, 26, 26, 8)  80',
    rule('_'),
    'batch_normalization_1 (BatchNormalization)  (None, 26, 26, 8)  32',
    rule('_'),
    'max_pooling2d_1 (MaxPooling2D)              (None, 13, 13, 8)  0',
    rule('_'),
    'flatten_1 (Flatten)                         (None, 1352)       0',
    rule('_'),
    'dense_1 (Dense)                             (None, 10)         13,530',
    rule('='),
    'Total params: 13,642',
    'Trainable params: 13,626',
    'Non-trainable params: 16',
    rule('_'),
  ].join('\n'));
});

test('residual models summarise their branch layers too', () => {
  const model = buildModel({
    name: 'res', input: 'image',
    layers: [{ type: 'residual', block: 'basic', filters: 4, stride: 2 }, { type: 'globalAvgPool' }, { type: 'dense', units: 10, activation: 'softmax' }],
  });
  const s = summarize(model);
  model.dispose();
  const types = s.rows.map((r) => r.type);
  assert.equal(types.filter((t) => t === 'Conv2D').length, 3);
  assert.equal(types.filter((t) => t === 'Add').length, 1);
  // convs 9*1*4 + 9*4*4 + 1*1*4 (projection), 3 BNs of 4*4, dense 4*10+10
  assert.equal(s.total, 36 + 144 + 4 + 3 * 16 + 50);
  assert.equal(s.nonTrainable, 3 * 8);
});
