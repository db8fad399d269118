/**
 * Hyperband, as Optuna's HyperbandPruner: several successive-halving brackets that trade the number
 * of trials against how early they are judged. Bracket b is an SH pruner whose first rung is at
 * minResource · η^b; a trial's bracket is fixed by a hash of the study name and trial number
 * (crc32 of "<studyName>_<number>", as Optuna), weighted by each bracket's trial budget
 * ⌈n · η^s / (s + 1)⌉ with s = n − 1 − b, and it competes only with trials of its own bracket.
 */
import { crc32 } from 'node:zlib';
import type { Direction, Pruner, Trial } from '../types.ts';
import { checkInt } from '../checks.ts';
import { SuccessiveHalvingPruner } from './successive-halving.ts';

export interface HyperbandOptions {
  /** Steps before the first rung of bracket 0 (default 1). */
  minResource?: number;
  /** The most steps a trial runs; 'auto' (default): 1 + the last step of the first completed trials. */
  maxResource?: number | 'auto';
  /** η (default 3). */
  reductionFactor?: number;
  bootstrapCount?: number;
  /** Hashed with the trial number to pick its bracket; the same name gives the same brackets as Optuna. */
  studyName?: string;
}

export interface Bracket {
  /** The step of the bracket's first rung. */
  minResource: number;
  /** Its share of trials, before normalising by the total. */
  trialBudget: number;
}

export class HyperbandPruner implements Pruner {
  readonly name = 'hyperband';
  private readonly minResource: number;
  private maxResource: number | undefined;
  private readonly reductionFactor: number;
  private readonly bootstrapCount: number;
  private readonly studyName: string;
  private pruners: SuccessiveHalvingPruner[] = [];
  private budgets: number[] = [];
  private totalBudget = 0;

  constructor(options: HyperbandOptions = {}) {
    const owner = 'hyperband pruner';
    this.minResource = checkInt(owner, 'minResource', options.minResource ?? 1, 1);
    this.reductionFactor = checkInt(owner, 'reductionFactor', options.reductionFactor ?? 3, 2);
    this.bootstrapCount = checkInt(owner, 'bootstrapCount', options.bootstrapCount ?? 0, 0);
    this.studyName = options.studyName ?? '';
    const max = options.maxResource ?? 'auto';
    if (max !== 'auto') {
      this.maxResource = checkInt(owner, 'maxResource', max, this.minResource);
    } else if (this.bootstrapCount > 0) {
      throw new Error('hyperband pruner: bootstrapCount > 0 needs an explicit maxResource, not "auto"');
    }
    if (this.maxResource !== undefined) this.initialize(this.maxResource);
  }

  /** The brackets, once maxResource is known (empty before). */
  brackets(): Bracket[] {
    return this.pruners.map((p, b) => ({ minResource: p.rungStep(0)!, trialBudget: this.budgets[b] }));
  }

  /** The bracket the trial numbered `trialNumber` belongs to (0 while maxResource is unknown). */
  bracketOf(trialNumber: number): number {
    if (this.pruners.length === 0) return 0;
    let n = crc32(`${this.studyName}_${trialNumber}`) % this.totalBudget;
    for (let b = 0; b < this.budgets.length; b++) {
      n -= this.budgets[b];
      if (n < 0) return b;
    }
    throw new Error('hyperband pruner: bracket budgets do not cover the hash range'); // unreachable
  }

  shouldPrune(trial: Trial, step: number, trials: readonly Trial[], direction: Direction): boolean {
    if (this.pruners.length === 0) {
      const max = autoMaxResource(trials);
      if (max === undefined) return false;
      this.initialize(Math.max(max, this.minResource));
    }
    const bracket = this.bracketOf(trial.number);
    const mates = trials.filter((t) => this.bracketOf(t.number) === bracket);
    return this.pruners[bracket].shouldPrune(trial, step, mates, direction);
  }

  private initialize(maxResource: number): void {
    this.maxResource = maxResource;
    // n = ⌊log_η(max/min)⌋ + 1, counted in integers (Optuna's floating-point log gives one bracket
    // fewer when the ratio is an exact power such as 3^5 = 243).
    let n = 1;
    while (this.minResource * this.reductionFactor ** n <= maxResource) n++;
    for (let b = 0; b < n; b++) {
      const s = n - 1 - b;
      const budget = Math.ceil((n * this.reductionFactor ** s) / (s + 1));
      this.budgets.push(budget);
      this.totalBudget += budget;
      this.pruners.push(
        new SuccessiveHalvingPruner({
          minResource: this.minResource,
          reductionFactor: this.reductionFactor,
          minEarlyStoppingRate: b,
          bootstrapCount: this.bootstrapCount,
        }),
      );
    }
  }
}

/** 1 + the last step of the longest completed trial; undefined before any trial completed. */
function autoMaxResource(trials: readonly Trial[]): number | undefined {
  let last = -1;
  for (const t of trials) {
    if (t.state !== 'complete') continue;
    for (const s of t.intermediate.keys()) last = Math.max(last, s);
  }
  return last < 0 ? undefined : last + 1;
}
