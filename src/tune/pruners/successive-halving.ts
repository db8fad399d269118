/**
 * Asynchronous successive halving, as Optuna's SuccessiveHalvingPruner. Rung r is reached at step
 * minResource · η^(minEarlyStoppingRate + r); a trial reaching it competes with every trial that
 * reached the same rung before, and continues only if its value there is in the top 1/η of them
 * (for the first η−1 competitors: only if it is the best so far).
 *
 * Optuna records a trial's value at each rung it reaches in trial attributes. Our trials carry no
 * such attributes, so the rung values are rebuilt from the intermediate values: a trial's value at
 * rung r is its value at its first reported step at or past rung r's step. That is the same record
 * as long as a trial reaches at most one rung per report (consecutive steps, as with epochs); when one
 * report passes several rung steps at once and the trial was then pruned, we count only the first of
 * them, since which rung it failed at is not stored. One more difference: with minResource 'auto'
 * (and Hyperband's maxResource 'auto'), Optuna records nothing for trials that ran before the first
 * trial completed; we count their rung values too. With explicit resources, decisions on sequential
 * studies match Optuna 3.1 report for report (checked on 60-trial random histories).
 */
import type { Direction, Pruner, Trial } from '../types.ts';
import { checkInt } from '../checks.ts';

export interface SuccessiveHalvingOptions {
  /** Steps before the first rung; 'auto' (default): 1/100 of the longest completed trial, at least 1. */
  minResource?: number | 'auto';
  /** η: each rung keeps the top 1/η (default 4, as Optuna). */
  reductionFactor?: number;
  /** s: the first rung sits at minResource · η^s (default 0). */
  minEarlyStoppingRate?: number;
  /** A trial is pruned at a rung until more than this many trials (itself included) reached it (default 0). */
  bootstrapCount?: number;
}

export class SuccessiveHalvingPruner implements Pruner {
  readonly name: string = 'sh';
  private minResource: number | undefined;
  private readonly reductionFactor: number;
  private readonly minEarlyStoppingRate: number;
  private readonly bootstrapCount: number;

  constructor(options: SuccessiveHalvingOptions = {}) {
    const min = options.minResource ?? 'auto';
    const owner = 'sh pruner';
    if (min !== 'auto') this.minResource = checkInt(owner, 'minResource', min, 1);
    this.reductionFactor = checkInt(owner, 'reductionFactor', options.reductionFactor ?? 4, 2);
    this.minEarlyStoppingRate = checkInt(owner, 'minEarlyStoppingRate', options.minEarlyStoppingRate ?? 0, 0);
    this.bootstrapCount = checkInt(owner, 'bootstrapCount', options.bootstrapCount ?? 0, 0);
    if (this.bootstrapCount > 0 && min === 'auto') {
      throw new Error('sh pruner: bootstrapCount > 0 needs an explicit minResource, not "auto"');
    }
  }

  /** The step at which `rung` is reached (undefined while minResource is 'auto' and not yet known). */
  rungStep(rung: number): number | undefined {
    if (this.minResource === undefined) return undefined;
    return this.minResource * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
  }

  shouldPrune(trial: Trial, step: number, trials: readonly Trial[], direction: Direction): boolean {
    const value = trial.intermediate.get(step);
    if (value === undefined) return false;
    if (this.minResource === undefined) {
      // As Optuna: estimated once, from the first completed trials, then kept.
      this.minResource = estimateMinResource(trials);
      if (this.minResource === undefined) return false;
    }
    const rungStep = (r: number) => this.rungStep(r)!;
    let rung = rungValues(trial, rungStep, step).length;
    const others = trials.filter((t) => t.number !== trial.number).map((t) => rungValues(t, rungStep));
    for (;;) {
      if (step < rungStep(rung)) return false;
      if (Number.isNaN(value)) return true;
      const competing = [value];
      for (const values of others) if (rung < values.length) competing.push(values[rung]);
      // `competing` includes this trial, hence <=.
      if (competing.length <= this.bootstrapCount) return true;
      if (!isPromotable(value, competing, this.reductionFactor, direction)) return true;
      rung++;
    }
  }
}

/** 1/100 of the longest completed trial's last step, at least 1; undefined before any trial completed. */
function estimateMinResource(trials: readonly Trial[]): number | undefined {
  let last = -1;
  for (const t of trials) {
    if (t.state !== 'complete') continue;
    for (const s of t.intermediate.keys()) last = Math.max(last, s);
  }
  return last < 0 ? undefined : Math.max(Math.floor(last / 100), 1);
}

/**
 * The values a trial recorded at rungs 0, 1, … from its reports before `beforeStep` (see the module
 * comment). A NaN report is pruned without being recorded, and ends the trial's record.
 */
export function rungValues(trial: Trial, rungStep: (rung: number) => number, beforeStep = Infinity): number[] {
  const steps = [...trial.intermediate.keys()].filter((s) => s < beforeStep).sort((a, b) => a - b);
  const out: number[] = [];
  for (let i = 0; i < steps.length; i++) {
    const v = trial.intermediate.get(steps[i])!;
    const prunedHere = trial.state === 'pruned' && i === steps.length - 1;
    while (steps[i] >= rungStep(out.length)) {
      if (Number.isNaN(v)) return out;
      out.push(v);
      if (prunedHere) return out;
    }
  }
  return out;
}

/** In the top ⌊n/η⌋ of the n competing values (the best one when n < η). */
function isPromotable(value: number, competing: number[], eta: number, direction: Direction): boolean {
  const idx = Math.max(Math.floor(competing.length / eta) - 1, 0);
  competing.sort((a, b) => a - b);
  return direction === 'maximize' ? value >= competing[competing.length - 1 - idx] : value <= competing[idx];
}
