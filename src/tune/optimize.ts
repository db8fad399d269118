/**
 * An in-process study: asks the sampler, runs the objective, tells the pruner, for a number of
 * trials — for synthetic objectives (tests, the tuning benchmark). Studies of real training runs go
 * through worker.ts and the study storage, which share `askParams` so a stored study samples
 * exactly as this loop does for the same seed and history.
 */
import { deriveSeed, mulberry32 } from '../data/random.ts';
import { validateParams } from './space.ts';
import type { Direction, Params, Pruner, Sampler, SearchSpace, Trial } from './types.ts';
import { TrialPruned } from './worker.ts';

/** The random stream of trial `trialNumber` of a study seeded `studySeed`. */
export function trialRandom(studySeed: number, trialNumber: number): () => number {
  return mulberry32(deriveSeed(studySeed, 'trial', trialNumber));
}

/**
 * The parameters for trial `trialNumber`, given every trial so far: the sampler's answer on the
 * trial's own seeded stream, checked against the space (a sampler bug is an error here, not a
 * silently wrong trial).
 */
export function askParams(sampler: Sampler, space: SearchSpace, trials: readonly Trial[], direction: Direction,
  trialNumber: number, studySeed: number): Params {
  const params = sampler.sample({ space, trials, direction, trialNumber, random: trialRandom(studySeed, trialNumber) });
  return validateParams(space, params, `${sampler.name} sampler: params`);
}

/** What the objective gets besides the parameters. */
export interface SyncTrialHandle {
  readonly number: number;
  /** Records the value at this step and asks the pruner; throws TrialPruned when it says stop. */
  report(step: number, value: number): void;
}

export interface OptimizeOptions {
  space: SearchSpace;
  sampler: Sampler;
  pruner?: Pruner;
  direction?: Direction;
  trials: number;
  seed: number;
  /** Returns the trial's value; NaN fails the trial; may report intermediate values. */
  objective: (params: Params, trial: SyncTrialHandle) => number;
}

export interface OptimizeResult {
  trials: Trial[];
  /** The best complete trial (undefined if none completed). */
  best?: Trial;
  /** The best complete value after each trial (NaN until one completes). */
  bestSoFar: number[];
}

export function optimize(o: OptimizeOptions): OptimizeResult {
  const direction = o.direction ?? 'minimize';
  const better = (a: number, b: number) => (direction === 'minimize' ? a < b : a > b);
  const trials: Trial[] = [];
  const bestSoFar: number[] = [];
  let best: Trial | undefined;
  for (let number = 0; number < o.trials; number++) {
    const params = askParams(o.sampler, o.space, trials, direction, number, o.seed);
    const trial: Trial = { number, state: 'running', params, intermediate: new Map() };
    trials.push(trial);
    const handle: SyncTrialHandle = {
      number,
      report(step, value) {
        trial.intermediate.set(step, value);
        if (o.pruner?.shouldPrune(trial, step, trials, direction)) throw new TrialPruned(`trial ${number} pruned at step ${step}`);
      },
    };
    try {
      const value = o.objective(params, handle);
      if (Number.isNaN(value)) trial.state = 'failed';
      else {
        trial.state = 'complete';
        trial.value = value;
        if (!best || better(value, best.value!)) best = trial;
      }
    } catch (err) {
      if (!(err instanceof TrialPruned)) throw err;
      trial.state = 'pruned';
      const steps = [...trial.intermediate.keys()];
      if (steps.length) trial.value = trial.intermediate.get(Math.max(...steps));
    }
    bestSoFar.push(best ? best.value! : Number.NaN);
  }
  return { trials, best, bestSoFar };
}
