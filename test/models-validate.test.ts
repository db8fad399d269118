import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpecError, validateSpec } from '../src/models/validate.ts';

/** A valid small CNN to break one field at a time. */
function cnn(): Record<string, any> {
  return {
    name: 'tiny',
    input: 'image',
    layers: [
      { type: 'conv', filters: 8, kernel: 3, activation: 'relu' },
      { type: 'maxPool' },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  };
}

function issues(raw: unknown, where?: string): string[] {
  try {
    validateSpec(raw, where);
  } catch (err) {
    assert.ok(err instanceof SpecError, `expected SpecError, got ${err}`);
    assert.equal(err.message, err.issues.join('\n'));
    return err.issues;
  }
  assert.fail('spec was accepted');
}

const LAYER_TYPES = 'dense, conv, maxPool, avgPool, globalAvgPool, globalMaxPool, flatten, dropout, batchNorm, activation, residual';
const ACTIVATIONS = 'one of relu, leakyRelu, elu, selu, gelu, tanh, sigmoid, linear, softmax, or {type: leakyRelu, alpha}';

test('a valid spec is returned as an equal copy, not the same object', () => {
  const raw = cnn();
  const spec = validateSpec(raw);
  assert.deepEqual(spec, raw);
  assert.notEqual(spec, raw);
  assert.notEqual(spec.layers, raw.layers);
});

test('valid specs using every layer type and option pass', () => {
  const spec = {
    name: 'every-option_1.0',
    description: 'd', source: 's', input: 'image', classes: 5,
    layers: [
      { type: 'conv', filters: 4, kernel: [3, 5], stride: [1, 2], padding: 'same', activation: { type: 'leakyRelu', alpha: 0.1 }, useBias: false, regularizer: { l1: 0.01, l2: 0 } },
      { type: 'batchNorm', momentum: 0.9, epsilon: 1e-5 },
      { type: 'activation', activation: 'gelu' },
      { type: 'residual', block: 'bottleneck', filters: 2, stride: 2, expansion: 2, activation: 'elu', regularizer: { l2: 1e-4 } },
      { type: 'residual', block: 'basic', filters: 4 },
      { type: 'avgPool', size: 3, stride: 1, padding: 'valid' },
      { type: 'maxPool', size: [2, 1], padding: 'same' },
      { type: 'globalMaxPool' },
      { type: 'dropout', rate: 0 },
      { type: 'dense', units: 7, activation: 'selu', useBias: true },
      { type: 'dense', units: 5 },
      { type: 'activation', activation: 'softmax' },
    ],
    training: { optimizer: 'sgd', learningRate: 0.1, momentum: 0.9, batchSize: 32, epochs: 13, validation: 'first:5000', notes: 'n' },
  };
  assert.deepEqual(validateSpec(spec), spec);
  for (const validation of ['0.1', '.2', 'per-class:1200', 'none']) {
    assert.doesNotThrow(() => validateSpec({ ...cnn(), training: { validation } }), validation);
  }
});

test('top-level fields: type, required, allowed values', () => {
  assert.deepEqual(issues(42), ['spec: expected a model spec object {name, input, layers}, got 42']);
  assert.deepEqual(issues([cnn()]), [`spec: expected a model spec object {name, input, layers}, got an array ${JSON.stringify([cnn()]).slice(0, 57)}...`]);
  const { name: _n, input: _i, ...rest } = cnn();
  assert.deepEqual(issues(rest), [
    "spec.name: missing; expected a name of letters, digits, '.', '_' or '-' (e.g. my-cnn)",
    'spec.input: missing; expected one of flat, image',
  ]);
  assert.deepEqual(issues({ ...cnn(), name: 'my model' }), [
    "spec.name: expected a name of letters, digits, '.', '_' or '-' (e.g. my-cnn), got 'my model'",
  ]);
  assert.deepEqual(issues({ ...cnn(), input: 'rgb' }), ["spec.input: expected one of flat, image, got 'rgb'"]);
  assert.deepEqual(issues({ ...cnn(), classes: 1 }), ['spec.classes: expected an integer of at least 2, got 1']);
  assert.deepEqual(issues({ ...cnn(), layers: [] }), ['spec.layers: expected a non-empty array of layers, got an array []']);
  assert.deepEqual(issues({ ...cnn(), layers: undefined }), ['spec.layers: expected a non-empty array of layers, got nothing']);
  assert.deepEqual(issues({ ...cnn(), layer: [] }), [
    "spec.layer: unknown field for a model spec; expected one of name, description, source, input, classes, layers, training; did you mean 'layers'?",
  ]);
});

test('layer types: unknown, missing, not a string, not an object', () => {
  const spec = cnn();
  spec.layers[1] = { type: 'conv3d' };
  assert.deepEqual(issues(spec), [
    `spec.layers[1].type: unknown layer type 'conv3d'; expected one of ${LAYER_TYPES}; did you mean 'conv'?`,
  ]);
  spec.layers[1] = { type: 'pooling' };
  assert.deepEqual(issues(spec), [`spec.layers[1].type: unknown layer type 'pooling'; expected one of ${LAYER_TYPES}`]);
  spec.layers[1] = { size: 2 };
  assert.deepEqual(issues(spec), [`spec.layers[1].type: missing; expected one of ${LAYER_TYPES}`]);
  spec.layers[1] = { type: 3 };
  assert.deepEqual(issues(spec), [`spec.layers[1].type: expected one of ${LAYER_TYPES}, got 3`]);
  spec.layers[1] = 'maxPool';
  assert.deepEqual(issues(spec), ["spec.layers[1]: expected a layer object with a type, got 'maxPool'"]);
});

test('layer fields: numbers, sizes, enums, booleans', () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ filters: -2 }, ['spec.layers[0].filters: expected a positive integer, got -2']],
    [{ filters: 2.5 }, ['spec.layers[0].filters: expected a positive integer, got 2.5']],
    [{ filters: '8' }, ["spec.layers[0].filters: expected a positive integer, got '8'"]],
    [{ kernel: [3] }, ['spec.layers[0].kernel: expected a positive integer or a pair [height, width] of positive integers, got an array [3]']],
    [{ kernel: 0 }, ['spec.layers[0].kernel: expected a positive integer or a pair [height, width] of positive integers, got 0']],
    [{ stride: [1, 0] }, ['spec.layers[0].stride: expected a positive integer or a pair [height, width] of positive integers, got an array [1,0]']],
    [{ padding: 'full' }, ["spec.layers[0].padding: expected one of same, valid, got 'full'"]],
    [{ useBias: 'yes' }, ["spec.layers[0].useBias: expected true or false, got 'yes'"]],
    [{ activation: 'rleu' }, [`spec.layers[0].activation: unknown activation 'rleu'; expected ${ACTIVATIONS}`]],
    [{ activation: 'Relu6' }, [`spec.layers[0].activation: unknown activation 'Relu6'; expected ${ACTIVATIONS}; did you mean 'relu'?`]],
    [{ activation: 7 }, [`spec.layers[0].activation: expected ${ACTIVATIONS}, got 7`]],
    [{ activation: { type: 'relu' } }, ["spec.layers[0].activation.type: only leakyRelu takes parameters; expected 'leakyRelu', got 'relu'"]],
    [{ activation: { type: 'leakyRelu', alpha: -1 } }, ['spec.layers[0].activation.alpha: expected a non-negative number, got -1']],
    [{ activation: { type: 'leakyRelu' } }, ['spec.layers[0].activation.alpha: missing; expected a non-negative number']],
    [{ regularizer: {} }, ['spec.layers[0].regularizer: expected at least one of l1, l2']],
    [{ regularizer: 0.01 }, ['spec.layers[0].regularizer: expected an object {l1?, l2?} of non-negative numbers, got 0.01']],
    [{ regularizer: { l2: -0.1 } }, ['spec.layers[0].regularizer.l2: expected a non-negative number, got -0.1']],
    [{ regularizer: { L2: 0.1 } }, [
      "spec.layers[0].regularizer.L2: unknown field for a regularizer; expected one of l1, l2; did you mean 'l2'?",
      'spec.layers[0].regularizer: expected at least one of l1, l2',
    ]],
  ];
  for (const [change, expected] of cases) {
    const spec = cnn();
    Object.assign(spec.layers[0], change);
    assert.deepEqual(issues(spec), expected, JSON.stringify(change));
  }
});

test('layer-specific rules: missing required fields, dropout rate, batch-norm, residual', () => {
  const spec = cnn();
  spec.layers[0] = { type: 'conv', filter: 8, kernel: 3 };
  assert.deepEqual(issues(spec), [
    "spec.layers[0].filter: unknown field for a conv layer; expected one of type, filters, kernel, stride, padding, activation, useBias, regularizer; did you mean 'filters'?",
    'spec.layers[0].filters: missing; expected a positive integer',
  ]);
  const withLayer = (layer: unknown, at = 1) => {
    const s = cnn();
    s.layers.splice(at, 0, layer);
    return issues(s);
  };
  assert.deepEqual(withLayer({ type: 'dropout', rate: 1 }), ['spec.layers[1].rate: expected a number in [0, 1), got 1']);
  assert.deepEqual(withLayer({ type: 'dropout' }), ['spec.layers[1].rate: missing; expected a number in [0, 1)']);
  assert.deepEqual(withLayer({ type: 'batchNorm', momentum: 1.5, epsilon: 0 }), [
    'spec.layers[1].momentum: expected a number in [0, 1), got 1.5',
    'spec.layers[1].epsilon: expected a positive number, got 0',
  ]);
  assert.deepEqual(withLayer({ type: 'activation' }), [`spec.layers[1].activation: missing; expected ${ACTIVATIONS}`]);
  assert.deepEqual(withLayer({ type: 'flatten', units: 3 }), [
    'spec.layers[1].units: unknown field for a flatten layer; expected one of type',
  ]);
  assert.deepEqual(withLayer({ type: 'residual', block: 'wide', filters: 0, stride: [2, 2] }), [
    "spec.layers[1].block: expected one of basic, bottleneck, got 'wide'",
    'spec.layers[1].filters: expected a positive integer, got 0',
    'spec.layers[1].stride: expected a positive integer, got an array [2,2]',
  ]);
  assert.deepEqual(withLayer({ type: 'residual', block: 'basic', filters: 8, expansion: 4 }), [
    'spec.layers[1].expansion: applies to bottleneck blocks only; remove it or use block: bottleneck',
  ]);
});

test('every field problem is reported at once, in order', () => {
  const spec = cnn();
  spec.layers[0].filters = -2;
  spec.layers[3].units = 'ten';
  spec.input = 'rgb';
  assert.deepEqual(issues(spec), [
    "spec.input: expected one of flat, image, got 'rgb'",
    'spec.layers[0].filters: expected a positive integer, got -2',
    "spec.layers[3].units: expected a positive integer, got 'ten'",
  ]);
});

test('training settings are checked', () => {
  assert.deepEqual(issues({ ...cnn(), training: { optimizer: 'lbfgs', learningRate: 0, batchSize: 0, epochs: 1.5, validation: '1.5', schedule: 'linear', lr: 1, augment: 'rotate:200', labelSmoothing: 1 } }), [
    "spec.training.lr: unknown field for training settings; expected one of optimizer, learningRate, momentum, batchSize, epochs, validation, schedule, augment, labelSmoothing, ema, notes",
    "spec.training.optimizer: expected one of sgd, adam, nadam, rmsprop, adagrad, adadelta, adamax, got 'lbfgs'",
    'spec.training.learningRate: expected a positive number, got 0',
    'spec.training.batchSize: expected a positive integer, got 0',
    'spec.training.epochs: expected a positive integer, got 1.5',
    "spec.training.validation: expected a fraction in (0, 1), 'first:N', 'per-class:N' or 'none', got '1.5'",
    "spec.training.schedule: expected 'constant', 'step:EVERY:GAMMA', 'cosine[:MIN_LR]' or 'one-cycle[:MAX_LR]', got 'linear'",
    'spec.training.labelSmoothing: expected a number in [0, 1), got 1',
    'spec.training.augment.rotate: expected degrees in [0, 180], got 200',
  ]);
  assert.deepEqual(issues({ ...cnn(), training: 'adam' }), ["spec.training: expected an object of training settings, got 'adam'"]);
});

test('structure: conv and pooling need image-shaped input', () => {
  assert.deepEqual(issues({ name: 'x', input: 'flat', layers: [{ type: 'conv', filters: 8, kernel: 3 }, { type: 'dense', units: 10, activation: 'softmax' }] }), [
    'spec.layers[0] (conv): expects an image-shaped input [height, width, channels], got [784]; conv layers must come before flatten/dense and need input: image',
  ]);
  const afterFlatten = cnn();
  afterFlatten.layers.splice(3, 0, { type: 'maxPool' });
  assert.deepEqual(issues(afterFlatten), [
    'spec.layers[3] (maxPool): expects an image-shaped input [height, width, channels], got [1352]; maxPool layers must come before flatten/dense and need input: image',
  ]);
  assert.deepEqual(issues({ name: 'x', input: 'flat', layers: [{ type: 'residual', block: 'basic', filters: 4 }, { type: 'dense', units: 10, activation: 'softmax' }] }), [
    'spec.layers[0] (residual): expects an image-shaped input [height, width, channels], got [784]; residual layers must come before flatten/dense and need input: image',
  ]);
});

test('structure: dense on a 4-D tensor is an error, not an implicit flatten', () => {
  const spec = cnn();
  spec.layers.splice(2, 1);
  assert.deepEqual(issues(spec), [
    'spec.layers[2] (dense): input is [13, 13, 8], not flat; add a flatten or global pooling layer before it',
  ]);
});

test('structure: a kernel or pool larger than its feature map names the layer and the shape', () => {
  // 28 -conv3-> 26 -pool-> 13 -conv3-> 11 -pool-> 5 -conv3-> 3 -pool-> 1 -conv3-> too big
  const layers: Record<string, unknown>[] = [];
  for (let i = 0; i < 3; i++) layers.push({ type: 'conv', filters: 32, kernel: 3 }, { type: 'maxPool' });
  layers.push({ type: 'conv', filters: 32, kernel: 3 }, { type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' });
  assert.deepEqual(issues({ name: 'x', input: 'image', layers }), [
    "spec.layers[6] (conv): kernel 3x3 is larger than the [1, 1, 32] feature map it would see (padding 'valid'); use a smaller kernel or padding 'same'",
  ]);
  // With 'same' padding tf pads the input, so the same kernel is fine.
  layers[6] = { type: 'conv', filters: 32, kernel: 3, padding: 'same' };
  assert.doesNotThrow(() => validateSpec({ name: 'x', input: 'image', layers }));
  assert.deepEqual(issues({ name: 'x', input: 'image', layers: [{ type: 'avgPool', size: [2, 29] }, { type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }] }), [
    "spec.layers[0] (avgPool): pool 2x29 is larger than the [28, 28, 1] feature map it would see (padding 'valid'); use a smaller pool or padding 'same'",
  ]);
});

test('structure: the output must have `classes` units and end in softmax', () => {
  const spec = cnn();
  spec.layers[3].units = 128;
  assert.deepEqual(issues(spec), [
    'spec.layers: the model outputs [128] but classes is 10; end with a dense layer of 10 units and activation softmax',
  ]);
  assert.deepEqual(issues({ ...cnn(), classes: 5 }), [
    'spec.layers: the model outputs [10] but classes is 5; end with a dense layer of 5 units and activation softmax',
  ]);
  const five = cnn();
  five.classes = 5;
  five.layers[3].units = 5;
  assert.doesNotThrow(() => validateSpec(five));
  const linear = cnn();
  delete linear.layers[3].activation;
  assert.deepEqual(issues(linear), [
    "spec.layers[3].activation: the output layer must use softmax so the model outputs class probabilities, got 'linear'",
  ]);
  const pooled = { name: 'x', input: 'image', layers: [{ type: 'conv', filters: 10, kernel: 3 }, { type: 'globalAvgPool' }] };
  assert.deepEqual(issues(pooled), [
    'spec.layers[1]: the model must end in softmax so it outputs class probabilities; got a globalAvgPool layer last (add a dense layer with activation softmax)',
  ]);
  pooled.layers.push({ type: 'activation', activation: 'softmax' } as never);
  assert.doesNotThrow(() => validateSpec(pooled));
});

test('the `where` argument prefixes every path', () => {
  const spec = cnn();
  spec.layers[0].filters = 0;
  assert.deepEqual(issues(spec, 'models/a.yaml'), ['models/a.yaml.layers[0].filters: expected a positive integer, got 0']);
});
