/** The samplers by name: 'grid', 'random', 'tpe', 'tpe-mv' (multivariate TPE), 'gp' (Gaussian process). */
import { checkInt } from '../checks.ts';
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

const TPE_KEYS = ['seed', 'nStartupTrials', 'nEiCandidates', 'gamma', 'weights', 'considerPrior', 'priorWeight', 'considerMagicClip',
  'considerEndpoints', 'normalizedDensity', 'localSteps', 'localStepsAfter'];
const OPTION_KEYS: Record<SamplerName, readonly string[]> = {
  grid: ['seed', 'floatPoints'],
  random: ['seed'],
  tpe: TPE_KEYS,
  'tpe-mv': TPE_KEYS,
  gp: ['seed', 'nStartupTrials', 'candidates', 'localSearches', 'localSteps', 'restarts', 'constantLiar'],
};

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
  const known = OPTION_KEYS[name as SamplerName];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${name} sampler: unknown option "${key}" (accepted: ${known.join(', ')})`);
  }
  // Each sampler checks its own options' values; the seed is common to all of them.
  if (options.seed !== undefined) checkInt(`${name} sampler`, 'seed', options.seed as number);
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
