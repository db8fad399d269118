import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activeParams, fromUnit, gridPoints, gridValues, isActive, parseSpace, SpaceError, spaceSummary, toUnit, unitStep,
  validateParams,
} from '../src/tune/space.ts';
import type { Distribution } from '../src/tune/types.ts';
import { mulberry32 } from '../src/data/random.ts';

const EXAMPLE = {
  lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
  optimizer: { type: 'choice', values: ['adam', 'sgd'] },
  num_layers: { type: 'int', low: 1, high: 3 },
  units_3: { type: 'int', low: 32, high: 256, step: 32, when: { param: 'num_layers', gte: 3 } },
  dropout: { type: 'bool' },
  act: { type: 'fixed', value: 'relu' },
};

/** The issues parseSpace reports for `obj` (fails the test if it accepts it). */
function issues(obj: unknown): string[] {
  try {
    parseSpace(obj);
  } catch (err) {
    assert.ok(err instanceof SpaceError, `expected a SpaceError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('parseSpace accepted an invalid space');
}

function oneIssue(obj: unknown): string {
  const found = issues(obj);
  assert.equal(found.length, 1, `expected one issue, got:\n${found.join('\n')}`);
  return found[0];
}

test('parses every distribution type, in order, with shorthands', () => {
  const space = parseSpace({ ...EXAMPLE, batch: [32, 64, 128], seed: 7 });
  assert.deepEqual(space.params.map((p) => p.name), ['lr', 'optimizer', 'num_layers', 'units_3', 'dropout', 'act', 'batch', 'seed']);
  assert.deepEqual(space.params[0].dist, { type: 'float', low: 1e-4, high: 1e-1, log: true });
  assert.deepEqual(space.params[1].dist, { type: 'choice', values: ['adam', 'sgd'] });
  assert.deepEqual(space.params[2].dist, { type: 'int', low: 1, high: 3 });
  assert.deepEqual(space.params[3], { name: 'units_3', dist: { type: 'int', low: 32, high: 256, step: 32 }, when: { param: 'num_layers', gte: 3 } });
  assert.deepEqual(space.params[4].dist, { type: 'bool' });
  assert.deepEqual(space.params[5].dist, { type: 'fixed', value: 'relu' });
  assert.deepEqual(space.params[6].dist, { type: 'choice', values: [32, 64, 128] });
  assert.deepEqual(space.params[7].dist, { type: 'fixed', value: 7 });
});

test('every error names its path and what was expected', () => {
  const cases: [unknown, string][] = [
    [[1, 2], 'params: expected an object of parameter definitions (name: definition), got an array [1,2]'],
    [{}, 'params: expected at least one parameter, got none'],
    [{ '3x': [1, 2] }, "params.3x: invalid parameter name; expected a letter or '_' followed by letters, digits, '_' or '-'"],
    [{ a: null }, 'params.a: expected a definition {type: float|int|choice|bool|fixed, ...}, a list of choices or a fixed value, got null'],
    [{ a: { low: 1 } }, 'params.a.type: missing; expected one of float, int, choice, bool, fixed'],
    [{ a: { type: 'flot', low: 0, high: 1 } }, "params.a.type: expected one of float, int, choice, bool, fixed, got 'flot'; did you mean 'float'?"],
    [{ a: { type: 'float', low: 0, high: 1, logg: true } }, "params.a.logg: unknown field for a float parameter; expected one of type, low, high, step, log, when; did you mean 'log'?"],
    [{ a: { type: 'float', high: 1 } }, 'params.a.low: missing; expected a number'],
    [{ a: { type: 'float', low: 'x', high: 1 } }, "params.a.low: expected a number, got 'x'"],
    [{ a: { type: 'int', low: 1.5, high: 4 } }, 'params.a.low: expected an integer, got 1.5'],
    [{ a: { type: 'float', low: 1, high: 1 } }, 'params.a.high: expected a value greater than low (1), got 1; use {type: fixed} for a single value'],
    [{ a: { type: 'int', low: 5, high: 2 } }, 'params.a.high: expected a value greater than low (5), got 2'],
    [{ a: { type: 'float', low: 0, high: 1, log: true } }, 'params.a.low: expected a number greater than 0 with log: true, got 0'],
    [{ a: { type: 'int', low: 0, high: 8, log: true } }, 'params.a.low: expected an integer of at least 1 with log: true, got 0'],
    [{ a: { type: 'float', low: 0, high: 1, log: 'yes' } }, "params.a.log: expected true or false, got 'yes'"],
    [{ a: { type: 'float', low: 1, high: 10, step: 1, log: true } }, 'params.a.step: cannot be combined with log: true (a log scale has no even step)'],
    [{ a: { type: 'int', low: 1, high: 9, step: 2, log: true } }, 'params.a.step: expected 1 with log: true, got 2'],
    [{ a: { type: 'int', low: 32, high: 250, step: 32 } }, 'params.a.step: 32 does not divide the range 32..250 (a span of 218) into whole steps'],
    [{ a: { type: 'float', low: 0, high: 1, step: 0.3 } }, 'params.a.step: 0.3 does not divide the range 0..1 (a span of 1) into whole steps'],
    [{ a: { type: 'int', low: 0, high: 4, step: 0.5 } }, 'params.a.step: expected a positive integer, got 0.5'],
    [{ a: { type: 'float', low: 0, high: 1, step: -0.1 } }, 'params.a.step: expected a positive number, got -0.1'],
    [{ a: { type: 'choice' } }, 'params.a.values: missing; expected a non-empty list of distinct values'],
    [{ a: { type: 'choice', values: 'adam' } }, "params.a.values: expected a non-empty list of distinct values, got 'adam'"],
    [{ a: [] }, 'params.a: expected a non-empty list of distinct values, got an empty list'],
    [{ a: ['x', 'y', 'x'] }, "params.a[2]: duplicate value 'x'; choices must be distinct"],
    [{ a: { type: 'choice', values: [1, [2]] } }, 'params.a.values[1]: expected a number, string or boolean, got an array [2]'],
    [{ a: { type: 'bool', values: [true] } }, 'params.a.values: unknown field for a bool parameter; expected one of type, when'],
    [{ a: { type: 'fixed' } }, 'params.a.value: missing; expected a number, string or boolean'],
    [{ a: { type: 'fixed', value: { x: 1 } } }, 'params.a.value: expected a number, string or boolean, got an object {"x":1}'],
  ];
  for (const [space, message] of cases) assert.equal(oneIssue(space), message, JSON.stringify(space));
});

test('condition errors: earlier parameters only, exactly one comparison, values the parent can take', () => {
  const n = { type: 'int', low: 1, high: 3 };
  const opt = ['adam', 'sgd'];
  const cases: [unknown, string][] = [
    [{ a: { type: 'bool', when: { param: 'b', equals: true } }, b: { type: 'bool' } },
      "params.a.when.param: 'b' is defined after 'a'; a condition may only refer to an earlier parameter"],
    [{ n, a: { type: 'bool', when: { param: 'a', equals: true } } },
      "params.a.when.param: 'a' refers to the parameter itself; a condition must refer to an earlier parameter"],
    [{ num_layers: n, a: { type: 'bool', when: { param: 'num_layer', gte: 2 } } },
      "params.a.when.param: unknown parameter 'num_layer'; expected one of the earlier parameters (num_layers); did you mean 'num_layers'?"],
    [{ n, a: { type: 'bool', when: { gte: 2 } } }, 'params.a.when.param: missing; expected the name of an earlier parameter'],
    [{ n, a: { type: 'bool', when: { param: 'n' } } }, 'params.a.when: expected exactly one comparison (equals, in, gte or lte), got none'],
    [{ n, a: { type: 'bool', when: { param: 'n', gte: 2, lte: 3 } } }, 'params.a.when: expected exactly one comparison (equals, in, gte or lte), got gte and lte'],
    [{ n, a: { type: 'bool', when: { param: 'n', gte: 2, gt: 2 } } }, "params.a.when.gt: unknown field for a condition; expected one of param, equals, in, gte, lte; did you mean 'gte'?"],
    [{ n, a: { type: 'bool', when: 'n >= 2' } }, "params.a.when: expected {param: NAME, equals|in|gte|lte: VALUE}, got 'n >= 2'"],
    [{ opt, a: { type: 'bool', when: { param: 'opt', equals: 'adamw' } } },
      "params.a.when.equals: 'opt' can never equal 'adamw': expected a choice of 'adam', 'sgd', got 'adamw'"],
    [{ opt, a: { type: 'bool', when: { param: 'opt', in: ['sgd', 'rmsprop'] } } },
      "params.a.when.in[1]: 'opt' can never equal 'rmsprop': expected a choice of 'adam', 'sgd', got 'rmsprop'"],
    [{ opt, a: { type: 'bool', when: { param: 'opt', in: [] } } }, 'params.a.when.in: expected a non-empty list of values, got an array []'],
    [{ opt, a: { type: 'bool', when: { param: 'opt', gte: 1 } } }, "params.a.when.gte: 'opt' is a choice of 'adam', 'sgd', not numeric; use equals or in"],
    [{ n, a: { type: 'bool', when: { param: 'n', gte: 4 } } }, "params.a.when.gte: 'n' >= 4 never holds: 'n' is at most 3"],
    [{ n, a: { type: 'bool', when: { param: 'n', lte: 0 } } }, "params.a.when.lte: 'n' <= 0 never holds: 'n' is at least 1"],
    [{ n, a: { type: 'bool', when: { param: 'n', lte: '2' } } }, "params.a.when.lte: expected a number, got '2'"],
    [{ n, a: { type: 'bool', when: { param: 'n', equals: 2.5 } } }, "params.a.when.equals: 'n' can never equal 2.5: expected an int in 1..3, got 2.5"],
  ];
  for (const [space, message] of cases) assert.equal(oneIssue(space), message, JSON.stringify(space));
});

test('all problems are reported together', () => {
  const found = issues({ a: { type: 'float', low: 1, high: 0 }, b: { type: 'int' }, c: [] });
  assert.deepEqual(found, [
    'params.a.high: expected a value greater than low (1), got 0',
    'params.b.low: missing; expected an integer',
    'params.b.high: missing; expected an integer',
    'params.c: expected a non-empty list of distinct values, got an empty list',
  ]);
  assert.throws(() => parseSpace({ a: [] }, 'study.space'), /^SpaceError: study\.space\.a: /);
});

test('conditions: activity follows the parent, and children of inactive parents are inactive', () => {
  const space = parseSpace({
    ...EXAMPLE,
    units_3_wide: { type: 'bool', when: { param: 'units_3', gte: 128 } },
    momentum: { type: 'float', low: 0, high: 0.99, when: { param: 'optimizer', equals: 'sgd' } },
    small: { type: 'bool', when: { param: 'num_layers', in: [1, 2] } },
    shallow: { type: 'bool', when: { param: 'num_layers', lte: 1 } },
  });
  const def = (name: string) => space.params.find((p) => p.name === name)!;
  assert.equal(isActive(def('lr'), {}), true);
  assert.equal(isActive(def('units_3'), { num_layers: 3 }), true);
  assert.equal(isActive(def('units_3'), { num_layers: 2 }), false);
  assert.equal(isActive(def('units_3'), {}), false);
  assert.equal(isActive(def('momentum'), { optimizer: 'sgd' }), true);
  assert.equal(isActive(def('momentum'), { optimizer: 'adam' }), false);
  assert.equal(isActive(def('small'), { num_layers: 2 }), true);
  assert.equal(isActive(def('small'), { num_layers: 3 }), false);
  assert.equal(isActive(def('shallow'), { num_layers: 1 }), true);
  assert.equal(isActive(def('shallow'), { num_layers: 2 }), false);

  // units_3 is stale here (num_layers is 2), so units_3_wide, which hangs on it, goes too.
  const stale = { lr: 0.01, optimizer: 'adam', num_layers: 2, units_3: 256, units_3_wide: true, dropout: false, act: 'relu', small: true, shallow: false, bogus: 1 };
  assert.deepEqual(activeParams(space, stale), { lr: 0.01, optimizer: 'adam', num_layers: 2, dropout: false, act: 'relu', small: true });
});

test('validateParams accepts exactly the active parameters with valid values', () => {
  const space = parseSpace(EXAMPLE);
  const good = { lr: 0.001, optimizer: 'sgd', num_layers: 3, units_3: 64, dropout: true, act: 'relu' };
  assert.equal(validateParams(space, good), good);
  validateParams(space, { lr: 0.1, optimizer: 'adam', num_layers: 1, dropout: false, act: 'relu' });
  assert.throws(() => validateParams(space, { ...good, num_layers: 2 }), {
    message: 'params.units_3: given, but inactive (num_layers >= 3 does not hold)',
  });
  assert.throws(() => validateParams(space, { ...good, units_3: undefined as never, lr: 0.5 }), (err: unknown) => {
    assert.ok(err instanceof SpaceError);
    assert.deepEqual(err.issues, [
      'params.lr: expected a float in 0.0001..0.1 (log), got 0.5',
      'params.units_3: expected an int in 32..256 by 32, got nothing',
    ]);
    return true;
  });
  const { units_3: _, ...missing } = good;
  assert.throws(() => validateParams(space, missing), { message: 'params.units_3: missing; expected an int in 32..256 by 32' });
  assert.throws(() => validateParams(space, { ...good, units_3: 48 }), { message: 'params.units_3: expected an int in 32..256 by 32, got 48' });
  assert.throws(() => validateParams(space, { ...good, optimizer: 'rmsprop' }), { message: "params.optimizer: expected a choice of 'adam', 'sgd', got 'rmsprop'" });
  assert.throws(() => validateParams(space, { ...good, dropout: 1 }), { message: 'params.dropout: expected a bool, got 1' });
  assert.throws(() => validateParams(space, { ...good, act: 'tanh' }), { message: "params.act: expected fixed at 'relu', got 'tanh'" });
  assert.throws(() => validateParams(space, { ...good, optimiser: 'adam' }), {
    message: "params.optimiser: unknown parameter; expected one of lr, optimizer, num_layers, units_3, dropout, act; did you mean 'optimizer'?",
  });
});

test('grid: counts by hand, conditions respected, ints by step, floats discretised', () => {
  const space = parseSpace(EXAMPLE);
  // lr 3 floats × optimizer 2 × (num_layers 1, 2 → 1 each; 3 → 8 units_3 values) × dropout 2 × act 1
  const grid = gridPoints(space, { floatPoints: 3 });
  assert.equal(grid.length, 3 * 2 * (1 + 1 + 8) * 2);
  assert.equal(new Set(grid.map((p) => JSON.stringify(p))).size, grid.length);
  for (const p of grid) {
    validateParams(space, p);
    assert.equal('units_3' in p, p.num_layers === 3);
  }
  assert.deepEqual([...new Set(grid.map((p) => p.lr))], [0.0001, 0.00316227766017, 0.1]);
  assert.deepEqual(gridValues(space.params[3].dist), [32, 64, 96, 128, 160, 192, 224, 256]);
  assert.equal(gridPoints(space).length, 5 * 2 * 10 * 2);
  assert.deepEqual(gridValues({ type: 'float', low: 0, high: 0.5, step: 0.1 }), [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  assert.deepEqual(gridValues({ type: 'float', low: 0, high: 1 }, 1), [0.5]);
  assert.deepEqual(gridValues({ type: 'float', low: 1e-4, high: 1e-2, log: true }, 3), [0.0001, 0.001, 0.01]);
  assert.throws(() => gridPoints(parseSpace({ a: { type: 'int', low: 0, high: 999 }, b: { type: 'int', low: 0, high: 999 } })),
    /the grid has more than 100000 points \(at parameter 'b'\)/);
  // Nested conditions: b only under a == 'x', c only under b >= 2.
  const nested = parseSpace({ a: ['x', 'y'], b: { type: 'int', low: 1, high: 3, when: { param: 'a', equals: 'x' } }, c: { type: 'bool', when: { param: 'b', gte: 2 } } });
  assert.deepEqual(gridPoints(nested), [
    { a: 'x', b: 1 }, { a: 'x', b: 2, c: false }, { a: 'x', b: 2, c: true }, { a: 'x', b: 3, c: false }, { a: 'x', b: 3, c: true }, { a: 'y' },
  ]);
});

test('toUnit / fromUnit: round trips, log scale, step snapping, equal slices for discrete values', () => {
  const lr: Distribution = { type: 'float', low: 1e-4, high: 1e-1, log: true };
  assert.equal(toUnit(lr, 1e-4), 0);
  assert.equal(toUnit(lr, 1e-1), 1);
  assert.ok(Math.abs(toUnit(lr, 1e-2) - 2 / 3) < 1e-12);
  assert.ok(Math.abs((fromUnit(lr, 1 / 3) as number) - 1e-3) < 1e-15);

  const x: Distribution = { type: 'float', low: -5, high: 10 };
  assert.equal(toUnit(x, 1), 0.4);
  assert.equal(fromUnit(x, 0.4), 1);

  // Ints get half a step beyond each end: 1..3 → slices [0,⅓), [⅓,⅔), [⅔,1].
  const n: Distribution = { type: 'int', low: 1, high: 3 };
  assert.deepEqual([0, 0.33, 0.34, 0.66, 0.67, 1].map((u) => fromUnit(n, u)), [1, 1, 2, 2, 3, 3]);
  assert.deepEqual([1, 2, 3].map((v) => toUnit(n, v)), [1 / 6, 0.5, 5 / 6]);
  assert.equal(unitStep(n), 1 / 3);

  const units: Distribution = { type: 'int', low: 32, high: 256, step: 32 };
  assert.equal(fromUnit(units, 0.5), 160);
  assert.equal(unitStep(units), 1 / 8);
  const stepped: Distribution = { type: 'float', low: 0, high: 0.5, step: 0.1 };
  assert.equal(fromUnit(stepped, 0.5), 0.3);
  assert.equal(fromUnit(stepped, 0.45), 0.2);
  assert.equal(unitStep(lr), undefined);

  // Log ints span log(low − ½)..log(high + ½) and round.
  const li: Distribution = { type: 'int', low: 1, high: 1000, log: true };
  assert.equal(fromUnit(li, 0), 1);
  assert.equal(fromUnit(li, 1), 1000);
  assert.equal(toUnit(li, 1), Math.log(1 / 0.5) / Math.log(1000.5 / 0.5));

  const choice: Distribution = { type: 'choice', values: ['a', 'b', 'c', 'd'] };
  assert.deepEqual(['a', 'b', 'c', 'd'].map((v) => toUnit(choice, v)), [0.125, 0.375, 0.625, 0.875]);
  assert.deepEqual([0, 0.249, 0.25, 0.99, 1].map((u) => fromUnit(choice, u)), ['a', 'a', 'b', 'd', 'd']);
  assert.equal(fromUnit({ type: 'bool' }, 0.3), false);
  assert.equal(fromUnit({ type: 'bool' }, 0.7), true);
  assert.equal(fromUnit({ type: 'fixed', value: 'relu' }, 0.1), 'relu');

  // Every value of every distribution survives the round trip; decoded values are always valid.
  const rand = mulberry32(11);
  const space = parseSpace({ ...EXAMPLE, x: { type: 'float', low: -5, high: 10 }, s: { type: 'float', low: 0, high: 0.5, step: 0.1 }, li: { type: 'int', low: 1, high: 1000, log: true }, c: ['a', 'b', 'c'] });
  for (const def of space.params) {
    for (const v of gridValues(def.dist, 7)) assert.equal(fromUnit(def.dist, toUnit(def.dist, v)), v, `${def.name} ${String(v)}`);
    for (let i = 0; i < 200; i++) {
      const v = fromUnit(def.dist, rand());
      validateParams({ params: [{ name: def.name, dist: def.dist }] }, { [def.name]: v });
      const back = fromUnit(def.dist, toUnit(def.dist, v));
      if (typeof v === 'number') assert.ok(Math.abs((back as number) - v) <= 1e-12 * Math.abs(v), `${def.name} ${v} → ${String(back)}`);
      else assert.equal(back, v);
    }
  }
});

test('summary reads like Keras Tuner', () => {
  assert.equal(spaceSummary(parseSpace(EXAMPLE)), [
    'Search space summary',
    'Default search space size: 6',
    'lr (Float)',
    "{'conditions': [], 'min_value': 0.0001, 'max_value': 0.1, 'step': None, 'sampling': 'log'}",
    'optimizer (Choice)',
    "{'conditions': [], 'values': ['adam', 'sgd'], 'ordered': False}",
    'num_layers (Int)',
    "{'conditions': [], 'min_value': 1, 'max_value': 3, 'step': 1, 'sampling': 'linear'}",
    'units_3 (Int)',
    "{'conditions': ['num_layers >= 3'], 'min_value': 32, 'max_value': 256, 'step': 32, 'sampling': 'linear'}",
    'dropout (Boolean)',
    "{'conditions': []}",
    'act (Fixed)',
    "{'conditions': [], 'value': 'relu'}",
  ].join('\n'));
});
