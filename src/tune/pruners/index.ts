/** The pruners by name: 'none', 'median', 'sh' (successive halving) and 'hyperband'. */
import type { Pruner } from '../types.ts';
import { HyperbandPruner, type HyperbandOptions } from './hyperband.ts';
import { MedianPruner, type PercentileOptions } from './median.ts';
import { NopPruner } from './nop.ts';
import { SuccessiveHalvingPruner, type SuccessiveHalvingOptions } from './successive-halving.ts';

export { HyperbandPruner, MedianPruner, NopPruner, SuccessiveHalvingPruner };
export type { HyperbandOptions, PercentileOptions, SuccessiveHalvingOptions };

export const PRUNER_NAMES = ['none', 'median', 'sh', 'hyperband'] as const;
export type PrunerName = (typeof PRUNER_NAMES)[number];

export interface PrunerOptionsByName {
  none: Record<string, never>;
  median: PercentileOptions;
  sh: SuccessiveHalvingOptions;
  hyperband: HyperbandOptions;
}

const OPTION_KEYS: Record<PrunerName, readonly string[]> = {
  none: [],
  median: ['nStartupTrials', 'nWarmupSteps', 'intervalSteps', 'nMinTrials'],
  sh: ['minResource', 'reductionFactor', 'minEarlyStoppingRate', 'bootstrapCount'],
  hyperband: ['minResource', 'maxResource', 'reductionFactor', 'bootstrapCount', 'studyName'],
};

/**
 * Builds a pruner from its name and options (e.g. read from a spec file or the command line); an
 * unknown name or option is an error naming what is accepted.
 */
export function createPruner<N extends PrunerName>(name: N, options?: PrunerOptionsByName[N]): Pruner;
export function createPruner(name: string, options?: Record<string, unknown>): Pruner;
export function createPruner(name: string, options: Record<string, unknown> = {}): Pruner {
  if (!(PRUNER_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown pruner "${name}": expected one of ${PRUNER_NAMES.join(', ')}`);
  }
  const known = OPTION_KEYS[name as PrunerName];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const accepted = known.length > 0 ? `accepted: ${known.join(', ')}` : 'it takes no options';
      throw new Error(`${name} pruner: unknown option "${key}" (${accepted})`);
    }
  }
  switch (name as PrunerName) {
    case 'none':
      return new NopPruner();
    case 'median':
      return new MedianPruner(options as PercentileOptions);
    case 'sh':
      return new SuccessiveHalvingPruner(options as SuccessiveHalvingOptions);
    case 'hyperband':
      return new HyperbandPruner(options as HyperbandOptions);
  }
}
