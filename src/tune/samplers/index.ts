/** The samplers by name: 'grid', 'random', 'tpe', 'tpe-mv' (multivariate TPE), 'gp' (Gaussian process). */
import type { Sampler } from '../types.ts';
import { GpSampler, type GpSamplerOptions } from './gp.ts';
import { GridSampler, type GridOptions } from './grid.ts';
import { RandomSampler } from './random.ts';
import { TpeSampler, type TpeOptions } from './tpe.ts';

export { GpSampler, GridSampler, RandomSampler, TpeSampler };
export type { GpSamplerOptions, GridOptions, TpeOptions };

export const SAMPLER_NAMES = ['grid', 'random', 'tpe', 'tpe-mv', 'gp'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** What every sampler accepts: the study's seed (grid needs it to order its points alike in every worker). */
export interface CommonSamplerOptions {
  seed?: number;
}

export interface SamplerOptionsByName {
  grid: GridOptions;
  random: CommonSamplerOptions;
  tpe: Omit<TpeOptions, 'multivariate'> & CommonSamplerOptions;
  'tpe-mv': Omit<TpeOptions, 'multivariate'> & CommonSamplerOptions;
  gp: GpSamplerOptions & CommonSamplerOptions;
}

/** What an option must be: an integer (>= 0 or >= 1), a positive number, a boolean, or a function (from code only). */
type OptionKind = 'int' | 'int0' | 'int1' | 'positive' | 'bool' | 'function';

const TPE_OPTIONS: Record<string, OptionKind> = {
  seed: 'int', nStartupTrials: 'int0', nEiCandidates: 'int1', gamma: 'function', weights: 'function', considerPrior: 'bool',
  priorWeight: 'positive', considerMagicClip: 'bool', considerEndpoints: 'bool', normalizedDensity: 'bool',
  localSteps: 'bool', localStepsAfter: 'int0',
};
const OPTIONS: Record<SamplerName, Record<string, OptionKind>> = {
  grid: { seed: 'int', floatPoints: 'int1' },
  random: { seed: 'int' },
  tpe: TPE_OPTIONS,
  'tpe-mv': TPE_OPTIONS,
  gp: { seed: 'int', nStartupTrials: 'int0', candidates: 'int1', localSearches: 'int0', localSteps: 'int0', restarts: 'int0', constantLiar: 'bool' },
};

const KIND_TEXT: Record<OptionKind, string> = {
  int: 'an integer', int0: 'an integer >= 0', int1: 'an integer >= 1', positive: 'a number > 0', bool: 'true or false', function: 'a function',
};

function fits(kind: OptionKind, v: unknown): boolean {
  switch (kind) {
    case 'int': return Number.isInteger(v);
    case 'int0': return Number.isInteger(v) && (v as number) >= 0;
    case 'int1': return Number.isInteger(v) && (v as number) >= 1;
    case 'positive': return typeof v === 'number' && v > 0 && Number.isFinite(v);
    case 'bool': return typeof v === 'boolean';
    case 'function': return typeof v === 'function';
  }
}

/**
 * Builds a sampler from its name and options (e.g. from a study file or the command line); an
 * unknown name or option is an error naming what is accepted.
 */
export function createSampler<N extends SamplerName>(name: N, options?: SamplerOptionsByName[N]): Sampler;
export function createSampler(name: string, options?: Record<string, unknown>): Sampler;
export function createSampler(name: string, options: Record<string, unknown> = {}): Sampler {
  if (!(SAMPLER_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown sampler "${name}": expected one of ${SAMPLER_NAMES.join(', ')}`);
  }
  const known = OPTIONS[name as SamplerName];
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(known, key)) throw new Error(`${name} sampler: unknown option "${key}" (accepted: ${Object.keys(known).join(', ')})`);
    if (!fits(known[key], value)) throw new Error(`${name} sampler: option "${key}" must be ${KIND_TEXT[known[key]]}, got ${JSON.stringify(value)}`);
  }
  const { seed: _seed, ...rest } = options;
  switch (name as SamplerName) {
    case 'grid':
      return new GridSampler(options as GridOptions);
    case 'random':
      return new RandomSampler();
    case 'tpe':
      return new TpeSampler(rest as TpeOptions);
    case 'tpe-mv':
      return new TpeSampler({ ...(rest as TpeOptions), multivariate: true });
    case 'gp':
      return new GpSampler(rest as GpSamplerOptions);
  }
}
