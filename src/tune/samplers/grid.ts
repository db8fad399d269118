/**
 * Grid search: trial number k gets point k of the grid (space.ts gridPoints) in an order shuffled
 * by the study's seed. The mapping depends only on the trial number, which the storage hands out
 * uniquely, so concurrent workers never run the same point; past the last point the order repeats
 * (a study asking for more trials than the grid holds revisits points in the same order).
 */
import { deriveSeed, mulberry32, permutation } from '../../data/random.ts';
import { checkInt } from '../checks.ts';
import { gridPoints } from '../space.ts';
import type { Params, Sampler, SampleContext, SearchSpace } from '../types.ts';

export interface GridOptions {
  /** The study's seed: every worker must use the same one. */
  seed?: number;
  /** Values per float range without a step (default 5). */
  floatPoints?: number;
}

export class GridSampler implements Sampler {
  readonly name = 'grid';
  private readonly cache = new WeakMap<SearchSpace, { points: Params[]; order: Int32Array }>();

  constructor(private readonly options: GridOptions = {}) {
    // Checked here as well as when the grid is built, so a bad study file fails before its first trial.
    if (options.floatPoints !== undefined) checkInt('grid sampler', 'floatPoints', options.floatPoints, 1);
  }

  private grid(space: SearchSpace): { points: Params[]; order: Int32Array } {
    let g = this.cache.get(space);
    if (!g) {
      const points = gridPoints(space, { floatPoints: this.options.floatPoints });
      g = { points, order: permutation(points.length, mulberry32(deriveSeed(this.options.seed ?? 0, 'grid'))) };
      this.cache.set(space, g);
    }
    return g;
  }

  /** How many points the grid has (a study needs this many trials to cover it). */
  size(space: SearchSpace): number {
    return this.grid(space).points.length;
  }

  /** The point trial `trialNumber` gets. */
  pointFor(space: SearchSpace, trialNumber: number): Params {
    const { points, order } = this.grid(space);
    return { ...points[order[trialNumber % points.length]] };
  }

  sample(ctx: SampleContext): Params {
    return this.pointFor(ctx.space, ctx.trialNumber);
  }
}
