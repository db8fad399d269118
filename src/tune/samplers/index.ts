/** The samplers by name: 'grid', 'random', 'tpe', 'tpe-mv' (multivariate TPE). */
import type { Sampler } from '../types.ts';
import { GridSampler, type GridOptions } from './grid.ts';
import { RandomSampler } from './random.ts';
import { TpeSampler, type TpeOptions } from './tpe.ts';

export { GridSampler, RandomSampler, TpeSampler };
export type { GridOptions, TpeOptions };

export const SAMPLER_NAMES = ['grid', 'random', 'tpe', 'tpe-mv'] as const;
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
}

const TPE_KEYS = ['seed', 'nStartupTrials', 'nEiCandidates', 'gamma', 'weights', 'considerPrior', 'priorWeight', 'considerMagicClip', 'considerEndpoints', 'normalizedDensity'];
const OPTION_KEYS: Record<SamplerName, readonly string[]> = {
  grid: ['seed', 'floatPoints'],
  random: ['seed'],
  tpe: TPE_KEYS,
  'tpe-mv': TPE_KEYS,
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
  }
}
