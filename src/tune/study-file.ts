/**
 * The study file (YAML or JSON): what a hyperparameter search trains and how it searches.
 *
 *   name: mlp-search              # optional; --study overrides it
 *   metric: val_accuracy          # val_accuracy | val_loss, reported every epoch (pruners see it)
 *   direction: maximize           # optional: maximize for val_accuracy, minimize for val_loss
 *   objective: last               # last | best: the trial's value is the metric at its last epoch
 *                                 #   (what the run's final model scores) or at its best epoch
 *   sampler: {name: tpe}          # grid | random | tpe | tpe-mv | gp, with that sampler's options
 *   pruner: {name: median}        # none | median | sh | hyperband, with its options
 *   trials: 20
 *   seed: 0                       # seeds the sampler and every trial's training
 *   base:                         # the training every trial starts from
 *     model: mlp                  # zoo name, spec file, or an inline spec (a template, below)
 *     epochs: 3
 *     batchSize: 128
 *     optimizer: adam
 *     lr: 0.001
 *     val: 0.1                    # --val syntax
 *     limitTrain: 10000           # a slice of the data, for quick searches
 *   params:                       # the search space (src/tune/space.ts's format)
 *     lr: {type: float, low: 1.0e-4, high: 1.0e-1, log: true}
 *
 * Parameters reach a trial in two ways. (a) A parameter named like a training setting sets it:
 * see CONFIG_PARAMS. (b) An inline model is a template: any value may be the string `$name`, which
 * becomes that parameter's value, and any layer may carry `when: {param: NAME, equals|in|gte|lte:
 * VALUE}` (a search-space condition) to be included only when it holds, so "num_layers with
 * units_i" is a list of layers guarded by `when: {param: num_layers, gte: i}`. Every parameter must
 * land somewhere: a training setting, a `$name` in the model, or a condition.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { parseValidationSplit } from '../data/preprocess.ts';
import { resolveModel } from '../models/load.ts';
import { closeMatches } from '../models/similar.ts';
import type { ModelSpec } from '../models/types.ts';
import { describeValue, SpecError, validateSpec } from '../models/validate.ts';
import {
  ConfigError, defaultConfig, OPTIMIZERS, validateConfig, type OptimizerName, type ScheduleConfig, type TrainConfig,
} from '../train/config.ts';
import { parseSchedule } from '../train/schedules.ts';
import { configForModel } from '../train/spec-defaults.ts';
import { createPruner } from './pruners/index.ts';
import { createSampler } from './samplers/index.ts';
import { activeParams, describeCondition, isActive, parseSpace, SpaceError } from './space.ts';
import type { Condition, Direction, ParamDef, Params, ParamValue, SearchSpace } from './types.ts';

export class StudyFileError extends Error {
  override name = 'StudyFileError';
  constructor(readonly issues: string[]) {
    super(issues.join('\n'));
  }
}

export const METRICS = ['val_accuracy', 'val_loss'] as const;
export type StudyMetric = (typeof METRICS)[number];
export const OBJECTIVES = ['last', 'best'] as const;
export type ObjectiveSelect = (typeof OBJECTIVES)[number];

/** A sampler or pruner: its name and that component's options. */
export interface ComponentConfig { name: string; [option: string]: unknown }

/** A column of a preset's result table: a parameter, several (shown as a tuple), or a trial field. */
export interface TableColumn { header: string; value: string | string[]; scale?: number; digits?: number }
/** `sort`: fields to order rows by (a choice parameter sorts in the order of its values); `descending` reverses. */
export interface TableSpec { title?: string; columns: TableColumn[]; sort?: string[]; descending?: boolean }

/** The study as stored with it: the file's content, checked, with defaults filled in. */
export interface StudyDefinition {
  name?: string;
  description?: string;
  metric: StudyMetric;
  direction: Direction;
  objective: ObjectiveSelect;
  sampler: ComponentConfig;
  pruner: ComponentConfig;
  trials: number;
  seed: number;
  base: Record<string, unknown>;
  params: Record<string, unknown>;
  table?: TableSpec;
}

/** What the objective needs to turn a trial's parameters into a training run. */
export interface ObjectiveConfig {
  metric: StudyMetric;
  objective: ObjectiveSelect;
  /** The training config before any parameter is applied. */
  config: TrainConfig;
  /** The zoo/file model's spec, or the template of an inline model. */
  model: { kind: 'fixed'; spec: ModelSpec } | { kind: 'template'; template: Record<string, unknown> };
  /** The learning rate the study's base gives, which applies whatever optimizer a trial draws. */
  baseLr?: number;
  space: SearchSpace;
}

export interface ParsedStudy { study: StudyDefinition; space: SearchSpace; objectiveConfig: ObjectiveConfig }

// ---------------------------------------------------------------------------------------------
// Training settings a parameter (or the base) may set

/** Checks a setting's value: undefined when good, else what the setting takes ('a positive integer'). */
type Check = (v: ParamValue) => string | undefined;
const positiveNumber: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'a positive number');
const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'a positive integer');
const unitInterval: Check = (v) => (typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)');
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const oneOf = (values: readonly string[]): Check => (v) =>
  (typeof v === 'string' && values.includes(v) ? undefined : `one of ${values.join(', ')}`);
const SCHEDULE_KINDS = ['constant', 'cosine', 'one-cycle'] as const;

interface Setting { check: Check; apply(c: TrainConfig, v: ParamValue): void }

const lr: Setting = { check: positiveNumber, apply: (c, v) => { c.optimizer.learningRate = v as number; } };
const batchSize: Setting = { check: positiveInt, apply: (c, v) => { c.batchSize = v as number; } };
const labelSmoothing: Setting = { check: unitInterval, apply: (c, v) => { c.labelSmoothing = v as number; } };
const optimizerField = (key: 'momentum' | 'beta1' | 'beta2' | 'rho' | 'epsilon'): Setting => ({
  check: key === 'epsilon' ? positiveNumber : unitInterval,
  apply: (c, v) => { c.optimizer[key] = v as number; },
});

/**
 * Parameter names that set a training setting (snake_case aliases as Keras Tuner and Optuna
 * studies name them). `optimizer` is applied first, so a searched learning rate applies to
 * whichever optimizer the trial drew.
 */
export const CONFIG_PARAMS: Readonly<Record<string, Setting>> = {
  optimizer: { check: oneOf(OPTIMIZERS), apply: (c, v) => { c.optimizer.name = v as OptimizerName; } },
  lr, learning_rate: lr, learningRate: lr,
  batchSize, batch_size: batchSize,
  epochs: { check: positiveInt, apply: (c, v) => { c.epochs = v as number; } },
  momentum: optimizerField('momentum'),
  nesterov: { check: boolean, apply: (c, v) => { c.optimizer.nesterov = v as boolean; } },
  beta1: optimizerField('beta1'), beta2: optimizerField('beta2'), rho: optimizerField('rho'), epsilon: optimizerField('epsilon'),
  labelSmoothing, label_smoothing: labelSmoothing,
  scaling: { check: oneOf(['unit', 'standardize']), apply: (c, v) => { c.scaling = v as TrainConfig['scaling']; } },
  schedule: { check: oneOf(SCHEDULE_KINDS), apply: (c, v) => { c.schedule = { kind: v } as ScheduleConfig; } },
};

/** Other spellings of a setting (left out of the list in messages). */
const ALIASES = ['learning_rate', 'learningRate', 'batch_size', 'label_smoothing'];

// ---------------------------------------------------------------------------------------------
// Reading

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a study file (.yaml, .yml or .json) into a plain object; errors name the file. */
export function readStudyFile(path: string): unknown {
  const ext = extname(path).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) {
    throw new StudyFileError([`${path}: unsupported study file type '${ext || '(none)'}'; expected .yaml, .yml or .json`]);
  }
  if (!existsSync(path) || !statSync(path).isFile()) throw new StudyFileError([`${path}: no such file`]);
  const text = readFileSync(path, 'utf8');
  try {
    return ext === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new StudyFileError([`${path}: invalid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`]);
  }
}

const TOP_FIELDS = ['name', 'description', 'metric', 'direction', 'objective', 'sampler', 'pruner', 'trials', 'seed', 'base', 'params', 'table'];
const BASE_FIELDS = [
  'model', 'epochs', 'batchSize', 'optimizer', 'lr', 'momentum', 'nesterov', 'labelSmoothing', 'val', 'scaling', 'schedule',
  'earlyStopping', 'reduceLr', 'limitTrain', 'limitTest',
];
const TRIAL_FIELDS = ['number', 'state', 'value', 'epochs', 'run', 'test_accuracy', 'test_loss', 'val_accuracy', 'val_loss'];

function unknownFields(o: Obj, allowed: readonly string[], where: string, issues: string[]): void {
  for (const key of Object.keys(o)) {
    if (allowed.includes(key)) continue;
    const near = closeMatches(key, allowed, 1);
    issues.push(`${where}.${key}: unknown field; expected one of ${allowed.join(', ')}${near.length ? `; did you mean '${near[0]}'?` : ''}`);
  }
}

function component(raw: unknown, fallback: string, where: string, issues: string[]): ComponentConfig {
  if (raw === undefined) return { name: fallback };
  if (typeof raw === 'string') return { name: raw };
  if (isObject(raw) && typeof raw.name === 'string') return { ...raw, name: raw.name };
  issues.push(`${where}: expected a name or {name: NAME, ...options}, got ${describeValue(raw)}`);
  return { name: fallback };
}

function integer(raw: unknown, fallback: number, min: number, where: string, issues: string[]): number {
  if (raw === undefined) return fallback;
  if (Number.isInteger(raw) && (raw as number) >= min) return raw as number;
  issues.push(`${where}: expected an integer ≥ ${min}, got ${describeValue(raw)}`);
  return fallback;
}

function oneOfField<T extends string>(raw: unknown, values: readonly T[], fallback: T, where: string, issues: string[]): T {
  if (raw === undefined) return fallback;
  if (typeof raw === 'string' && (values as readonly string[]).includes(raw)) return raw as T;
  issues.push(`${where}: expected one of ${values.join(', ')}, got ${describeValue(raw)}`);
  return fallback;
}

export interface ParseOverrides {
  /** The study's name when the file gives none (a template's default spec name uses it). */
  name?: string;
  trials?: number;
  sampler?: string;
  pruner?: string;
}

/**
 * Checks a study file's content and returns the definition to store, the search space and what the
 * objective needs. Every problem is reported together, each prefixed with `where` and the field's
 * path. Overrides (from the command line) replace the budget, sampler or pruner; a sampler or
 * pruner named there drops the file's options for a different one.
 */
export function parseStudy(raw: unknown, where = 'study', overrides: ParseOverrides = {}): ParsedStudy {
  if (!isObject(raw)) throw new StudyFileError([`${where}: expected an object (metric, base, params, ...), got ${describeValue(raw)}`]);
  const issues: string[] = [];
  const at = (field: string) => `${where}.${field}`;
  unknownFields(raw, TOP_FIELDS, where, issues);
  if (raw.name !== undefined && (typeof raw.name !== 'string' || !raw.name.trim())) issues.push(`${at('name')}: expected a non-empty string, got ${describeValue(raw.name)}`);
  if (raw.description !== undefined && typeof raw.description !== 'string') issues.push(`${at('description')}: expected a string, got ${describeValue(raw.description)}`);
  const metric = oneOfField(raw.metric, METRICS, 'val_accuracy', at('metric'), issues);
  const natural: Direction = metric === 'val_loss' ? 'minimize' : 'maximize';
  const direction = oneOfField(raw.direction, ['maximize', 'minimize'] as const, natural, at('direction'), issues);
  if (direction !== natural && raw.direction !== undefined && METRICS.includes(raw.metric as StudyMetric)) {
    issues.push(`${at('direction')}: ${direction} ${metric} would search for the worst models; ${metric} is ${natural}d`);
  }
  const objective = oneOfField(raw.objective, OBJECTIVES, 'last', at('objective'), issues);
  let sampler = component(raw.sampler, 'tpe', at('sampler'), issues);
  let pruner = component(raw.pruner, 'none', at('pruner'), issues);
  if (overrides.sampler !== undefined && overrides.sampler !== sampler.name) sampler = { name: overrides.sampler };
  if (overrides.pruner !== undefined && overrides.pruner !== pruner.name) pruner = { name: overrides.pruner };
  const trials = overrides.trials ?? integer(raw.trials, 20, 1, at('trials'), issues);
  const seed = integer(raw.seed, 0, 0, at('seed'), issues);
  // Built once here so that an unknown name or option is reported with the file's other problems.
  const { name: _s, ...samplerOptions } = sampler;
  const { name: _p, ...prunerOptions } = pruner;
  for (const [key, build] of [['sampler', () => createSampler(sampler.name, samplerOptions)], ['pruner', () => createPruner(pruner.name, prunerOptions)]] as const) {
    try {
      build();
    } catch (err) {
      issues.push(`${at(key)}: ${(err as Error).message}`);
    }
  }
  const table = raw.table === undefined ? undefined : parseTable(raw.table, at('table'), issues);

  let space: SearchSpace | undefined;
  if (raw.params === undefined) issues.push(`${at('params')}: missing; expected the search space (name: definition, ...)`);
  else {
    try {
      space = parseSpace(raw.params, at('params'));
    } catch (err) {
      if (!(err instanceof SpaceError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (!isObject(raw.base)) issues.push(`${at('base')}: ${raw.base === undefined ? 'missing; ' : ''}expected the base training {model, epochs, ...}${raw.base === undefined ? '' : `, got ${describeValue(raw.base)}`}`);
  if (issues.length || !space || !isObject(raw.base)) throw new StudyFileError(issues);

  const name = typeof raw.name === 'string' ? raw.name : overrides.name;
  const objectiveConfig = parseBase(raw.base, space, raw.params as Obj, metric, objective, seed, name, at('base'), issues);
  if (table) checkTable(table, space, at('table'), issues);
  if (issues.length || !objectiveConfig) throw new StudyFileError(issues);
  const study: StudyDefinition = {
    ...(name !== undefined ? { name } : {}),
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    metric, direction, objective, sampler, pruner, trials, seed,
    base: structuredClone(raw.base), params: structuredClone(raw.params as Obj),
    ...(table ? { table } : {}),
  };
  return { study, space, objectiveConfig };
}

function parseTable(raw: unknown, where: string, issues: string[]): TableSpec | undefined {
  if (!isObject(raw) || !Array.isArray(raw.columns) || raw.columns.length === 0) {
    issues.push(`${where}: expected {title?, columns: [{header, value}, ...], sort?, descending?}, got ${describeValue(raw)}`);
    return undefined;
  }
  unknownFields(raw, ['title', 'columns', 'sort', 'descending'], where, issues);
  const columns: TableColumn[] = [];
  raw.columns.forEach((c, i) => {
    const path = `${where}.columns[${i}]`;
    const okValue = isObject(c) && (typeof c.value === 'string' || (Array.isArray(c.value) && c.value.length > 0 && c.value.every((v) => typeof v === 'string')));
    if (!isObject(c) || typeof c.header !== 'string' || !okValue) {
      issues.push(`${path}: expected {header: TEXT, value: FIELD or [PARAM, ...], scale?, digits?}, got ${describeValue(c)}`);
      return;
    }
    unknownFields(c, ['header', 'value', 'scale', 'digits'], path, issues);
    if (c.scale !== undefined && !(typeof c.scale === 'number' && c.scale > 0)) issues.push(`${path}.scale: expected a positive number, got ${describeValue(c.scale)}`);
    if (c.digits !== undefined && !(Number.isInteger(c.digits) && (c.digits as number) >= 0 && (c.digits as number) <= 12)) {
      issues.push(`${path}.digits: expected an integer in 0..12, got ${describeValue(c.digits)}`);
    }
    columns.push(c as unknown as TableColumn);
  });
  const sort = typeof raw.sort === 'string' ? [raw.sort] : raw.sort;
  if (sort !== undefined && !(Array.isArray(sort) && sort.length > 0 && sort.every((f) => typeof f === 'string'))) {
    issues.push(`${where}.sort: expected a field name or a list of them, got ${describeValue(raw.sort)}`);
  }
  if (raw.descending !== undefined && typeof raw.descending !== 'boolean') issues.push(`${where}.descending: expected true or false, got ${describeValue(raw.descending)}`);
  if (raw.title !== undefined && typeof raw.title !== 'string') issues.push(`${where}.title: expected a string, got ${describeValue(raw.title)}`);
  return {
    ...(typeof raw.title === 'string' ? { title: raw.title } : {}),
    columns,
    ...(Array.isArray(sort) ? { sort: sort as string[] } : {}),
    ...(raw.descending === true ? { descending: true } : {}),
  };
}

function checkTable(table: TableSpec, space: SearchSpace, where: string, issues: string[]): void {
  const fields = [...space.params.map((p) => p.name), ...TRIAL_FIELDS];
  const check = (f: string, path: string) => {
    if (fields.includes(f)) return;
    const near = closeMatches(f, fields, 1);
    issues.push(`${path}: unknown field '${f}'; expected a parameter or one of ${TRIAL_FIELDS.join(', ')}${near.length ? `; did you mean '${near[0]}'?` : ''}`);
  };
  table.columns.forEach((c, i) => {
    for (const f of [c.value].flat()) check(f, `${where}.columns[${i}].value`);
  });
  for (const f of table.sort ?? []) check(f, `${where}.sort`);
}

// ---------------------------------------------------------------------------------------------
// The base training and the model template

/** The --schedule syntax (`cosine:1e-5`) or a ScheduleConfig object. */
function baseSchedule(raw: unknown, where: string, issues: string[]): ScheduleConfig | undefined {
  if (typeof raw === 'string') {
    try {
      return parseSchedule(raw, where);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(err.message);
      return undefined;
    }
  }
  if (isObject(raw) && ['constant', 'step', 'cosine', 'one-cycle'].includes(raw.kind as string)) return raw as unknown as ScheduleConfig;
  issues.push(`${where}: expected constant, step:EVERY:GAMMA, cosine[:MIN_LR], one-cycle[:MAX_LR] or {kind: constant|step|cosine|one-cycle, ...}, got ${describeValue(raw)}`);
  return undefined;
}

/** The model's own training settings as defaults (as `fmnist train` takes them), then the base's fields. */
function baseConfig(base: Obj, spec: ModelSpec | undefined, seed: number, modelLabel: string, where: string, issues: string[]): TrainConfig {
  const c = spec ? configForModel(modelLabel, spec) : defaultConfig(modelLabel);
  c.seed = seed;
  const setting = (key: string, name: string) => {
    if (base[key] === undefined) return;
    const s = CONFIG_PARAMS[name];
    const why = s.check(base[key] as ParamValue);
    if (why) issues.push(`${where}.${key}: expected ${why}, got ${describeValue(base[key])}`);
    else s.apply(c, base[key] as ParamValue);
  };
  if (base.optimizer !== undefined && base.optimizer !== c.optimizer.name) c.optimizer = { name: c.optimizer.name };
  for (const key of ['optimizer', 'lr', 'epochs', 'batchSize', 'momentum', 'nesterov', 'labelSmoothing', 'scaling']) setting(key, key);
  if (base.schedule !== undefined) {
    const s = baseSchedule(base.schedule, `${where}.schedule`, issues);
    if (s) c.schedule = s;
  }
  if (base.val !== undefined) {
    try {
      c.validation = parseValidationSplit(String(base.val), `${where}.val`);
    } catch (err) {
      issues.push((err as Error).message);
    }
  }
  for (const key of ['earlyStopping', 'reduceLr'] as const) {
    const v = base[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || (v as number) < (key === 'earlyStopping' ? 0 : 1)) {
      issues.push(`${where}.${key}: expected a patience in epochs (an integer ≥ ${key === 'earlyStopping' ? 0 : 1}), got ${describeValue(v)}`);
    } else if (key === 'earlyStopping') c.earlyStopping = { monitor: 'val_loss', patience: v as number, restoreBestWeights: true };
    else c.reduceLROnPlateau = { monitor: 'val_loss', patience: v as number, factor: 0.5 };
  }
  for (const key of ['limitTrain', 'limitTest'] as const) {
    const v = base[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || (v as number) <= 0) issues.push(`${where}.${key}: expected a positive integer, got ${describeValue(v)}`);
    else c[key] = v as number;
  }
  return c;
}

interface Ref { param: string; path: string; layer?: number }

/** Every `$name` in the template, with its path and the index of the layer it sits in. */
function collectRefs(value: unknown, path: string, layer: number | undefined, out: Ref[]): void {
  if (typeof value === 'string') {
    if (value.startsWith('$')) out.push({ param: value.slice(1), path, ...(layer !== undefined ? { layer } : {}) });
  } else if (Array.isArray(value)) value.forEach((v, i) => collectRefs(v, `${path}[${i}]`, layer, out));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) collectRefs(v, `${path}.${k}`, layer, out);
}

/** A layer's `when`, checked as the search space checks a parameter's condition (same rules, same messages). */
function checkLayerCondition(when: unknown, params: Obj, where: string, issues: string[]): Condition | undefined {
  const probe = '__layer__';
  try {
    const space = parseSpace({ ...params, [probe]: { type: 'fixed', value: 0, when } }, 'params');
    return space.params.find((p) => p.name === probe)!.when;
  } catch (err) {
    if (!(err instanceof SpaceError)) throw err;
    const prefix = `params.${probe}.when`;
    const mine = err.issues.filter((i) => i.startsWith(prefix)).map((i) => where + i.slice(prefix.length));
    issues.push(...mine);
    return undefined;
  }
}

const holds = (when: Condition, params: Params): boolean => isActive({ name: '', dist: { type: 'bool' }, when }, params);

/**
 * A concrete spec from the template: `$name`s replaced, layers whose `when` fails dropped. `origin`,
 * when given, receives the template index of each kept layer (to name the template's layer in errors).
 */
export function instantiate(template: Obj, params: Params, where = 'model', origin?: number[]): ModelSpec {
  const substitute = (value: unknown, path: string): unknown => {
    if (typeof value === 'string' && value.startsWith('$')) {
      const name = value.slice(1);
      if (!Object.hasOwn(params, name)) {
        throw new StudyFileError([`${path}: $${name} has no value in this trial (inactive or unknown); params: ${JSON.stringify(params)}`]);
      }
      return params[name];
    }
    if (Array.isArray(value)) return value.map((v, i) => substitute(v, `${path}[${i}]`));
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, `${path}.${k}`)]));
    return value;
  };
  const layers = Array.isArray(template.layers) ? template.layers : [];
  const kept: unknown[] = [];
  layers.forEach((layer, i) => {
    if (isObject(layer) && layer.when !== undefined) {
      if (!holds(layer.when as Condition, params)) return;
      const { when: _when, ...rest } = layer;
      kept.push(substitute(rest, `${where}.layers[${i}]`));
    } else kept.push(substitute(layer, `${where}.layers[${i}]`));
    origin?.push(i);
  });
  const { layers: _layers, ...top } = template;
  return { ...(substitute(top, where) as Obj), layers: kept } as unknown as ModelSpec;
}

/** Parameter values at one corner of the space: every range's low (or high) end, first (or last) choice. */
function corner(space: SearchSpace, high: boolean): Params {
  const out: Params = {};
  for (const def of space.params) {
    if (!isActive(def, out)) continue;
    const d = def.dist;
    if (d.type === 'int' || d.type === 'float') out[def.name] = high ? d.high : d.low;
    else if (d.type === 'choice') out[def.name] = high ? d.values[d.values.length - 1] : d.values[0];
    else if (d.type === 'bool') out[def.name] = high;
    else out[def.name] = d.value;
  }
  return out;
}

/** The values a parameter's distribution can take that a setting's check should see: choices, or a range's ends. */
function representativeValues(def: ParamDef): ParamValue[] {
  const d = def.dist;
  if (d.type === 'choice') return d.values;
  if (d.type === 'fixed') return [d.value];
  if (d.type === 'bool') return [false, true];
  return [d.low, d.high];
}

function parseBase(
  base: Obj, space: SearchSpace, rawParams: Obj, metric: StudyMetric, objective: ObjectiveSelect, seed: number,
  studyName: string | undefined, where: string, issues: string[],
): ObjectiveConfig | undefined {
  unknownFields(base, BASE_FIELDS, where, issues);
  const names = space.params.map((p) => p.name);
  let model: ObjectiveConfig['model'] | undefined;
  let spec: ModelSpec | undefined;
  let label = 'model';
  const refs: Ref[] = [];
  const layerConditions: Condition[] = [];
  if (base.model === undefined) issues.push(`${where}.model: missing; expected a zoo model name, a spec file or an inline spec`);
  else if (typeof base.model === 'string') {
    try {
      spec = resolveModel(base.model);
      model = { kind: 'fixed', spec };
      label = base.model;
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      issues.push(...err.issues.map((i) => `${where}.model: ${i}`));
    }
  } else if (isObject(base.model)) {
    const template = structuredClone(base.model);
    if (template.name === undefined) template.name = studyName ? `${studyName}-model` : 'study-model';
    label = String(template.name);
    if (!Array.isArray(template.layers)) issues.push(`${where}.model.layers: expected a list of layers, got ${describeValue(template.layers)}`);
    else {
      template.layers.forEach((layer, i) => {
        if (!isObject(layer) || layer.when === undefined) return;
        const cond = checkLayerCondition(layer.when, rawParams, `${where}.model.layers[${i}].when`, issues);
        if (cond) { layer.when = cond; layerConditions.push(cond); }
      });
    }
    const { layers, ...top } = template;
    collectRefs(top, `${where}.model`, undefined, refs);
    if (Array.isArray(layers)) {
      layers.forEach((layer, i) => {
        const body = isObject(layer) ? Object.fromEntries(Object.entries(layer).filter(([k]) => k !== 'when')) : layer;
        collectRefs(body, `${where}.model.layers[${i}]`, i, refs);
      });
    }
    for (const r of refs) {
      const def = space.params.find((p) => p.name === r.param);
      if (!def) {
        const near = closeMatches(r.param, names, 1);
        issues.push(`${r.path}: unknown parameter '$${r.param}'${near.length ? `; did you mean '$${near[0]}'?` : ''}; the search space has ${names.join(', ')}`);
        continue;
      }
      const layer = r.layer !== undefined ? (template.layers as Obj[])[r.layer] : undefined;
      if (def.when && r.layer === undefined) {
        issues.push(`${r.path}: $${r.param} is only active when ${describeCondition(def.when)}, but only layers can be left out; ` +
          'use an unconditional parameter here');
      } else if (def.when && !(isObject(layer) && layer.when !== undefined)) {
        issues.push(`${r.path}: $${r.param} is only active when ${describeCondition(def.when)}, but its layer has no when:; ` +
          `guard the layer with when: ${JSON.stringify(def.when)}`);
      }
    }
    if (Array.isArray(template.layers)) model = { kind: 'template', template };
  } else {
    issues.push(`${where}.model: expected a zoo model name, a spec file or an inline spec, got ${describeValue(base.model)}`);
  }

  const config = baseConfig(base, spec, seed, label, where, issues);
  if (metric.startsWith('val_') && config.validation.kind === 'none') {
    issues.push(`${where}.val: the metric ${metric} needs a validation split, but it is none`);
  }
  try {
    validateConfig(structuredClone(config));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(`${where}.${err.message}`);
  }

  // Every parameter must land: a training setting, a $name in the model, or a condition.
  const used = new Set<string>([
    ...refs.map((r) => r.param),
    ...layerConditions.map((c) => c.param),
    ...space.params.flatMap((p) => (p.when ? [p.when.param] : [])),
  ]);
  const settings = Object.keys(CONFIG_PARAMS).filter((k) => !ALIASES.includes(k));
  const paramsAt = where.replace(/base$/, 'params');
  for (const def of space.params) {
    const setting = CONFIG_PARAMS[def.name];
    if (setting) {
      for (const v of representativeValues(def)) {
        const why = setting.check(v);
        if (why) issues.push(`${paramsAt}.${def.name}: sets the training setting ${def.name}, which takes ${why}, but the space allows ${describeValue(v)}`);
      }
      if ((def.name === 'batchSize' || def.name === 'batch_size' || def.name === 'epochs') && def.dist.type === 'float') {
        issues.push(`${paramsAt}.${def.name}: sets ${def.name}, an integer, but is a float; use {type: int} or a choice`);
      }
      continue;
    }
    if (used.has(def.name) || !model) continue; // without a sound model, whether a parameter lands can't be told
    const how = model?.kind === 'template'
      ? `the model never uses it (as $${def.name} or in a when:)`
      : `base.model is ${describeValue(base.model)}, which takes no parameters (write the model inline to use $${def.name})`;
    const near = closeMatches(def.name, Object.keys(CONFIG_PARAMS), 1);
    issues.push(`${paramsAt}.${def.name}: lands nowhere: it is not a training setting (${settings.join(', ')})${near.length ? `, did you mean '${near[0]}'?` : ''}, and ${how}`);
  }
  if (issues.length || !model) return undefined;

  const baseLr = typeof base.lr === 'number' ? base.lr : undefined;
  const oc: ObjectiveConfig = { metric, objective, config, model, ...(baseLr !== undefined ? { baseLr } : {}), space };
  // Build the model at the space's two corners: catches a template whose layers don't fit together.
  if (model.kind === 'template') {
    for (const high of [false, true]) {
      const params = corner(space, high);
      try {
        trialSetup(oc, params);
      } catch (err) {
        if (!(err instanceof SpecError || err instanceof StudyFileError || err instanceof ConfigError)) throw err;
        const lines = err instanceof SpecError || err instanceof StudyFileError ? err.issues : [err.message];
        issues.push(...lines.map((l) => `${where}.${l.startsWith('model') ? l : `model: ${l}`} (with ${formatParams(params)})`));
        break;
      }
    }
  }
  return issues.length ? undefined : oc;
}

export function formatParams(params: Params): string {
  return Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : v}`).join(' ');
}

/** Up to 4 significant digits, without trailing zeros: 0.001234, 128, 3.2e-5. */
export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) < 1e-3 ? Number(v.toPrecision(3)).toExponential() : String(Number(v.toPrecision(4)));
}

/**
 * A trial's training config and model spec: the base config, the parameters that are training
 * settings applied (optimizer first), and the model instantiated from its template. A trial whose
 * optimizer differs from the base's starts from that optimizer's defaults, with the base's `lr`
 * if it gives one.
 */
export function trialSetup(oc: ObjectiveConfig, params: Params): { config: TrainConfig; spec: ModelSpec } {
  const config = structuredClone(oc.config);
  const active = activeParams(oc.space, params);
  if (Object.hasOwn(active, 'optimizer') && active.optimizer !== config.optimizer.name) {
    // Another optimizer starts from its own defaults (Keras's learning rate), unless the study's base sets one.
    config.optimizer = { name: active.optimizer as OptimizerName, ...(oc.baseLr !== undefined ? { learningRate: oc.baseLr } : {}) };
  }
  for (const [name, value] of Object.entries(active)) {
    if (name !== 'optimizer') CONFIG_PARAMS[name]?.apply(config, value);
  }
  validateConfig(config);
  if (oc.model.kind === 'fixed') return { config, spec: structuredClone(oc.model.spec) };
  const origin: number[] = [];
  const raw = instantiate(oc.model.template, active, 'model', origin);
  try {
    return { config, spec: validateSpec(raw, 'model') };
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    // Name the template's layer, not the position it has once inactive layers are dropped.
    throw new SpecError(err.issues.map((i) => i.replace(/^model\.layers\[(\d+)\]/, (_, n: string) => `model.layers[${origin[Number(n)] ?? n}]`)));
  }
}

// ---------------------------------------------------------------------------------------------
// Resuming

/** The fields that make two definitions the same study (budget, sampler and pruner may change on resume). */
const IDENTITY: (keyof StudyDefinition)[] = ['metric', 'direction', 'objective', 'seed', 'base', 'params'];

/** The first difference between two definitions' identities, as 'path: old → new', or undefined when they match. */
export function definitionChange(stored: StudyDefinition, given: StudyDefinition): string | undefined {
  for (const key of IDENTITY) {
    const d = firstDifference(stored[key], given[key], key);
    if (d) return d;
  }
  return undefined;
}

function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = firstDifference(a[k], b[k], `${path}.${k}`);
      if (d) return d;
    }
    // Same fields and values: the order of parameters still matters (conditions look back).
    if (path === 'params' && Object.keys(a).join() !== Object.keys(b).join()) return `params: order ${Object.keys(a).join(', ')} → ${Object.keys(b).join(', ')}`;
    return undefined;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));
  return `${path}: ${show(a)} → ${show(b)}`;
}

