/**
 * The median stopping rule, as Optuna's MedianPruner (a PercentilePruner at 50): after the warm-up,
 * a trial is pruned when its best intermediate value so far is worse than the median of the values
 * that completed trials reported at the same step.
 */
import type { Direction, Pruner, Trial } from '../types.ts';
import { checkInt, checkNumber } from '../checks.ts';

export interface PercentileOptions {
  /** No pruning until this many trials of the study have completed (Optuna default 5). */
  nStartupTrials?: number;
  /** No pruning before this step (steps count from 0; default 0). */
  nWarmupSteps?: number;
  /** Check every this many steps after the warm-up (default 1). */
  intervalSteps?: number;
  /** No pruning at a step where fewer completed trials reported a value (default 1). */
  nMinTrials?: number;
}

/** Optuna's PercentilePruner: keeps trials whose best value so far is within the top `percentile` %. */
export class PercentilePruner implements Pruner {
  readonly name: string = 'percentile';
  private readonly percentile: number;
  private readonly nStartupTrials: number;
  private readonly nWarmupSteps: number;
  private readonly intervalSteps: number;
  private readonly nMinTrials: number;

  constructor(percentile: number, options: PercentileOptions = {}, label = 'percentile') {
    const owner = `${label} pruner`;
    this.percentile = checkNumber(owner, 'percentile', percentile, 0, 100);
    this.nStartupTrials = checkInt(owner, 'nStartupTrials', options.nStartupTrials ?? 5, 0);
    this.nWarmupSteps = checkInt(owner, 'nWarmupSteps', options.nWarmupSteps ?? 0, 0);
    this.intervalSteps = checkInt(owner, 'intervalSteps', options.intervalSteps ?? 1, 1);
    this.nMinTrials = checkInt(owner, 'nMinTrials', options.nMinTrials ?? 1, 1);
  }

  shouldPrune(trial: Trial, step: number, trials: readonly Trial[], direction: Direction): boolean {
    const completed = trials.filter((t) => t.state === 'complete' && t.number !== trial.number);
    if (completed.length === 0 || completed.length < this.nStartupTrials) return false;
    if (step < this.nWarmupSteps) return false;
    if (!isFirstInIntervalStep(step, trial.intermediate.keys(), this.nWarmupSteps, this.intervalSteps)) return false;

    const best = bestIntermediate(trial, direction);
    if (Number.isNaN(best)) return true;

    const atStep: number[] = [];
    for (const t of completed) {
      const v = t.intermediate.get(step);
      if (v !== undefined) atStep.push(v);
    }
    if (atStep.length < this.nMinTrials) return false;
    // The kept share is at the good end: for maximisation that is the top of the distribution.
    const p = nanPercentile(atStep, direction === 'maximize' ? 100 - this.percentile : this.percentile);
    if (Number.isNaN(p)) return false;
    return direction === 'maximize' ? best < p : best > p;
  }
}

export class MedianPruner extends PercentilePruner {
  override readonly name = 'median';

  constructor(options: PercentileOptions = {}) {
    super(50, options, 'median');
  }
}

/** The trial's best value over all its reported steps, ignoring NaN (NaN when all are NaN). */
function bestIntermediate(trial: Trial, direction: Direction): number {
  let best = NaN;
  for (const v of trial.intermediate.values()) {
    if (Number.isNaN(v)) continue;
    if (Number.isNaN(best) || (direction === 'maximize' ? v > best : v < best)) best = v;
  }
  return best;
}

/**
 * True when `step` is the first report at or after the latest check point (warm-up + k·interval):
 * a check that found no report is postponed to the next report, not skipped.
 */
function isFirstInIntervalStep(step: number, steps: Iterable<number>, warmup: number, interval: number): boolean {
  const nearestLowerCheck = Math.floor((step - warmup) / interval) * interval + warmup;
  let secondLast = -1;
  for (const s of steps) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLowerCheck;
}

/** numpy's nanpercentile with linear interpolation: NaN values are dropped; NaN if none remain. */
export function nanPercentile(values: readonly number[], q: number): number {
  const a = values.filter((v) => !Number.isNaN(v)).sort((x, y) => x - y);
  if (a.length === 0) return NaN;
  const rank = (q / 100) * (a.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, a.length - 1);
  return a[lo] + (a[hi] - a[lo]) * (rank - lo);
}
