import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildModel } from '../src/models/build.ts';
import { summarize } from '../src/models/summary.ts';
import type { LayerSpec, ModelSpec } from '../src/models/types.ts';
import { validateSpec } from '../src/models/validate.ts';
import { DEFAULT_MODEL, listZoo, zoo } from '../src/models/zoo/index.ts';

await tf.setBackend('cpu');

/** [total, trainable, non-trainable] parameters of every zoo model, pinned. */
const PARAMS: Record<string, [number, number, number]> = {
  'bn-cnn': [422026, 421834, 192],
  'small-cnn': [421642, 421642, 0],
  'mlp': [235146, 235146, 0],
  'vgg-bn': [1869002, 1868234, 768],
  'fast-cnn': [576938, 575594, 1344],
  'fast-cnn-long': [576938, 575594, 1344],
  'fast-cnn-45': [576938, 575594, 1344],
  'resnet-20': [273754, 272186, 1568],
  'fast-mlp': [538890, 537354, 1536],
  'seed000-mlp': [119722, 119722, 0],
  'seed000-linear-cnn': [216650, 216650, 0],
  'seed000-mlm-cnn': [542230, 542230, 0],
  'seed000-fan-in': [132714, 132266, 448],
  'seed000-fan-out': [242442, 241994, 448],
  'seed001-mlp': [306776, 305208, 1568],
  'seed001-cnn': [154918, 154918, 0],
  'seed002-ann': [25450, 25450, 0],
  'seed002-dropout-ann': [101770, 101770, 0],
  'seed002-deep-ann': [111146, 111146, 0],
  'seed002-simple-cnn': [693962, 693962, 0],
  'seed002-dropout-cnn': [225034, 225034, 0],
  'seed002-deep-cnn-bn': [1679082, 1677674, 1408],
  'seed002-vgg16': [954810, 954810, 0],
  'seed003-mlp': [368490, 368490, 0],
  'seed003-cnn': [190666, 190666, 0],
  'seed004-v1': [1736906, 1736906, 0],
  'seed004-v2': [1736906, 1736906, 0],
  'seed004-v3': [1772106, 1770314, 1792],
  'seed004-v4': [1772106, 1770314, 1792],
  'seed004-v5': [904074, 902154, 1920],
  'seed004-v6': [225194, 221546, 3648],
  'seed004-v7': [2801834, 2797034, 4800],
};

/**
 * An independent parameter count: walks the spec with its own shape arithmetic and the textbook
 * formulas (dense in*out+out, conv kh*kw*cin*f+f, BN 4 per channel of which 2 non-trainable).
 */
function referenceCount(spec: ModelSpec): { trainable: number; nonTrainable: number } {
  let shape = spec.input === 'flat' ? [784] : [28, 28, 1];
  let trainable = 0;
  let nonTrainable = 0;
  const size = (s: number | [number, number] | undefined, d: number): [number, number] =>
    s === undefined ? [d, d] : typeof s === 'number' ? [s, s] : s;
  const spatial = (n: number, k: number, s: number, pad: string | undefined) =>
    pad === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
  const convParams = (k: number, cin: number, f: number, bias: boolean) => k * cin * f + (bias ? f : 0);
  const bn = (c: number) => {
    trainable += 2 * c;
    nonTrainable += 2 * c;
  };
  const walk = (l: LayerSpec) => {
    switch (l.type) {
      case 'dense':
        trainable += shape[0] * l.units + (l.useBias === false ? 0 : l.units);
        shape = [l.units];
        break;
      case 'conv': {
        const [kh, kw] = size(l.kernel, 0);
        const [sh, sw] = size(l.stride, 1);
        trainable += convParams(kh * kw, shape[2], l.filters, l.useBias !== false);
        shape = [spatial(shape[0], kh, sh, l.padding), spatial(shape[1], kw, sw, l.padding), l.filters];
        break;
      }
      case 'maxPool':
      case 'avgPool': {
        const [ph, pw] = size(l.size, 2);
        const [sh, sw] = l.stride === undefined ? [ph, pw] : size(l.stride, 1);
        shape = [spatial(shape[0], ph, sh, l.padding), spatial(shape[1], pw, sw, l.padding), shape[2]];
        break;
      }
      case 'globalAvgPool':
      case 'globalMaxPool':
        shape = [shape[2]];
        break;
      case 'flatten':
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'batchNorm':
        bn(shape[shape.length - 1]);
        break;
      case 'residual': {
        const cin = shape[2];
        const s = l.stride ?? 1;
        const out = l.block === 'basic' ? l.filters : l.filters * (l.expansion ?? 4);
        if (l.block === 'basic') {
          trainable += convParams(9, cin, l.filters, false) + convParams(9, l.filters, l.filters, false);
          bn(l.filters);
          bn(l.filters);
        } else {
          trainable += convParams(1, cin, l.filters, false) + convParams(9, l.filters, l.filters, false) + convParams(1, l.filters, out, false);
          bn(l.filters);
          bn(l.filters);
          bn(out);
        }
        if (s !== 1 || cin !== out) {
          trainable += convParams(1, cin, out, false);
          bn(out);
        }
        shape = [Math.ceil(shape[0] / s), Math.ceil(shape[1] / s), out];
        break;
      }
      case 'dropout':
      case 'activation':
        break;
    }
  };
  spec.layers.forEach(walk);
  return { trainable, nonTrainable };
}

test('the pinned table covers exactly the zoo', () => {
  assert.deepEqual(Object.keys(PARAMS).sort(), Object.keys(zoo).sort());
});

test('every zoo spec validates, builds, and has the pinned and hand-computed parameter counts', () => {
  for (const [name, spec] of Object.entries(zoo)) {
    assert.equal(spec.name, name);
    assert.deepEqual(validateSpec(spec), spec, name);
    const model = buildModel(spec);
    const s = summarize(model);
    const ref = referenceCount(spec);
    assert.deepEqual([s.total, s.trainable, s.nonTrainable], PARAMS[name], `${name} pinned counts`);
    assert.deepEqual([s.trainable, s.nonTrainable], [ref.trainable, ref.nonTrainable], `${name} reference counts`);
    model.dispose();
  }
});

test('parameter counts the seed reports state are reproduced exactly', () => {
  const count = (name: string) => {
    const model = buildModel(zoo[name]);
    const s = summarize(model);
    model.dispose();
    return s;
  };
  // Seed 002, Figure 2.1: "Total params: 25,450" (dense 25,120 + 330).
  assert.equal(count('seed002-ann').total, 25450);
  assert.deepEqual(count('seed002-ann').rows.map((r) => r.params), [0, 25120, 330]);
  // Seed 000, "Mastery's model": 542,230 (conv 320, dense 540,900, dense 1,010). The extracted
  // summary's flatten size "5488" is a typo: 13*13*32 = 5408, and 5408*100 + 100 = 540,900.
  const mlm = count('seed000-mlm-cnn');
  assert.equal(mlm.total, 542230);
  assert.deepEqual(mlm.rows.map((r) => [r.outputShape.slice(1), r.params]), [
    [[28, 28, 1], 0], [[26, 26, 32], 320], [[13, 13, 32], 0], [[5408], 0], [[100], 540900], [[10], 1010],
  ]);
  // Seed 004, v5 summary: total 904,074, trainable 902,154, non-trainable 1,920.
  const v5 = count('seed004-v5');
  assert.deepEqual([v5.total, v5.trainable, v5.nonTrainable], [904074, 902154, 1920]);
  // ... and its layer shapes (conv2d_30 ... dense_17 in the report).
  const convs = v5.rows.filter((r) => r.type === 'Conv2D').map((r) => [r.outputShape.slice(1), r.params]);
  assert.deepEqual(convs, [
    [[28, 28, 64], 640], [[28, 28, 128], 73856], [[14, 14, 64], 73792],
    [[14, 14, 128], 73856], [[7, 7, 64], 73792], [[5, 5, 128], 73856],
  ]);
  const dense = v5.rows.filter((r) => r.type === 'Dense').map((r) => r.params);
  assert.deepEqual(dense, [262656, 262656, 5130]);
  assert.deepEqual(v5.rows.find((r) => r.type === 'Flatten')?.outputShape, [null, 512]);
});

test('every zoo model maps a batch to [batch, 10] rows of probabilities summing to 1', () => {
  const x = tf.randomUniform([2, 28, 28, 1]);
  const flat = tf.reshape(x, [2, 784]);
  for (const [name, spec] of Object.entries(zoo)) {
    const model = buildModel(spec);
    const y = model.predict(spec.input === 'flat' ? flat : x) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 10], name);
    for (const row of y.arraySync() as number[][]) {
      assert.ok(row.every((p) => p >= 0 && p <= 1), `${name}: ${row}`);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `${name}: rows sum to ${row.reduce((a, b) => a + b, 0)}`);
    }
    y.dispose();
    model.dispose();
  }
  tf.dispose([x, flat]);
});

test('every zoo spec documents itself; seed specs cite their report', () => {
  for (const [name, spec] of Object.entries(zoo)) {
    assert.ok((spec.description ?? '').length > 10, `${name}: description`);
    assert.ok((spec.source ?? '').length > 20, `${name}: source`);
    const seed = /^seed(\d{3})-/.exec(name);
    if (seed) {
      assert.ok(spec.source!.startsWith(`Seed ${seed[1]}`), `${name}: source should cite seed ${seed[1]}: ${spec.source}`);
    }
  }
});

test('the seed training settings stated in the reports are recorded', () => {
  assert.deepEqual(
    { ...zoo['seed001-mlp'].training, notes: undefined },
    { optimizer: 'sgd', learningRate: 0.1, batchSize: 32, epochs: 13, validation: 'first:5000', notes: undefined },
  );
  assert.equal(zoo['seed001-cnn'].training?.optimizer, 'adam');
  assert.equal(zoo['seed001-cnn'].training?.epochs, 10);
  const ann = zoo['seed002-ann'].training!;
  assert.deepEqual([ann.optimizer, ann.learningRate, ann.batchSize, ann.epochs, ann.validation], ['sgd', 0.01, 128, 50, '0.1']);
  for (const name of ['seed003-mlp', 'seed003-cnn']) {
    const t = zoo[name].training!;
    assert.deepEqual([t.learningRate, t.batchSize, t.epochs, t.validation], [1e-4, 32, 100, '0.2'], name);
  }
  assert.equal(zoo['seed004-v5'].training?.epochs, 100);
});

test('the zoo is frozen, lists in display order and includes the default model', () => {
  assert.ok(Object.hasOwn(zoo, DEFAULT_MODEL));
  assert.throws(() => {
    (zoo['mlp'].layers[0] as { units: number }).units = 1;
  }, TypeError);
  const list = listZoo();
  assert.deepEqual(list.map((e) => e.name), Object.keys(zoo));
  assert.deepEqual(list.slice(0, 4).map((e) => e.origin), ['fmnist-lab', 'fmnist-lab', 'fmnist-lab', 'fmnist-lab']);
  assert.deepEqual(list.find((e) => e.name === 'seed004-v5'), {
    name: 'seed004-v5', description: zoo['seed004-v5'].description, input: 'image', origin: 'seed004',
  });
  const origins = new Set(list.map((e) => e.origin));
  assert.deepEqual([...origins], ['fmnist-lab', 'seed000', 'seed001', 'seed002', 'seed003', 'seed004']);
});
