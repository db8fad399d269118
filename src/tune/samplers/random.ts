/**
 * Random search: each active parameter drawn independently and uniformly in its encoding (space.ts
 * toUnit), so log ranges are log-uniform and every int, step value or choice is equally likely.
 */
import { fromUnit, isActive } from '../space.ts';
import type { Params, Sampler, SampleContext, SearchSpace } from '../types.ts';

/** One uniform draw of the active parameters, in the space's order. */
export function sampleUniform(space: SearchSpace, random: () => number): Params {
  const params: Params = {};
  for (const def of space.params) {
    if (!isActive(def, params)) continue;
    params[def.name] = def.dist.type === 'fixed' ? def.dist.value : fromUnit(def.dist, random());
  }
  return params;
}

export class RandomSampler implements Sampler {
  readonly name = 'random';

  sample(ctx: SampleContext): Params {
    return sampleUniform(ctx.space, ctx.random);
  }
}
