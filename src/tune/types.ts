/**
 * Hyperparameter search, split like Optuna: a search space, samplers that propose parameters from
 * the trials so far, pruners that stop unpromising trials early, and a study storage that several
 * worker processes (or machines) share. Each piece sits behind one small interface here.
 */

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

/** One parameter's distribution, as Keras Tuner's Int/Float/Choice/Boolean/Fixed. */
export type Distribution =
  | { type: 'int'; low: number; high: number; step?: number; log?: boolean }
  | { type: 'float'; low: number; high: number; step?: number; log?: boolean }
  | { type: 'choice'; values: ParamValue[] }
  | { type: 'bool' }
  | { type: 'fixed'; value: ParamValue };

/**
 * The parameter is active only when an earlier parameter satisfies this (e.g. `units_3` only when
 * `num_layers >= 3`). Exactly one comparison is given.
 */
export interface Condition {
  param: string;
  equals?: ParamValue;
  in?: ParamValue[];
  gte?: number;
  lte?: number;
}

export interface ParamDef {
  name: string;
  dist: Distribution;
  when?: Condition;
}

/** Parameters in order: a condition may only refer to a parameter defined before it. */
export interface SearchSpace {
  params: ParamDef[];
}

export type Direction = 'minimize' | 'maximize';

/** waiting: queued with fixed params (e.g. a retry); running: claimed by a worker. */
export type TrialState = 'waiting' | 'running' | 'complete' | 'pruned' | 'failed';

export interface Trial {
  /** 0, 1, 2 … within its study, unique and assigned by the storage. */
  number: number;
  state: TrialState;
  /** Only the parameters active in this trial. */
  params: Params;
  /** The objective (final value) of a complete trial; the last reported value of a pruned one. */
  value?: number;
  /** Intermediate values by step (epoch), as reported during the trial. */
  intermediate: Map<number, number>;
}

/** What a sampler sees when asked for a new trial's parameters. */
export interface SampleContext {
  space: SearchSpace;
  /** Every trial of the study so far, in any state (running ones have params but no value). */
  trials: readonly Trial[];
  direction: Direction;
  /** The number the new trial will get (grid search maps it to a grid point). */
  trialNumber: number;
  /** Uniform [0, 1), seeded per study and trial so a study is reproducible. */
  random: () => number;
}

export interface Sampler {
  readonly name: string;
  /** Returns a value for every parameter active under the returned values (and only those). */
  sample(ctx: SampleContext): Params;
}

export interface Pruner {
  readonly name: string;
  /**
   * Called after `trial` reported its value for `step`; true stops the trial (state 'pruned').
   * `trials` are all the study's trials, the current one included.
   */
  shouldPrune(trial: Trial, step: number, trials: readonly Trial[], direction: Direction): boolean;
}
