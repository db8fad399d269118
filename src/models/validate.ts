/**
 * Validation of untrusted model specs (JSON/YAML from users). Every problem is reported with the
 * path of the offending field and what was expected, e.g.
 *   spec.layers[3].filters: expected a positive integer, got -2
 * Field problems are all collected and reported together; structural problems (shapes that do
 * not wire up, a wrong output layer) are checked once the fields are sound.
 *
 * Choices: a dense layer on a 4-D tensor is an error rather than an implicit flatten (Keras would
 * apply it along the channel axis, which is rarely meant); the last layer must end in softmax so
 * every model outputs class probabilities; a kernel or pool window larger than its feature map is
 * an error only with padding 'valid' (with 'same' tf pads it).
 */
import { parseAugment, validateAugment } from '../data/augment-config.ts';
import { closeMatches } from './similar.ts';
import { formatShape, inferShapes, ShapeError } from './shapes.ts';
import {
  ACTIVATION_NAMES, DEFAULTS, LAYER_TYPES, OPTIMIZER_NAMES,
  type LayerSpec, type ModelSpec,
} from './types.ts';

/** A spec that failed validation; `issues` holds one line per problem, `message` joins them. */
export class SpecError extends Error {
  override name = 'SpecError';
  constructor(readonly issues: string[]) {
    super(issues.join('\n'));
  }
}

type Obj = Record<string, unknown>;

/** A short rendering of a bad value for messages: strings quoted, others as JSON. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return `an array ${truncate(JSON.stringify(v))}`;
  return `an object ${truncate(JSON.stringify(v) ?? String(v))}`;
}

function truncate(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Collects issues while walking a spec. */
class Checker {
  readonly issues: string[] = [];

  fail(path: string, message: string): void {
    this.issues.push(`${path}: ${message}`);
  }

  /** Checks `value` when present (or when required); `ok` decides, `expected` words the rule. */
  field(obj: Obj, key: string, path: string, required: boolean, expected: string, ok: (v: unknown) => boolean): void {
    const v = obj[key];
    if (v === undefined) {
      if (required) this.fail(`${path}.${key}`, `missing; expected ${expected}`);
      return;
    }
    if (!ok(v)) this.fail(`${path}.${key}`, `expected ${expected}, got ${describeValue(v)}`);
  }

  oneOf(obj: Obj, key: string, path: string, required: boolean, options: readonly string[]): void {
    const v = obj[key];
    if (v === undefined) {
      if (required) this.fail(`${path}.${key}`, `missing; expected one of ${options.join(', ')}`);
      return;
    }
    if (typeof v !== 'string' || !options.includes(v)) {
      this.fail(`${path}.${key}`, `expected one of ${options.join(', ')}, got ${describeValue(v)}`);
    }
  }

  /** Flags keys not in `allowed`, suggesting the closest allowed one. */
  knownKeys(obj: Obj, allowed: readonly string[], path: string, what: string): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key)) continue;
      const near = closeMatches(key, allowed, 1);
      const hint = near.length ? `; did you mean '${near[0]}'?` : '';
      this.fail(`${path}.${key}`, `unknown field for ${what}; expected one of ${allowed.join(', ')}${hint}`);
    }
  }
}

const POSITIVE_INT = 'a positive integer';
const SIZE2 = 'a positive integer or a pair [height, width] of positive integers';
const isSize2 = (v: unknown): boolean =>
  isPositiveInt(v) || (Array.isArray(v) && v.length === 2 && v.every(isPositiveInt));
const PADDINGS = ['same', 'valid'] as const;

const LAYER_FIELDS: Record<LayerSpec['type'], readonly string[]> = {
  dense: ['type', 'units', 'activation', 'useBias', 'regularizer'],
  conv: ['type', 'filters', 'kernel', 'stride', 'padding', 'activation', 'useBias', 'regularizer'],
  maxPool: ['type', 'size', 'stride', 'padding'],
  avgPool: ['type', 'size', 'stride', 'padding'],
  globalAvgPool: ['type'],
  globalMaxPool: ['type'],
  flatten: ['type'],
  dropout: ['type', 'rate'],
  batchNorm: ['type', 'momentum', 'epsilon'],
  activation: ['type', 'activation'],
  residual: ['type', 'block', 'filters', 'stride', 'expansion', 'activation', 'regularizer'],
};

function checkActivation(c: Checker, obj: Obj, path: string, required: boolean): void {
  const v = obj.activation;
  const p = `${path}.activation`;
  const expected = `one of ${ACTIVATION_NAMES.join(', ')}, or {type: leakyRelu, alpha}`;
  if (v === undefined) {
    if (required) c.fail(p, `missing; expected ${expected}`);
    return;
  }
  if (typeof v === 'string') {
    if ((ACTIVATION_NAMES as readonly string[]).includes(v)) return;
    const near = closeMatches(v, ACTIVATION_NAMES, 1);
    c.fail(p, `unknown activation '${v}'; expected ${expected}${near.length ? `; did you mean '${near[0]}'?` : ''}`);
    return;
  }
  if (!isObject(v)) {
    c.fail(p, `expected ${expected}, got ${describeValue(v)}`);
    return;
  }
  if (v.type !== 'leakyRelu') {
    c.fail(`${p}.type`, `only leakyRelu takes parameters; expected 'leakyRelu', got ${describeValue(v.type)}`);
    return;
  }
  c.knownKeys(v, ['type', 'alpha'], p, 'a leakyRelu activation');
  c.field(v, 'alpha', p, true, 'a non-negative number', (a) => isFiniteNumber(a) && a >= 0);
}

function checkRegularizer(c: Checker, obj: Obj, path: string): void {
  const v = obj.regularizer;
  const p = `${path}.regularizer`;
  if (v === undefined) return;
  if (!isObject(v)) {
    c.fail(p, `expected an object {l1?, l2?} of non-negative numbers, got ${describeValue(v)}`);
    return;
  }
  c.knownKeys(v, ['l1', 'l2'], p, 'a regularizer');
  const nonNegative = (x: unknown) => isFiniteNumber(x) && x >= 0;
  c.field(v, 'l1', p, false, 'a non-negative number', nonNegative);
  c.field(v, 'l2', p, false, 'a non-negative number', nonNegative);
  if (v.l1 === undefined && v.l2 === undefined) c.fail(p, 'expected at least one of l1, l2');
}

function checkLayer(c: Checker, raw: unknown, path: string): void {
  if (!isObject(raw)) {
    c.fail(path, `expected a layer object with a type, got ${describeValue(raw)}`);
    return;
  }
  const type = raw.type;
  if (typeof type !== 'string' || !(LAYER_TYPES as readonly string[]).includes(type)) {
    const list = LAYER_TYPES.join(', ');
    if (type === undefined) c.fail(`${path}.type`, `missing; expected one of ${list}`);
    else if (typeof type !== 'string') c.fail(`${path}.type`, `expected one of ${list}, got ${describeValue(type)}`);
    else {
      const near = closeMatches(type, LAYER_TYPES, 1);
      c.fail(`${path}.type`, `unknown layer type '${type}'; expected one of ${list}${near.length ? `; did you mean '${near[0]}'?` : ''}`);
    }
    return;
  }
  const t = type as LayerSpec['type'];
  c.knownKeys(raw, LAYER_FIELDS[t], path, `a ${t} layer`);
  switch (t) {
    case 'dense':
      c.field(raw, 'units', path, true, POSITIVE_INT, isPositiveInt);
      checkActivation(c, raw, path, false);
      c.field(raw, 'useBias', path, false, 'true or false', (v) => typeof v === 'boolean');
      checkRegularizer(c, raw, path);
      break;
    case 'conv':
      c.field(raw, 'filters', path, true, POSITIVE_INT, isPositiveInt);
      c.field(raw, 'kernel', path, true, SIZE2, isSize2);
      c.field(raw, 'stride', path, false, SIZE2, isSize2);
      c.oneOf(raw, 'padding', path, false, PADDINGS);
      checkActivation(c, raw, path, false);
      c.field(raw, 'useBias', path, false, 'true or false', (v) => typeof v === 'boolean');
      checkRegularizer(c, raw, path);
      break;
    case 'maxPool':
    case 'avgPool':
      c.field(raw, 'size', path, false, SIZE2, isSize2);
      c.field(raw, 'stride', path, false, SIZE2, isSize2);
      c.oneOf(raw, 'padding', path, false, PADDINGS);
      break;
    case 'dropout':
      c.field(raw, 'rate', path, true, 'a number in [0, 1)', (v) => isFiniteNumber(v) && v >= 0 && v < 1);
      break;
    case 'batchNorm':
      c.field(raw, 'momentum', path, false, 'a number in [0, 1)', (v) => isFiniteNumber(v) && v >= 0 && v < 1);
      c.field(raw, 'epsilon', path, false, 'a positive number', (v) => isFiniteNumber(v) && v > 0);
      break;
    case 'activation':
      checkActivation(c, raw, path, true);
      break;
    case 'residual':
      c.oneOf(raw, 'block', path, true, ['basic', 'bottleneck']);
      c.field(raw, 'filters', path, true, POSITIVE_INT, isPositiveInt);
      c.field(raw, 'stride', path, false, POSITIVE_INT, isPositiveInt);
      c.field(raw, 'expansion', path, false, POSITIVE_INT, isPositiveInt);
      if (raw.expansion !== undefined && raw.block === 'basic') {
        c.fail(`${path}.expansion`, 'applies to bottleneck blocks only; remove it or use block: bottleneck');
      }
      checkActivation(c, raw, path, false);
      checkRegularizer(c, raw, path);
      break;
    case 'globalAvgPool':
    case 'globalMaxPool':
    case 'flatten':
      break;
  }
}

const VALIDATION_SYNTAX = /^(none|first:[1-9]\d*|per-class:[1-9]\d*|0?\.\d*[1-9]\d*)$/;
const NUM = '\\d+(\\.\\d+)?(e-?\\d+)?';
const SCHEDULE_SYNTAX = new RegExp(`^(constant|step:[1-9]\\d*:${NUM}|cosine(:${NUM})?|one-cycle(:${NUM})?)$`);

function checkTraining(c: Checker, raw: unknown, path: string): void {
  if (raw === undefined) return;
  if (!isObject(raw)) {
    c.fail(path, `expected an object of training settings, got ${describeValue(raw)}`);
    return;
  }
  c.knownKeys(raw, ['optimizer', 'learningRate', 'momentum', 'batchSize', 'epochs', 'validation', 'schedule', 'augment', 'labelSmoothing', 'ema', 'notes'], path, 'training settings');
  c.oneOf(raw, 'optimizer', path, false, OPTIMIZER_NAMES);
  c.field(raw, 'learningRate', path, false, 'a positive number', (v) => isFiniteNumber(v) && v > 0);
  c.field(raw, 'momentum', path, false, 'a number in [0, 1)', (v) => isFiniteNumber(v) && v >= 0 && v < 1);
  c.field(raw, 'batchSize', path, false, POSITIVE_INT, isPositiveInt);
  c.field(raw, 'epochs', path, false, POSITIVE_INT, isPositiveInt);
  c.field(raw, 'validation', path, false, "a fraction in (0, 1), 'first:N', 'per-class:N' or 'none'",
    (v) => typeof v === 'string' && VALIDATION_SYNTAX.test(v));
  c.field(raw, 'schedule', path, false, "'constant', 'step:EVERY:GAMMA', 'cosine[:MIN_LR]' or 'one-cycle[:MAX_LR]'",
    (v) => typeof v === 'string' && SCHEDULE_SYNTAX.test(v));
  c.field(raw, 'labelSmoothing', path, false, 'a number in [0, 1)', (v) => isFiniteNumber(v) && v >= 0 && v < 1);
  c.field(raw, 'ema', path, false, 'a decay in (0, 1)', (v) => isFiniteNumber(v) && v > 0 && v < 1);
  c.field(raw, 'notes', path, false, 'a string', (v) => typeof v === 'string');
  if (raw.augment !== undefined) {
    const where = `${path}.augment`;
    try {
      if (typeof raw.augment === 'string') parseAugment(raw.augment, where, where);
      else validateAugment(raw.augment, where);
    } catch (err) {
      c.issues.push((err as Error).message);
    }
  }
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TOP_FIELDS = ['name', 'description', 'source', 'input', 'classes', 'layers', 'training'];

function checkFields(c: Checker, raw: unknown, where: string): void {
  if (!isObject(raw)) {
    c.fail(where, `expected a model spec object {name, input, layers}, got ${describeValue(raw)}`);
    return;
  }
  c.knownKeys(raw, TOP_FIELDS, where, 'a model spec');
  c.field(raw, 'name', where, true, "a name of letters, digits, '.', '_' or '-' (e.g. my-cnn)",
    (v) => typeof v === 'string' && NAME_PATTERN.test(v));
  c.field(raw, 'description', where, false, 'a string', (v) => typeof v === 'string');
  c.field(raw, 'source', where, false, 'a string', (v) => typeof v === 'string');
  c.oneOf(raw, 'input', where, true, ['flat', 'image']);
  c.field(raw, 'classes', where, false, 'an integer of at least 2', (v) => Number.isInteger(v) && (v as number) >= 2);
  const layers = raw.layers;
  if (!Array.isArray(layers) || layers.length === 0) {
    c.fail(`${where}.layers`, `expected a non-empty array of layers, got ${describeValue(layers)}`);
  } else {
    layers.forEach((layer, i) => checkLayer(c, layer, `${where}.layers[${i}]`));
  }
  checkTraining(c, raw.training, `${where}.training`);
}

function activationName(layer: LayerSpec): string | undefined {
  if (layer.type !== 'dense' && layer.type !== 'activation') return undefined;
  const a = layer.activation ?? DEFAULTS.activation;
  return typeof a === 'string' ? a : a.type;
}

/** Shapes wire up, the output has `classes` units and ends in softmax. */
function checkStructure(c: Checker, spec: ModelSpec, where: string): void {
  let shapes;
  try {
    shapes = inferShapes(spec, where);
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    c.issues.push(err.message);
    return;
  }
  const classes = spec.classes ?? DEFAULTS.classes;
  const last = shapes[shapes.length - 1];
  if (last.length !== 1 || last[0] !== classes) {
    c.fail(`${where}.layers`, `the model outputs ${formatShape(last)} but classes is ${classes}; ` +
      `end with a dense layer of ${classes} units and activation softmax`);
    return;
  }
  const i = spec.layers.length - 1;
  const layer = spec.layers[i];
  const act = activationName(layer);
  if (act === undefined) {
    c.fail(`${where}.layers[${i}]`, `the model must end in softmax so it outputs class probabilities; ` +
      `got a ${layer.type} layer last (add a dense layer with activation softmax)`);
  } else if (act !== 'softmax') {
    c.fail(`${where}.layers[${i}].activation`, `the output layer must use softmax so the model outputs ` +
      `class probabilities, got '${act}'`);
  }
}

/** Validates an untrusted spec; returns a typed copy or throws SpecError listing every problem. */
export function validateSpec(raw: unknown, where = 'spec'): ModelSpec {
  const c = new Checker();
  checkFields(c, raw, where);
  if (c.issues.length === 0) checkStructure(c, raw as ModelSpec, where);
  if (c.issues.length) throw new SpecError(c.issues);
  return structuredClone(raw) as ModelSpec;
}
