/**
 * Search spaces: parsing and validation of a space written in a study file, which parameters a
 * set of values activates, a numeric encoding of every distribution in [0, 1] that samplers work
 * in, the grid of a space, and a summary printed like Keras Tuner's.
 *
 * Written form (JSON or YAML), parameters in order:
 *   lr:         {type: float, low: 1e-4, high: 1e-1, log: true}
 *   optimizer:  {type: choice, values: [adam, sgd]}      # or just [adam, sgd]
 *   num_layers: {type: int, low: 1, high: 3}
 *   units_3:    {type: int, low: 32, high: 256, step: 32, when: {param: num_layers, gte: 3}}
 *   dropout:    {type: bool}
 *   act:        {type: fixed, value: relu}                # or just relu
 *
 * Choices: names must look like identifiers, because JavaScript objects list integer-like keys
 * first and the order of the parameters matters (a condition may only look back); `log` and `step`
 * together are refused for floats and `log` only goes with step 1 for ints, as in Optuna, since a
 * log scale has no even step; a range must be a real range (low < high; a single value is `fixed`).
 */
import { closeMatches } from '../models/similar.ts';
import { describeValue } from '../models/validate.ts';
import type { Condition, Distribution, ParamDef, Params, ParamValue, SearchSpace } from './types.ts';

/** An invalid space (or invalid values for one); `issues` holds one line per problem. */
export class SpaceError extends Error {
  override name = 'SpaceError';
  constructor(readonly issues: string[]) {
    super(issues.join('\n'));
  }
}

type Obj = Record<string, unknown>;

const TYPES = ['float', 'int', 'choice', 'bool', 'fixed'] as const;
const FIELDS: Record<Distribution['type'], readonly string[]> = {
  float: ['type', 'low', 'high', 'step', 'log', 'when'],
  int: ['type', 'low', 'high', 'step', 'log', 'when'],
  choice: ['type', 'values', 'when'],
  bool: ['type', 'when'],
  fixed: ['type', 'value', 'when'],
};
const COMPARISONS = ['equals', 'in', 'gte', 'lte'] as const;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is ParamValue =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Relative tolerance for "is a whole number of steps" on floats written in decimal. */
const STEP_TOLERANCE = 1e-9;

function wholeSteps(span: number, step: number): boolean {
  const k = span / step;
  return Math.abs(k - Math.round(k)) <= STEP_TOLERANCE * Math.max(1, Math.abs(k));
}

/** Rounds away binary noise (0.30000000000000004 → 0.3) from values computed on a grid. */
function clean(x: number): number {
  return Number.parseFloat(x.toPrecision(12));
}

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Parses and validates a search space: an object of parameter definitions in order. Every problem
 * is collected and reported together, each as `<where>.<param>[.<field>]: <what was expected>`.
 */
export function parseSpace(obj: unknown, where = 'params'): SearchSpace {
  if (!isObject(obj)) {
    throw new SpaceError([`${where}: expected an object of parameter definitions (name: definition), got ${describeValue(obj)}`]);
  }
  const issues: string[] = [];
  const params: ParamDef[] = [];
  const names = Object.keys(obj);
  if (names.length === 0) issues.push(`${where}: expected at least one parameter, got none`);
  for (const [index, name] of names.entries()) {
    const path = `${where}.${name}`;
    if (!NAME.test(name)) {
      issues.push(`${path}: invalid parameter name; expected a letter or '_' followed by letters, digits, '_' or '-'`);
      continue;
    }
    const def = parseParam(obj[name], path, issues);
    if (!def) continue;
    def.name = name;
    const raw = obj[name];
    if (isObject(raw) && raw.when !== undefined) {
      const when = parseCondition(raw.when, `${path}.when`, name, names.slice(0, index), names, params, issues);
      if (when) def.when = when;
    }
    params.push(def);
  }
  if (issues.length) throw new SpaceError(issues);
  return { params };
}

function parseParam(raw: unknown, path: string, issues: string[]): ParamDef | undefined {
  const fail = (field: string | undefined, message: string): undefined => {
    issues.push(`${field ? `${path}.${field}` : path}: ${message}`);
    return undefined;
  };
  if (Array.isArray(raw)) return parseChoiceValues(raw, path, issues);
  if (isScalar(raw)) return { name: '', dist: { type: 'fixed', value: raw } };
  if (!isObject(raw)) {
    return fail(undefined, `expected a definition {type: float|int|choice|bool|fixed, ...}, a list of choices or a fixed value, got ${describeValue(raw)}`);
  }
  const type = raw.type;
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
    const near = typeof type === 'string' ? closeMatches(type, TYPES, 1) : [];
    const got = type === undefined ? 'missing' : `got ${describeValue(type)}`;
    return fail('type', `${type === undefined ? 'missing; ' : ''}expected one of ${TYPES.join(', ')}${type === undefined ? '' : `, ${got}`}${near.length ? `; did you mean '${near[0]}'?` : ''}`);
  }
  const t = type as Distribution['type'];
  const before = issues.length;
  for (const key of Object.keys(raw)) {
    if (FIELDS[t].includes(key)) continue;
    const near = closeMatches(key, FIELDS[t], 1);
    fail(key, `unknown field for a ${t} parameter; expected one of ${FIELDS[t].join(', ')}${near.length ? `; did you mean '${near[0]}'?` : ''}`);
  }
  let dist: Distribution | undefined;
  if (t === 'float' || t === 'int') dist = parseRange(t, raw, path, issues);
  else if (t === 'choice') {
    if (raw.values === undefined) return fail('values', 'missing; expected a non-empty list of distinct values');
    if (!Array.isArray(raw.values)) return fail('values', `expected a non-empty list of distinct values, got ${describeValue(raw.values)}`);
    return parseChoiceValues(raw.values, `${path}.values`, issues);
  } else if (t === 'bool') dist = { type: 'bool' };
  else {
    if (!isScalar(raw.value)) {
      return fail('value', `${raw.value === undefined ? 'missing; ' : ''}expected a number, string or boolean${raw.value === undefined ? '' : `, got ${describeValue(raw.value)}`}`);
    }
    dist = { type: 'fixed', value: raw.value };
  }
  if (!dist || issues.length > before) return undefined;
  return { name: '', dist };
}

function parseChoiceValues(values: unknown[], path: string, issues: string[]): ParamDef | undefined {
  if (values.length === 0) {
    issues.push(`${path}: expected a non-empty list of distinct values, got an empty list`);
    return undefined;
  }
  const before = issues.length;
  for (const [i, v] of values.entries()) {
    if (!isScalar(v)) issues.push(`${path}[${i}]: expected a number, string or boolean, got ${describeValue(v)}`);
    else if (values.indexOf(v) !== i) issues.push(`${path}[${i}]: duplicate value ${describeValue(v)}; choices must be distinct`);
  }
  if (issues.length > before) return undefined;
  return { name: '', dist: { type: 'choice', values: values as ParamValue[] } };
}

function parseRange(type: 'float' | 'int', raw: Obj, path: string, issues: string[]): Distribution | undefined {
  const before = issues.length;
  const fail = (field: string, message: string): void => void issues.push(`${path}.${field}: ${message}`);
  const kind = type === 'int' ? 'an integer' : 'a number';
  const ok = type === 'int' ? Number.isInteger : isFiniteNumber;
  for (const key of ['low', 'high'] as const) {
    if (raw[key] === undefined) fail(key, `missing; expected ${kind}`);
    else if (!ok(raw[key])) fail(key, `expected ${kind}, got ${describeValue(raw[key])}`);
  }
  const log = raw.log;
  if (log !== undefined && typeof log !== 'boolean') fail('log', `expected true or false, got ${describeValue(log)}`);
  const step = raw.step;
  if (step !== undefined) {
    const good = type === 'int' ? Number.isInteger(step) && (step as number) > 0 : isFiniteNumber(step) && step > 0;
    if (!good) fail('step', `expected ${type === 'int' ? 'a positive integer' : 'a positive number'}, got ${describeValue(step)}`);
  }
  if (issues.length > before) return undefined;
  const low = raw.low as number;
  const high = raw.high as number;
  if (!(low < high)) {
    fail('high', `expected a value greater than low (${low}), got ${high}${low === high ? '; use {type: fixed} for a single value' : ''}`);
    return undefined;
  }
  if (log === true) {
    if (type === 'float' && !(low > 0)) fail('low', `expected a number greater than 0 with log: true, got ${low}`);
    if (type === 'int' && !(low >= 1)) fail('low', `expected an integer of at least 1 with log: true, got ${low}`);
    if (step !== undefined && (type === 'float' || step !== 1)) {
      fail('step', type === 'float' ? 'cannot be combined with log: true (a log scale has no even step)' : `expected 1 with log: true, got ${step as number}`);
    }
  }
  if (step !== undefined && issues.length === before && !wholeSteps(high - low, step as number)) {
    fail('step', `${step as number} does not divide the range ${low}..${high} (a span of ${clean(high - low)}) into whole steps`);
  }
  if (issues.length > before) return undefined;
  const dist: Extract<Distribution, { low: number }> = { type, low, high };
  if (step !== undefined) dist.step = step as number;
  if (log === true) dist.log = true;
  return dist;
}

function parseCondition(
  raw: unknown, path: string, self: string, earlier: string[], all: string[], parsed: ParamDef[], issues: string[],
): Condition | undefined {
  const fail = (field: string | undefined, message: string): undefined => {
    issues.push(`${field ? `${path}.${field}` : path}: ${message}`);
    return undefined;
  };
  if (!isObject(raw)) return fail(undefined, `expected {param: NAME, equals|in|gte|lte: VALUE}, got ${describeValue(raw)}`);
  const allowed = ['param', ...COMPARISONS];
  const before = issues.length;
  for (const key of Object.keys(raw)) {
    if (allowed.includes(key)) continue;
    const near = closeMatches(key, allowed, 1);
    fail(key, `unknown field for a condition; expected one of ${allowed.join(', ')}${near.length ? `; did you mean '${near[0]}'?` : ''}`);
  }
  const param = raw.param;
  if (typeof param !== 'string') {
    fail('param', `${param === undefined ? 'missing; ' : ''}expected the name of an earlier parameter${param === undefined ? '' : `, got ${describeValue(param)}`}`);
  } else if (param === self) {
    fail('param', `'${param}' refers to the parameter itself; a condition must refer to an earlier parameter`);
  } else if (!earlier.includes(param)) {
    if (all.includes(param)) fail('param', `'${param}' is defined after '${self}'; a condition may only refer to an earlier parameter`);
    else {
      const near = closeMatches(param, earlier, 1);
      fail('param', `unknown parameter '${param}'; expected one of the earlier parameters${earlier.length ? ` (${earlier.join(', ')})` : ', but there are none'}${near.length ? `; did you mean '${near[0]}'?` : ''}`);
    }
  }
  const given = COMPARISONS.filter((k) => raw[k] !== undefined);
  if (given.length !== 1) {
    fail(undefined, `expected exactly one comparison (equals, in, gte or lte), got ${given.length === 0 ? 'none' : given.join(' and ')}`);
  }
  if (issues.length > before) return undefined;
  const op = given[0];
  const value = raw[op];
  const parent = parsed.find((p) => p.name === param);
  if (!parent) return undefined; // the parent itself was invalid, and is reported
  const pdist = parent.dist;
  const cond: Condition = { param: param as string };
  if (op === 'equals') {
    if (!isScalar(value)) return fail(op, `expected a number, string or boolean, got ${describeValue(value)}`);
    const why = valueProblem(pdist, value);
    if (why) return fail(op, `'${param}' can never equal ${describeValue(value)}: ${why}`);
    cond.equals = value;
  } else if (op === 'in') {
    if (!Array.isArray(value) || value.length === 0) return fail(op, `expected a non-empty list of values, got ${describeValue(value)}`);
    for (const [i, v] of value.entries()) {
      if (!isScalar(v)) fail(`${op}[${i}]`, `expected a number, string or boolean, got ${describeValue(v)}`);
      else {
        const why = valueProblem(pdist, v);
        if (why) fail(`${op}[${i}]`, `'${param}' can never equal ${describeValue(v)}: ${why}`);
      }
    }
    if (issues.length > before) return undefined;
    cond.in = value as ParamValue[];
  } else {
    if (!isFiniteNumber(value)) return fail(op, `expected a number, got ${describeValue(value)}`);
    const range = numericRange(pdist);
    if (!range) return fail(op, `'${param}' is ${describeDist(pdist)}, not numeric; use equals or in`);
    const never = op === 'gte' ? value > range.max : value < range.min;
    if (never) {
      return fail(op, `'${param}' ${op === 'gte' ? '>=' : '<='} ${value} never holds: '${param}' is at ${op === 'gte' ? 'most' : 'least'} ${op === 'gte' ? range.max : range.min}`);
    }
    if (op === 'gte') cond.gte = value;
    else cond.lte = value;
  }
  return cond;
}

/** The smallest and largest value of a numeric distribution; undefined when it has non-numbers. */
function numericRange(d: Distribution): { min: number; max: number } | undefined {
  if (d.type === 'int' || d.type === 'float') return { min: d.low, max: d.high };
  const values = d.type === 'choice' ? d.values : d.type === 'fixed' ? [d.value] : [];
  if (values.length === 0 || !values.every((v) => typeof v === 'number')) return undefined;
  return { min: Math.min(...(values as number[])), max: Math.max(...(values as number[])) };
}

function describeDist(d: Distribution): string {
  switch (d.type) {
    case 'int':
    case 'float':
      return `${d.type === 'int' ? 'an int' : 'a float'} in ${d.low}..${d.high}${d.step !== undefined ? ` by ${d.step}` : ''}${d.log ? ' (log)' : ''}`;
    case 'choice':
      return `a choice of ${d.values.map(describeValue).join(', ')}`;
    case 'bool':
      return 'a bool';
    case 'fixed':
      return `fixed at ${describeValue(d.value)}`;
  }
}

/** Why `v` is not a value of `d`, or undefined when it is. */
export function valueProblem(d: Distribution, v: unknown): string | undefined {
  const expected = `expected ${describeDist(d)}, got ${describeValue(v)}`;
  switch (d.type) {
    case 'int': {
      if (!Number.isInteger(v)) return expected;
      const x = v as number;
      if (x < d.low || x > d.high) return expected;
      if (d.step !== undefined && (x - d.low) % d.step !== 0) return expected;
      return undefined;
    }
    case 'float': {
      if (!isFiniteNumber(v) || v < d.low || v > d.high) return expected;
      if (d.step !== undefined && !wholeSteps(v - d.low, d.step)) return expected;
      return undefined;
    }
    case 'choice':
      return d.values.includes(v as ParamValue) ? undefined : expected;
    case 'bool':
      return typeof v === 'boolean' ? undefined : expected;
    case 'fixed':
      return v === d.value ? undefined : expected;
  }
}

// ---------------------------------------------------------------------------------------------
// Conditions

/** Whether `def` is active given (at least) the values of the parameters before it. */
export function isActive(def: ParamDef, params: Params): boolean {
  const c = def.when;
  if (!c) return true;
  const v = Object.hasOwn(params, c.param) ? params[c.param] : undefined;
  if (v === undefined) return false; // the parent is itself inactive
  if (c.equals !== undefined) return v === c.equals;
  if (c.in !== undefined) return c.in.includes(v);
  if (c.gte !== undefined) return typeof v === 'number' && v >= c.gte;
  if (c.lte !== undefined) return typeof v === 'number' && v <= c.lte;
  return true;
}

/**
 * The values of the parameters that are active under `params`, in the space's order: a parameter
 * counts when its condition holds on the active values before it (so a child of an inactive
 * parameter is inactive too). Values of inactive or unknown parameters are dropped.
 */
export function activeParams(space: SearchSpace, params: Params): Params {
  const out: Params = {};
  for (const def of space.params) {
    if (isActive(def, out) && Object.hasOwn(params, def.name)) out[def.name] = params[def.name];
  }
  return out;
}

/**
 * Checks that `params` hold exactly the active parameters, each with a valid value; throws a
 * SpaceError listing every problem. Returns `params` for chaining.
 */
export function validateParams(space: SearchSpace, params: Params, where = 'params'): Params {
  const issues: string[] = [];
  const seen: Params = {};
  for (const def of space.params) {
    const present = Object.hasOwn(params, def.name);
    if (!isActive(def, seen)) {
      if (present) issues.push(`${where}.${def.name}: given, but inactive (${describeCondition(def.when!)} does not hold)`);
      continue;
    }
    if (!present) {
      issues.push(`${where}.${def.name}: missing; expected ${describeDist(def.dist)}`);
      continue;
    }
    const why = valueProblem(def.dist, params[def.name]);
    if (why) issues.push(`${where}.${def.name}: ${why}`);
    seen[def.name] = params[def.name];
  }
  const known = new Set(space.params.map((p) => p.name));
  for (const name of Object.keys(params)) {
    if (known.has(name)) continue;
    const near = closeMatches(name, [...known], 1);
    issues.push(`${where}.${name}: unknown parameter; expected one of ${[...known].join(', ')}${near.length ? `; did you mean '${near[0]}'?` : ''}`);
  }
  if (issues.length) throw new SpaceError(issues);
  return params;
}

export function describeCondition(c: Condition): string {
  if (c.equals !== undefined) return `${c.param} == ${describeValue(c.equals)}`;
  if (c.in !== undefined) return `${c.param} in [${c.in.map(describeValue).join(', ')}]`;
  if (c.gte !== undefined) return `${c.param} >= ${c.gte}`;
  return `${c.param} <= ${c.lte}`;
}

// ---------------------------------------------------------------------------------------------
// Numeric encoding in [0, 1]

/**
 * The interval a numeric distribution is modelled on, as Optuna's TPE does: the log of the range
 * for log scales, and half a step beyond each end for discrete ranges, so every grid value owns an
 * equally wide slice. Ints on a log scale span log(low − ½)..log(high + ½).
 */
function encodingBounds(d: Extract<Distribution, { low: number }>): { a: number; b: number } {
  if (d.log) return d.type === 'int' ? { a: Math.log(d.low - 0.5), b: Math.log(d.high + 0.5) } : { a: Math.log(d.low), b: Math.log(d.high) };
  const step = d.type === 'int' ? (d.step ?? 1) : d.step;
  if (step !== undefined) return { a: d.low - step / 2, b: d.high + step / 2 };
  return { a: d.low, b: d.high };
}

/**
 * Encodes a value as a number in [0, 1]: linear or log position within the encoding interval for
 * numbers; (index + ½) / count for choices, bools (false, true) and discrete values' slices; ½ for
 * a fixed value.
 */
export function toUnit(d: Distribution, value: ParamValue): number {
  switch (d.type) {
    case 'int':
    case 'float': {
      const { a, b } = encodingBounds(d);
      const x = d.log ? Math.log(value as number) : (value as number);
      return Math.min(1, Math.max(0, (x - a) / (b - a)));
    }
    case 'choice':
      return (d.values.indexOf(value) + 0.5) / d.values.length;
    case 'bool':
      return value === true ? 0.75 : 0.25;
    case 'fixed':
      return 0.5;
  }
}

/**
 * Decodes a number in [0, 1] into a valid value (snapped to the step, clamped to the range; floats
 * rounded to 12 significant digits so grid and log values read cleanly: 0.001, not 0.0009999999999).
 */
export function fromUnit(d: Distribution, u: number): ParamValue {
  const t = Math.min(1, Math.max(0, u));
  switch (d.type) {
    case 'int':
    case 'float': {
      const { a, b } = encodingBounds(d);
      let x = a + t * (b - a);
      if (d.log) x = Math.exp(x);
      const step = d.type === 'int' ? (d.step ?? 1) : d.step;
      if (d.type === 'int' && d.log) x = Math.round(x);
      else if (step !== undefined) x = d.low + Math.round((x - d.low) / step) * step;
      if (d.type === 'int') return Math.min(d.high, Math.max(d.low, Math.round(x)));
      return Math.min(d.high, Math.max(d.low, clean(x)));
    }
    case 'choice':
      return d.values[Math.min(d.values.length - 1, Math.floor(t * d.values.length))];
    case 'bool':
      return t >= 0.5;
    case 'fixed':
      return d.value;
  }
}

/**
 * The width of one value's slice in the encoding, for discrete linear ranges (ints, floats with a
 * step); undefined for continuous encodings (plain and log floats, and log ints, which Optuna also
 * models as continuous in log space and rounds).
 */
export function unitStep(d: Distribution): number | undefined {
  if ((d.type !== 'int' && d.type !== 'float') || d.log) return undefined;
  const step = d.type === 'int' ? (d.step ?? 1) : d.step;
  if (step === undefined) return undefined;
  return step / (d.high - d.low + step);
}

// ---------------------------------------------------------------------------------------------
// Grid

export interface GridOptions {
  /** Values per float range without a step, evenly spaced (on the log scale if log), ends included. */
  floatPoints?: number;
  /** Refuse grids larger than this (default 100,000 points). */
  maxPoints?: number;
}

/** The values a parameter takes on the grid. */
export function gridValues(d: Distribution, floatPoints = 5): ParamValue[] {
  switch (d.type) {
    case 'int': {
      const step = d.step ?? 1;
      const out: number[] = [];
      for (let x = d.low; x <= d.high; x += step) out.push(x);
      return out;
    }
    case 'float': {
      if (d.step !== undefined) {
        const n = Math.round((d.high - d.low) / d.step);
        return Array.from({ length: n + 1 }, (_, i) => clean(d.low + i * d.step!));
      }
      if (floatPoints === 1) return [clean(d.log ? Math.sqrt(d.low * d.high) : (d.low + d.high) / 2)];
      const a = d.log ? Math.log(d.low) : d.low;
      const b = d.log ? Math.log(d.high) : d.high;
      return Array.from({ length: floatPoints }, (_, i) => {
        const x = a + ((b - a) * i) / (floatPoints - 1);
        return clean(d.log ? Math.exp(x) : x);
      });
    }
    case 'choice':
      return [...d.values];
    case 'bool':
      return [false, true];
    case 'fixed':
      return [d.value];
  }
}

/**
 * Every combination of the active parameters' grid values: a conditional parameter multiplies only
 * the points where it is active. Ints run over their range by step, floats with a step over their
 * steps, other floats over `floatPoints` values.
 */
export function gridPoints(space: SearchSpace, options: GridOptions = {}): Params[] {
  const floatPoints = options.floatPoints ?? 5;
  const maxPoints = options.maxPoints ?? 100_000;
  if (!Number.isInteger(floatPoints) || floatPoints < 1) {
    throw new SpaceError([`floatPoints: expected a positive integer, got ${describeValue(floatPoints)}`]);
  }
  let points: Params[] = [{}];
  for (const def of space.params) {
    const values = gridValues(def.dist, floatPoints);
    const next: Params[] = [];
    for (const p of points) {
      if (!isActive(def, p)) {
        next.push(p);
        continue;
      }
      for (const v of values) next.push({ ...p, [def.name]: v });
      if (next.length > maxPoints) {
        throw new SpaceError([`the grid has more than ${maxPoints} points (at parameter '${def.name}'); narrow the ranges, add steps or use fewer float points`]);
      }
    }
    points = next;
  }
  return points;
}

// ---------------------------------------------------------------------------------------------
// Summary

function py(v: unknown): string {
  if (v === undefined || v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  return `{${Object.entries(v as Obj).map(([k, x]) => `'${k}': ${py(x)}`).join(', ')}}`;
}

const CLASS_NAMES: Record<Distribution['type'], string> = { int: 'Int', float: 'Float', choice: 'Choice', bool: 'Boolean', fixed: 'Fixed' };

/**
 * The space as Keras Tuner prints it (`tuner.search_space_summary()`): the number of parameters,
 * then per parameter its name and class and a line with its configuration. Conditions appear as
 * `'conditions': ['num_layers >= 3']`.
 */
export function spaceSummary(space: SearchSpace): string {
  const lines = ['Search space summary', `Default search space size: ${space.params.length}`];
  for (const def of space.params) {
    const d = def.dist;
    const config: Obj = { conditions: def.when ? [describeCondition(def.when)] : [] };
    if (d.type === 'int' || d.type === 'float') {
      Object.assign(config, { min_value: d.low, max_value: d.high, step: d.step ?? (d.type === 'int' ? 1 : null), sampling: d.log ? 'log' : 'linear' });
    } else if (d.type === 'choice') {
      Object.assign(config, { values: d.values, ordered: d.values.every((v) => typeof v === 'number') });
    } else if (d.type === 'fixed') {
      config.value = d.value;
    }
    lines.push(`${def.name} (${CLASS_NAMES[d.type]})`, py(config));
  }
  return lines.join('\n');
}
