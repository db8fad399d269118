import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetNames, presetPath, resolveStudyFile } from '../src/tune/presets.ts';
import {
  definitionChange, instantiate, parseStudy, readStudyFile, StudyFileError, trialSetup, type StudyDefinition,
} from '../src/tune/study-file.ts';
import { DEFAULT_LR } from '../src/train/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'fmnist-study-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Obj = Record<string, unknown>;

/** A valid study: a template MLP with a conditional second layer, and training settings as parameters. */
function study(): Obj {
  return {
    metric: 'val_accuracy',
    sampler: 'random',
    trials: 4,
    base: {
      model: {
        input: 'flat',
        layers: [
          { type: 'dense', units: '$units_1', activation: { type: 'leakyRelu', alpha: '$alpha' } },
          { type: 'dense', units: '$units_2', activation: 'relu', when: { param: 'num_layers', gte: 2 } },
          { type: 'dropout', rate: '$dropout', when: { param: 'use_dropout', equals: true } },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
      },
      epochs: 2,
      val: 0.2,
      limitTrain: 1000,
    },
    params: {
      learning_rate: { type: 'float', low: 1e-4, high: 1e-2, log: true },
      optimizer: ['adam', 'sgd'],
      num_layers: { type: 'int', low: 1, high: 2 },
      units_1: { type: 'int', low: 16, high: 64, step: 16 },
      units_2: { type: 'int', low: 16, high: 64, step: 16, when: { param: 'num_layers', gte: 2 } },
      alpha: { type: 'float', low: 0.1, high: 0.3 },
      use_dropout: { type: 'bool' },
      dropout: { type: 'float', low: 0, high: 0.5, step: 0.1, when: { param: 'use_dropout', equals: true } },
      batch_size: [32, 64],
    },
  };
}

/** The study with `patch` applied at a dotted path (undefined deletes the field). */
function withField(path: string, value: unknown, base = study()): Obj {
  const keys = path.split('.');
  let o = base;
  for (const k of keys.slice(0, -1)) o = o[k] as Obj;
  if (value === undefined) delete o[keys.at(-1)!];
  else o[keys.at(-1)!] = value;
  return base;
}

function issuesOf(raw: unknown): string[] {
  try {
    parseStudy(raw, 's.yaml');
  } catch (err) {
    assert.ok(err instanceof StudyFileError, `expected a StudyFileError, got ${(err as Error).name}: ${(err as Error).message}`);
    return err.issues;
  }
  assert.fail('expected the study to be rejected');
}

test('a valid study: defaults filled in, the definition keeps the file content', () => {
  const { study: def, space, objectiveConfig } = parseStudy(study(), 's.yaml', { name: 'mine' });
  assert.deepEqual(
    { name: def.name, metric: def.metric, direction: def.direction, objective: def.objective, sampler: def.sampler, pruner: def.pruner, trials: def.trials, seed: def.seed },
    { name: 'mine', metric: 'val_accuracy', direction: 'maximize', objective: 'last', sampler: { name: 'random' }, pruner: { name: 'none' }, trials: 4, seed: 0 },
  );
  assert.deepEqual(space.params.map((p) => p.name), ['learning_rate', 'optimizer', 'num_layers', 'units_1', 'units_2', 'alpha', 'use_dropout', 'dropout', 'batch_size']);
  assert.deepEqual(def.params, study().params);
  assert.deepEqual(def.base, study().base);
  assert.equal(objectiveConfig.config.epochs, 2);
  assert.deepEqual(objectiveConfig.config.validation, { kind: 'stratified', fraction: 0.2 });
  assert.equal(objectiveConfig.config.limitTrain, 1000);
});

test('val_loss defaults to minimize; the overrides replace budget, sampler and pruner (dropping their file options)', () => {
  const raw = { ...study(), metric: 'val_loss', sampler: { name: 'tpe', nStartupTrials: 3 }, pruner: { name: 'median', nWarmupSteps: 1 } };
  const kept = parseStudy(raw).study;
  assert.equal(kept.direction, 'minimize');
  assert.deepEqual(kept.sampler, { name: 'tpe', nStartupTrials: 3 });
  assert.deepEqual(kept.pruner, { name: 'median', nWarmupSteps: 1 });
  const over = parseStudy(raw, 's', { trials: 9, sampler: 'random', pruner: 'sh' }).study;
  assert.deepEqual([over.trials, over.sampler, over.pruner], [9, { name: 'random' }, { name: 'sh' }]);
  const same = parseStudy(raw, 's', { sampler: 'tpe' }).study;
  assert.deepEqual(same.sampler, { name: 'tpe', nStartupTrials: 3 }, 'naming the same sampler keeps its options');
});

test('template substitution: $names replaced (nested too), conditional layers kept only when active', () => {
  const { objectiveConfig: oc } = parseStudy(study(), 's', { name: 'mine' });
  const one = trialSetup(oc, { learning_rate: 0.003, optimizer: 'adam', num_layers: 1, units_1: 32, alpha: 0.2, use_dropout: false, batch_size: 64 });
  assert.deepEqual(one.spec, {
    name: 'mine-model', input: 'flat',
    layers: [
      { type: 'dense', units: 32, activation: { type: 'leakyRelu', alpha: 0.2 } },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  });
  assert.equal(one.config.optimizer.learningRate, 0.003);
  assert.equal(one.config.batchSize, 64);
  assert.equal(one.config.model, 'mine-model');
  const two = trialSetup(oc, {
    learning_rate: 0.001, optimizer: 'sgd', num_layers: 2, units_1: 16, units_2: 64, alpha: 0.1, use_dropout: true, dropout: 0.3, batch_size: 32,
  });
  assert.deepEqual(two.spec.layers, [
    { type: 'dense', units: 16, activation: { type: 'leakyRelu', alpha: 0.1 } },
    { type: 'dense', units: 64, activation: 'relu' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 10, activation: 'softmax' },
  ]);
  assert.deepEqual(two.config.optimizer, { name: 'sgd', learningRate: 0.001 });
  // Values of inactive parameters are ignored, not substituted.
  const extra = trialSetup(oc, { learning_rate: 0.001, optimizer: 'adam', num_layers: 1, units_1: 16, units_2: 48, alpha: 0.1, use_dropout: false, dropout: 0.4, batch_size: 32 });
  assert.equal(extra.spec.layers.length, 2);
});

test('instantiate: a $name without a value in the trial is an error naming the field', () => {
  const template = { name: 't', input: 'flat', layers: [{ type: 'dense', units: '$u', activation: 'softmax' }] };
  assert.deepEqual(instantiate(template, { u: 10 }).layers, [{ type: 'dense', units: 10, activation: 'softmax' }]);
  assert.throws(() => instantiate(template, {}), (e: StudyFileError) =>
    e.issues[0] === 'model.layers[0].units: $u has no value in this trial (inactive or unknown); params: {}');
});

test('an optimizer parameter starts from that optimizer\'s defaults, unless the base gives lr', () => {
  const params = { optimizer: ['adam', 'sgd', 'adadelta'] };
  // seed002-ann's source trains with SGD at 0.01: that rate must not follow a trial to Adadelta.
  const zooModel = parseStudy({ base: { model: 'seed002-ann', val: 0.1 }, params }).objectiveConfig;
  assert.deepEqual(trialSetup(zooModel, { optimizer: 'sgd' }).config.optimizer, { name: 'sgd', learningRate: 0.01 });
  assert.deepEqual(trialSetup(zooModel, { optimizer: 'adadelta' }).config.optimizer, { name: 'adadelta' });
  assert.equal(DEFAULT_LR.adadelta, 0.001);
  const withLr = parseStudy({ base: { model: 'seed002-ann', val: 0.1, lr: 0.05 }, params }).objectiveConfig;
  assert.deepEqual(trialSetup(withLr, { optimizer: 'adadelta' }).config.optimizer, { name: 'adadelta', learningRate: 0.05 });
  // The zoo model's own training settings are the defaults under the base's.
  assert.equal(zooModel.config.batchSize, 128);
  assert.equal(zooModel.config.epochs, 50);
});

test('every training-setting parameter name sets its field', () => {
  const settings: [string, unknown, (c: ReturnType<typeof trialSetup>['config']) => unknown][] = [
    ['lr', 0.02, (c) => c.optimizer.learningRate], ['learningRate', 0.02, (c) => c.optimizer.learningRate],
    ['batchSize', 256, (c) => c.batchSize], ['epochs', 7, (c) => c.epochs], ['momentum', 0.9, (c) => c.optimizer.momentum],
    ['nesterov', true, (c) => c.optimizer.nesterov], ['beta1', 0.8, (c) => c.optimizer.beta1], ['beta2', 0.99, (c) => c.optimizer.beta2],
    ['rho', 0.95, (c) => c.optimizer.rho], ['epsilon', 1e-6, (c) => c.optimizer.epsilon], ['labelSmoothing', 0.1, (c) => c.labelSmoothing],
    ['label_smoothing', 0.1, (c) => c.labelSmoothing], ['scaling', 'standardize', (c) => c.scaling],
    ['schedule', 'cosine', (c) => c.schedule],
  ];
  for (const [name, value, get] of settings) {
    const oc = parseStudy({ base: { model: 'mlp' }, params: { [name]: { type: 'fixed', value } } }).objectiveConfig;
    const expected = name === 'schedule' ? { kind: value } : value;
    assert.deepEqual(get(trialSetup(oc, { [name]: value as number }).config), expected, name);
  }
});

test('the base: schedule, early stopping, reduce-LR and validation split', () => {
  const oc = parseStudy({
    base: { model: 'mlp', schedule: { kind: 'step', every: 2, gamma: 0.5 }, earlyStopping: 3, reduceLr: 2, val: 'per-class:100', limitTest: 50, scaling: 'standardize' },
    params: { lr: [0.1] },
  }).objectiveConfig;
  assert.deepEqual(oc.config.schedule, { kind: 'step', every: 2, gamma: 0.5 });
  assert.deepEqual(oc.config.earlyStopping, { monitor: 'val_loss', patience: 3, restoreBestWeights: true });
  assert.deepEqual(oc.config.reduceLROnPlateau, { monitor: 'val_loss', patience: 2, factor: 0.5 });
  assert.deepEqual(oc.config.validation, { kind: 'stratified', perClass: 100 });
  assert.equal(oc.config.limitTest, 50);
  assert.deepEqual(parseStudy({ base: { model: 'mlp', schedule: 'cosine:1e-5' }, params: { lr: [0.1] } }).objectiveConfig.config.schedule, { kind: 'cosine', minLr: 1e-5 });
  // A zoo model's own training settings (small-cnn: 8 epochs, cosine decay) are the base's defaults, as for fmnist train.
  const zoo = parseStudy({ base: { model: 'small-cnn' }, params: { lr: [0.1] } }).objectiveConfig.config;
  assert.deepEqual([zoo.epochs, zoo.schedule], [8, { kind: 'cosine' }]);
});

test('errors of the top level, each naming the field and what was expected', () => {
  assert.deepEqual(issuesOf([1]), ['s.yaml: expected an object (metric, base, params, ...), got an array [1]']);
  assert.deepEqual(issuesOf(withField('metrik', 'val_loss')), [
    's.yaml.metrik: unknown field; expected one of name, description, metric, direction, objective, sampler, pruner, trials, seed, base, params, table; did you mean \'metric\'?',
  ]);
  assert.deepEqual(issuesOf(withField('name', '')), ['s.yaml.name: expected a non-empty string, got \'\'']);
  assert.deepEqual(issuesOf(withField('description', 3)), ['s.yaml.description: expected a string, got 3']);
  assert.deepEqual(issuesOf(withField('metric', 'accuracy')), ['s.yaml.metric: expected one of val_accuracy, val_loss, got \'accuracy\'']);
  assert.deepEqual(issuesOf(withField('direction', 'up')), ['s.yaml.direction: expected one of maximize, minimize, got \'up\'']);
  assert.deepEqual(issuesOf(withField('direction', 'minimize')), ['s.yaml.direction: minimize val_accuracy would search for the worst models; val_accuracy is maximized']);
  assert.deepEqual(issuesOf(withField('objective', 'mean')), ['s.yaml.objective: expected one of last, best, got \'mean\'']);
  assert.deepEqual(issuesOf(withField('sampler', 7)), ['s.yaml.sampler: expected a name or {name: NAME, ...options}, got 7']);
  assert.match(issuesOf(withField('sampler', 'anneal'))[0], /^s\.yaml\.sampler: unknown sampler "anneal": expected one of grid, random, tpe/);
  assert.deepEqual(issuesOf(withField('sampler', { name: 'tpe', localStepsAfter: 'x' })),
    ['s.yaml.sampler: tpe sampler: localStepsAfter must be an integer >= 0, got "x"']);
  assert.deepEqual(issuesOf(withField('pruner', { name: 'median', patience: 2 })),
    ['s.yaml.pruner: median pruner: unknown option "patience" (accepted: nStartupTrials, nWarmupSteps, intervalSteps, nMinTrials)']);
  assert.deepEqual(issuesOf(withField('trials', 0)), ['s.yaml.trials: expected an integer ≥ 1, got 0']);
  assert.deepEqual(issuesOf(withField('seed', -1)), ['s.yaml.seed: expected an integer ≥ 0, got -1']);
  assert.deepEqual(issuesOf(withField('params', undefined)), ['s.yaml.params: missing; expected the search space (name: definition, ...)']);
  assert.deepEqual(issuesOf(withField('params.units_1', { type: 'int', low: 64, high: 16 })),
    ['s.yaml.params.units_1.high: expected a value greater than low (64), got 16']);
  assert.deepEqual(issuesOf(withField('base', undefined)), ['s.yaml.base: missing; expected the base training {model, epochs, ...}']);
  assert.deepEqual(issuesOf(withField('base', 'mlp')), ['s.yaml.base: expected the base training {model, epochs, ...}, got \'mlp\'']);
});

const SETTINGS = '(optimizer, lr, batchSize, epochs, momentum, nesterov, beta1, beta2, rho, epsilon, labelSmoothing, scaling, schedule)';

test('errors of the base training and the model', () => {
  assert.deepEqual(issuesOf(withField('base.epoch', 3)), [
    's.yaml.base.epoch: unknown field; expected one of model, epochs, batchSize, optimizer, lr, momentum, nesterov, labelSmoothing, val, scaling, ' +
      'schedule, earlyStopping, reduceLr, limitTrain, limitTest; did you mean \'epochs\'?',
  ]);
  // A missing or broken model is reported alone (whether parameters land can't be told without it).
  assert.deepEqual(issuesOf(withField('base.model', undefined)), ['s.yaml.base.model: missing; expected a zoo model name, a spec file or an inline spec']);
  assert.deepEqual(issuesOf(withField('base.model', 'mlpp')), ['s.yaml.base.model: unknown model \'mlpp\': neither a zoo model nor a spec file; did you mean mlp?']);
  assert.deepEqual(issuesOf(withField('base.model', 5)), ['s.yaml.base.model: expected a zoo model name, a spec file or an inline spec, got 5']);
  assert.deepEqual(issuesOf(withField('base.model.layers', 'x')), ['s.yaml.base.model.layers: expected a list of layers, got \'x\'']);
  assert.deepEqual(issuesOf(withField('base.epochs', 0)), ['s.yaml.base.epochs: expected a positive integer, got 0']);
  assert.deepEqual(issuesOf(withField('base.optimizer', 'adamw')), ['s.yaml.base.optimizer: expected one of sgd, adam, nadam, rmsprop, adagrad, adadelta, adamax, got \'adamw\'']);
  assert.deepEqual(issuesOf(withField('base.lr', -1)), ['s.yaml.base.lr: expected a positive number, got -1']);
  assert.deepEqual(issuesOf(withField('base.schedule', 'linear')),
    ['s.yaml.base.schedule: \'linear\': expected constant, step:EVERY:GAMMA, cosine[:MIN_LR] or one-cycle[:MAX_LR]']);
  assert.deepEqual(issuesOf(withField('base.schedule', 7)), [
    's.yaml.base.schedule: expected constant, step:EVERY:GAMMA, cosine[:MIN_LR], one-cycle[:MAX_LR] or {kind: constant|step|cosine|one-cycle, ...}, got 7',
  ]);
  assert.deepEqual(issuesOf(withField('base.schedule', { kind: 'step', every: 0, gamma: 0.5 })), ['s.yaml.base.schedule.every: expected a positive integer, got 0']);
  assert.deepEqual(issuesOf(withField('base.val', 'half')),
    ['s.yaml.base.val: \'half\' is not a validation split; expected a fraction in (0,1) (stratified), per-class:N, first:N, or none']);
  assert.deepEqual(issuesOf(withField('base.val', 'none')), ['s.yaml.base.val: the metric val_accuracy needs a validation split, but it is none']);
  assert.deepEqual(issuesOf(withField('base.earlyStopping', -1)), ['s.yaml.base.earlyStopping: expected a patience in epochs (an integer ≥ 0), got -1']);
  assert.deepEqual(issuesOf(withField('base.reduceLr', 0)), ['s.yaml.base.reduceLr: expected a patience in epochs (an integer ≥ 1), got 0']);
  assert.deepEqual(issuesOf(withField('base.limitTrain', 2.5)), ['s.yaml.base.limitTrain: expected a positive integer, got 2.5']);
});

test('errors of the template: unknown $names, conditional values outside guarded layers, bad conditions', () => {
  const NAMES = 'learning_rate, optimizer, num_layers, units_1, units_2, alpha, use_dropout, dropout, batch_size';
  const unused = (p: string) => `s.yaml.params.${p}: lands nowhere: it is not a training setting ${SETTINGS}, and the model never uses it (as $${p} or in a when:)`;
  assert.deepEqual(issuesOf(withField('base.model.layers.0.units', '$unit_1')), [
    `s.yaml.base.model.layers[0].units: unknown parameter '$unit_1'; did you mean '$units_1'?; the search space has ${NAMES}`,
    unused('units_1'),
  ]);
  assert.deepEqual(issuesOf(withField('base.model.layers.0.units', '$ units')), [
    `s.yaml.base.model.layers[0].units: unknown parameter '$ units'; the search space has ${NAMES}`,
    unused('units_1'),
  ]);
  assert.deepEqual(issuesOf(withField('base.model.layers.1.when', undefined)), [
    's.yaml.base.model.layers[1].units: $units_2 is only active when num_layers >= 2, but its layer has no when:; guard the layer with when: {"param":"num_layers","gte":2}',
  ]);
  assert.deepEqual(issuesOf(withField('base.model.name', '$units_2')), [
    's.yaml.base.model.name: $units_2 is only active when num_layers >= 2, but only layers can be left out; use an unconditional parameter here',
  ]);
  assert.deepEqual(issuesOf(withField('base.model.layers.1.when', { param: 'layers', gte: 2 })), [
    `s.yaml.base.model.layers[1].when.param: unknown parameter 'layers'; expected one of the earlier parameters (${NAMES}); did you mean 'num_layers'?`,
  ]);
  assert.deepEqual(issuesOf(withField('base.model.layers.1.when', { param: 'num_layers', gte: 2, lte: 1 })),
    ['s.yaml.base.model.layers[1].when: expected exactly one comparison (equals, in, gte or lte), got gte and lte']);
  assert.deepEqual(issuesOf(withField('base.model.layers.1.when', { param: 'num_layers', gte: 3 })),
    ['s.yaml.base.model.layers[1].when.gte: \'num_layers\' >= 3 never holds: \'num_layers\' is at most 2']);
  // A layer that doesn't validate names the template's layer (index 3, though only 2 layers precede it in that trial).
  assert.deepEqual(issuesOf(withField('base.model.layers.3.activation', 'softplus')), [
    's.yaml.base.model.layers[3].activation: unknown activation \'softplus\'; expected one of relu, leakyRelu, elu, selu, gelu, tanh, sigmoid, ' +
      'linear, softmax, or {type: leakyRelu, alpha} (with learning_rate=1e-4 optimizer=adam num_layers=1 units_1=16 alpha=0.1 use_dropout=false batch_size=32)',
  ]);
});

test('the template is built at both corners of the space: a shape that only fails at one end is caught', () => {
  const raw = {
    base: { model: { input: 'image', layers: [
      { type: 'conv', filters: 8, kernel: '$k' }, { type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }] } },
    params: { k: { type: 'int', low: 3, high: 29 } },
  };
  assert.deepEqual(issuesOf(raw), [
    's.yaml.base.model.layers[0] (conv): kernel 29x29 is larger than the [28, 28, 1] feature map it would see (padding \'valid\'); ' +
      'use a smaller kernel or padding \'same\' (with k=29)',
  ]);
  raw.params.k.high = 28;
  assert.doesNotThrow(() => parseStudy(raw));
});

test('every parameter must land: a training setting, a $name, or a condition; settings check their values', () => {
  assert.deepEqual(issuesOf(withField('params.extra', [1, 2])),
    [`s.yaml.params.extra: lands nowhere: it is not a training setting ${SETTINGS}, and the model never uses it (as $extra or in a when:)`]);
  assert.deepEqual(issuesOf({ base: { model: 'mlp' }, params: { lr: [0.1], width: [1, 2] } }), [
    `s.yaml.params.width: lands nowhere: it is not a training setting ${SETTINGS}, and base.model is 'mlp', which takes no parameters (write the model inline to use $width)`,
  ]);
  assert.deepEqual(issuesOf({ base: { model: 'mlp' }, params: { learningrate: [0.1] } }), [
    `s.yaml.params.learningrate: lands nowhere: it is not a training setting ${SETTINGS}, did you mean 'learningRate'?, and base.model is 'mlp', ` +
      'which takes no parameters (write the model inline to use $learningrate)',
  ]);
  // A parameter only used in another's condition lands (num_layers gates units_2 and layer 1).
  assert.doesNotThrow(() => parseStudy(study()));
  assert.deepEqual(issuesOf(withField('params.batch_size', [32, 0])),
    ['s.yaml.params.batch_size: sets the training setting batch_size, which takes a positive integer, but the space allows 0']);
  assert.deepEqual(issuesOf(withField('params.epochs', { type: 'float', low: 1, high: 3 })),
    ['s.yaml.params.epochs: sets epochs, an integer, but is a float; use {type: int} or a choice']);
  assert.deepEqual(issuesOf(withField('params.optimizer', ['adam', 'lion'])), [
    's.yaml.params.optimizer: sets the training setting optimizer, which takes one of sgd, adam, nadam, rmsprop, adagrad, adadelta, adamax, but the space allows \'lion\'',
  ]);
  assert.deepEqual(issuesOf(withField('params.momentum', { type: 'float', low: 0.5, high: 1.5 })),
    ['s.yaml.params.momentum: sets the training setting momentum, which takes a number in [0, 1), but the space allows 1.5']);
  assert.deepEqual(issuesOf(withField('params.schedule', ['cosine', 'step'])),
    ['s.yaml.params.schedule: sets the training setting schedule, which takes one of constant, cosine, one-cycle, but the space allows \'step\'']);
});

test('errors of a preset table', () => {
  assert.deepEqual(issuesOf(withField('table', 'x')), ['s.yaml.table: expected {title?, columns: [{header, value}, ...], sort?, descending?}, got \'x\'']);
  assert.deepEqual(issuesOf(withField('table', { columns: [{ header: 'a' }] })),
    ['s.yaml.table.columns[0]: expected {header: TEXT, value: FIELD or [PARAM, ...], scale?, digits?}, got an object {"header":"a"}']);
  assert.deepEqual(issuesOf(withField('table', { titel: 'x', columns: [{ header: 'a', value: 'alpha', scale: 0, digits: 20, fmt: 1 }], sort: 3, descending: 'yes' })), [
    's.yaml.table.titel: unknown field; expected one of title, columns, sort, descending',
    's.yaml.table.columns[0].fmt: unknown field; expected one of header, value, scale, digits',
    's.yaml.table.columns[0].scale: expected a positive number, got 0',
    's.yaml.table.columns[0].digits: expected an integer in 0..12, got 20',
    's.yaml.table.sort: expected a field name or a list of them, got 3',
    's.yaml.table.descending: expected true or false, got \'yes\'',
  ]);
  const FIELDS = 'number, state, value, epochs, run, test_accuracy, test_loss, val_accuracy, val_loss';
  assert.deepEqual(issuesOf(withField('table', { columns: [{ header: 'a', value: ['units_1', 'unit_2'] }], sort: 'valu' })), [
    `s.yaml.table.columns[0].value: unknown field 'unit_2'; expected a parameter or one of ${FIELDS}; did you mean 'units_2'?`,
    `s.yaml.table.sort: unknown field 'valu'; expected a parameter or one of ${FIELDS}; did you mean 'value'?`,
  ]);
  const ok = parseStudy(withField('table', { title: 'T', columns: [{ header: 'lr', value: 'learning_rate', digits: 4 }], sort: 'learning_rate' })).study.table;
  assert.deepEqual(ok, { title: 'T', columns: [{ header: 'lr', value: 'learning_rate', digits: 4 }], sort: ['learning_rate'] });
});

test('reading study files: YAML and JSON, with errors that name the file', () => {
  const yaml = join(dir, 'a.yaml');
  writeFileSync(yaml, 'metric: val_loss\nbase: {model: mlp}\nparams:\n  lr: {type: float, low: 1.0e-4, high: 1.0e-1, log: true}\n');
  assert.equal(parseStudy(readStudyFile(yaml), yaml).study.direction, 'minimize');
  const json = join(dir, 'a.json');
  writeFileSync(json, JSON.stringify({ base: { model: 'mlp' }, params: { lr: [0.1, 0.01] } }));
  assert.deepEqual(parseStudy(readStudyFile(json)).space.params[0].dist, { type: 'choice', values: [0.1, 0.01] });
  const fails = (path: string, message: string) => assert.throws(() => readStudyFile(path), (e: StudyFileError) => e.issues[0] === message);
  fails(join(dir, 'a.txt'), `${join(dir, 'a.txt')}: unsupported study file type '.txt'; expected .yaml, .yml or .json`);
  fails(join(dir, 'none.yaml'), `${join(dir, 'none.yaml')}: no such file`);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'base: [unclosed\n');
  assert.throws(() => readStudyFile(bad), (e: StudyFileError) => e.issues[0].startsWith(`${bad}: invalid YAML: `));
  const badJson = join(dir, 'bad.json');
  writeFileSync(badJson, '{"base": ');
  assert.throws(() => readStudyFile(badJson), (e: StudyFileError) => e.issues[0].startsWith(`${badJson}: invalid JSON: `));
});

test('definitionChange: the first difference in what makes the study, not in its budget or sampler', () => {
  const a = parseStudy(study()).study;
  const same: StudyDefinition = { ...parseStudy(study(), 's', { trials: 40, sampler: 'tpe', pruner: 'median' }).study };
  assert.equal(definitionChange(a, same), undefined);
  assert.equal(definitionChange(a, parseStudy(withField('base.epochs', 3)).study), 'base.epochs: 2 → 3');
  assert.equal(definitionChange(a, parseStudy(withField('params.units_1.high', 128)).study), 'params.units_1.high: 64 → 128');
  assert.equal(definitionChange(a, parseStudy({ ...study(), seed: 5 }).study), 'seed: 0 → 5');
  assert.equal(definitionChange(a, parseStudy(withField('base.lr', 0.1)).study), 'base.lr: (none) → 0.1');
  // The order of the parameters matters too (a condition looks back).
  const reordered = study();
  const { batch_size, ...rest } = reordered.params as Obj;
  reordered.params = { batch_size, ...rest };
  assert.match(definitionChange(a, parseStudy(reordered).study)!, /^params: order learning_rate, .* → batch_size, learning_rate/);
});

test('presets resolve by name (a close miss suggests names) and every preset parses', () => {
  const names = presetNames();
  assert.deepEqual(names, [
    'mlp-prune', 'mlp-search', 'seed000-activation-optimizer', 'seed002-batch-size', 'seed002-lr', 'seed002-optimizer', 'seed003-cnn', 'seed003-mlp',
  ]);
  for (const name of names) {
    const path = presetPath(name);
    const { study: def, space } = parseStudy(readStudyFile(path), path);
    assert.equal(def.name, name, `${name}: its name field`);
    assert.ok(def.table, `${name}: a result table`);
    assert.ok(space.params.length > 0);
  }
  assert.throws(() => presetPath('seed002-lrr'), (e: StudyFileError) => e.issues[0].startsWith("unknown preset 'seed002-lrr'; did you mean seed002-lr"));
  assert.deepEqual(resolveStudyFile('seed003-mlp'), { path: presetPath('seed003-mlp'), defaultName: 'seed003-mlp' });
  assert.deepEqual(resolveStudyFile('x/my-study.yaml'), { path: 'x/my-study.yaml', defaultName: 'my-study' });
});

test('the presets translate the seed reports: the 35-pair grid and Keras Tuner spaces', () => {
  const load = (n: string) => parseStudy(readStudyFile(presetPath(n)), n);
  const grid = load('seed000-activation-optimizer');
  assert.equal(grid.study.sampler.name, 'grid');
  assert.equal(grid.study.trials, 35);
  const [act, opt] = grid.space.params.map((p) => p.dist);
  assert.deepEqual(act, { type: 'choice', values: ['relu', 'selu', 'elu', 'tanh', 'leakyRelu'] });
  assert.deepEqual(opt, { type: 'choice', values: ['adam', 'sgd', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam'] });
  const mlp = load('seed003-mlp');
  const d = (n: string) => mlp.space.params.find((p) => p.name === n);
  assert.deepEqual(d('num_layers')?.dist, { type: 'int', low: 2, high: 5, step: 1 });
  assert.deepEqual(d('units_1')?.dist, { type: 'int', low: 32, high: 512, step: 32 });
  assert.deepEqual(d('dropout_1')?.dist, { type: 'float', low: 0, high: 0.3, step: 0.1 });
  assert.deepEqual(d('learning_rate')?.dist, { type: 'choice', values: [0.001, 0.0001, 1e-5] });
  assert.deepEqual(d('units_4')?.when, { param: 'num_layers', gte: 4 });
  // Figure 2's best: 4 layers 448-32-32-32, dropout 0.3 after the first, lr 1e-4.
  const best = trialSetup(mlp.objectiveConfig, {
    num_layers: 4, units_1: 448, dropout_1: 0.3, units_2: 32, dropout_2: 0, units_3: 32, dropout_3: 0, units_4: 32, dropout_4: 0, learning_rate: 1e-4,
  });
  assert.deepEqual(best.spec.layers.filter((l) => l.type === 'dense').map((l) => (l as { units: number }).units), [448, 32, 32, 32, 10]);
  assert.equal(best.config.optimizer.learningRate, 1e-4);
  const cnn = load('seed003-cnn');
  assert.equal(cnn.space.params.length, 11, 'Figure 10: "Default search space size: 11"');
  assert.deepEqual(cnn.space.params.map((p) => p.name), [
    'conv_1_filter', 'conv_1_kernel', 'conv_2_filter', 'conv_2_kernel', 'dropout_115', 'conv_3_filter', 'conv_3_kernel',
    'dropout_215', 'units_15', 'dropout_315', 'learning_rate',
  ]);
});
