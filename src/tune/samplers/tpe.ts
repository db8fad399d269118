/**
 * Tree-structured Parzen Estimator, as Optuna 3.1's TPESampler with its defaults:
 *
 * - The first `nStartupTrials` (10) finished trials are sampled at random.
 * - Then the finished trials are ranked and the best γ(n) = min(⌈0.1·n⌉, 25) form the "below"
 *   set, the rest "above". A Parzen estimator is fitted to each (parzen.ts: prior weight 1, magic
 *   clip, Optuna's bandwidth rule, endpoints not considered unless asked, older trials weighted
 *   down by a ramp once there are more than 25), `nEiCandidates` (24) candidates are drawn from
 *   the below estimator, and the one maximising l(x)/g(x) is returned.
 * - Numeric parameters are modelled in their encoding (log ranges in log space, discrete ones with
 *   per-value mass), choices and bools as categories with weighted counts.
 * - Independent (default): each active parameter on its own, in the space's order. A conditional
 *   parameter uses only the trials where it was active (the split is made over all trials first,
 *   as Optuna does, so γ counts every trial).
 * - `multivariate: true`: the parameters that are always active (no condition) are sampled
 *   jointly from one mixture over all of them (Scott's-rule bandwidths), the conditional ones then
 *   independently — what Optuna does with `multivariate=True` (and `group=False`), where the joint
 *   space is the parameters every trial has.
 *
 * - Local steps (ours, not Optuna's; `localSteps: false` turns them off and leaves Optuna 3.1's
 *   TPE exactly): once `localStepsAfter` (30) trials have finished, every even-numbered trial is a
 *   step from the incumbent instead — each numeric parameter drawn from a normal around the best
 *   complete trial's value, truncated to the range, with the spread of the "below" set as σ;
 *   choices kept. TPE alone spends its late trials spread over l(x)'s whole support and rarely
 *   refines the incumbent: on held-out seeds these steps lowered the median best value of every
 *   synthetic objective in both modes (bench/README.md).
 *
 * Pruned trials are ranked as Optuna ranks them: after every complete trial, deeper ones (a later
 * last step) first, then by their last intermediate value; a pruned trial that reported nothing
 * comes last. So a trial stopped early still counts as evidence against its region, and one that
 * survived long enough can still land in "below" when few trials completed. Running, waiting and
 * failed trials are ignored.
 */
import { checkBool, checkFunction, checkInt, checkPositive } from '../checks.ts';
import { fromUnit, isActive, toUnit, unitStep } from '../space.ts';
import type { Distribution, Params, Sampler, SampleContext, Trial } from '../types.ts';
import { truncnormSample } from './normal.ts';
import { defaultWeights, ParzenEstimator, type Dim, type ParzenOptions } from './parzen.ts';

export interface TpeOptions {
  /** Finished trials sampled at random before TPE takes over (default 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per suggestion (default 24). */
  nEiCandidates?: number;
  /** Size of the "below" set for n finished trials (default min(⌈0.1·n⌉, 25)). */
  gamma?: (n: number) => number;
  /** Weights of n observations, oldest first (default: flat for the last 25, a ramp before). */
  weights?: (n: number) => number[];
  considerPrior?: boolean;
  priorWeight?: number;
  considerMagicClip?: boolean;
  considerEndpoints?: boolean;
  /** Proper truncated-normal densities (Optuna ≥ 3.5) instead of Optuna 3.1's (parzen.ts). */
  normalizedDensity?: boolean;
  multivariate?: boolean;
  /** Every other trial a local step from the incumbent (default true; false: Optuna 3.1's TPE). */
  localSteps?: boolean;
  /** Finished trials before local steps begin (default 30). */
  localStepsAfter?: number;
}

/** σ of a local step never falls below this share of the range, so a converged below set still moves. */
const LOCAL_MIN_SIGMA = 1e-3;

export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** A finished trial and whether it ranks among the best γ(n) ("below"). */
interface Ranked {
  trial: Trial;
  below: boolean;
}

/**
 * The finished (complete or pruned) trials in trial order, each marked below (among the best
 * γ(n)) or above. Ranking key: (stage, value) with stage −∞ for complete trials, −(last step) for
 * pruned ones and +1 for pruned ones without intermediate values; value signed so smaller is better.
 */
export function splitTrials(trials: readonly Trial[], direction: 'minimize' | 'maximize', gamma: (n: number) => number): Ranked[] {
  const sign = direction === 'minimize' ? 1 : -1;
  const finished: { trial: Trial; stage: number; score: number }[] = [];
  for (const trial of [...trials].sort((a, b) => a.number - b.number)) {
    if (trial.state === 'complete') {
      if (trial.value === undefined || !Number.isFinite(trial.value)) continue;
      finished.push({ trial, stage: -Infinity, score: sign * trial.value });
    } else if (trial.state === 'pruned') {
      if (trial.intermediate.size === 0) {
        finished.push({ trial, stage: 1, score: 0 });
        continue;
      }
      const step = Math.max(...trial.intermediate.keys());
      const v = trial.intermediate.get(step)!;
      finished.push({ trial, stage: -step, score: Number.isNaN(v) ? Infinity : sign * v });
    }
  }
  const order = finished.map((_, i) => i).sort((a, b) => {
    const x = finished[a];
    const y = finished[b];
    return x.stage !== y.stage ? (x.stage < y.stage ? -1 : 1) : x.score !== y.score ? (x.score < y.score ? -1 : 1) : a - b;
  });
  const nBelow = gamma(finished.length);
  const isBelow = new Set(order.slice(0, nBelow));
  return finished.map((f, i) => ({ trial: f.trial, below: isBelow.has(i) }));
}

/** How a parameter is modelled: its Parzen dimension and the conversions to and from it. */
interface Encoding {
  dim: Dim;
  encode(v: unknown): number | undefined;
  decode(x: number): Params[string];
}

type Modelled = { name: string; dist: Exclude<Distribution, { type: 'fixed' }> };

function encoding(d: Modelled['dist']): Encoding {
  if (d.type === 'choice' || d.type === 'bool') {
    const values = d.type === 'bool' ? [false, true] : d.values;
    return {
      dim: { kind: 'categorical', k: values.length },
      encode: (v) => {
        const i = values.indexOf(v as Params[string]);
        return i < 0 ? undefined : i;
      },
      decode: (x) => values[x],
    };
  }
  const q = unitStep(d);
  const discrete = q !== undefined || d.type === 'int';
  return {
    // Discrete values are drawn continuously and snapped to their value, as Optuna rounds.
    dim: { kind: 'numeric', q, snap: discrete ? (u) => toUnit(d, fromUnit(d, u)) : undefined },
    encode: (v) => (typeof v === 'number' && v >= d.low && v <= d.high ? toUnit(d, v) : undefined),
    decode: (x) => fromUnit(d, x),
  };
}

export class TpeSampler implements Sampler {
  readonly name: string;
  private readonly nStartupTrials: number;
  private readonly nEiCandidates: number;
  private readonly gamma: (n: number) => number;
  private readonly weights: (n: number) => number[];
  private readonly parzen: Omit<ParzenOptions, 'multivariate'>;
  private readonly multivariate: boolean;
  private readonly localSteps: boolean;
  private readonly localStepsAfter: number;

  constructor(options: TpeOptions = {}) {
    this.multivariate = options.multivariate ?? false;
    this.name = this.multivariate ? 'tpe-mv' : 'tpe';
    const owner = `${this.name} sampler`;
    this.nStartupTrials = checkInt(owner, 'nStartupTrials', options.nStartupTrials ?? 10, 0);
    this.nEiCandidates = checkInt(owner, 'nEiCandidates', options.nEiCandidates ?? 24, 1);
    this.gamma = checkFunction(owner, 'gamma', options.gamma ?? defaultGamma);
    this.weights = checkFunction(owner, 'weights', options.weights ?? defaultWeights);
    this.localSteps = checkBool(owner, 'localSteps', options.localSteps ?? true);
    this.localStepsAfter = checkInt(owner, 'localStepsAfter', options.localStepsAfter ?? 30, 0);
    this.parzen = {
      considerPrior: checkBool(owner, 'considerPrior', options.considerPrior ?? true),
      priorWeight: checkPositive(owner, 'priorWeight', options.priorWeight ?? 1),
      considerMagicClip: checkBool(owner, 'considerMagicClip', options.considerMagicClip ?? true),
      considerEndpoints: checkBool(owner, 'considerEndpoints', options.considerEndpoints ?? false),
      normalizedDensity: checkBool(owner, 'normalizedDensity', options.normalizedDensity ?? false),
    };
  }

  sample(ctx: SampleContext): Params {
    const split = splitTrials(ctx.trials, ctx.direction, this.gamma);
    const startup = split.length < this.nStartupTrials;
    if (!startup && this.localSteps && split.length >= this.localStepsAfter && ctx.trialNumber % 2 === 0) {
      const step = this.localStep(ctx, split);
      if (step) return step;
    }
    const params: Params = {};
    if (this.multivariate && !startup) {
      const joint: Modelled[] = [];
      for (const { name, dist, when } of ctx.space.params) if (!when && dist.type !== 'fixed') joint.push({ name, dist });
      if (joint.length > 0) Object.assign(params, this.sampleJoint(joint, split, ctx.random, true));
    }
    for (const def of ctx.space.params) {
      if (Object.hasOwn(params, def.name) || !isActive(def, params)) continue;
      const dist = def.dist;
      if (dist.type === 'fixed') params[def.name] = dist.value;
      else if (startup) params[def.name] = fromUnit(dist, ctx.random());
      else Object.assign(params, this.sampleJoint([{ name: def.name, dist }], split, ctx.random, false));
    }
    // In the space's order, whichever way each was sampled.
    const ordered: Params = {};
    for (const def of ctx.space.params) if (Object.hasOwn(params, def.name)) ordered[def.name] = params[def.name];
    return ordered;
  }

  /**
   * The incumbent (best complete trial) with each numeric parameter redrawn from a normal around
   * its value, truncated to the range, σ the sample standard deviation of the below set's values
   * (in the parameter's encoding: log ranges in log space). Undefined before a trial completes.
   */
  private localStep(ctx: SampleContext, split: Ranked[]): Params | undefined {
    const sign = ctx.direction === 'minimize' ? 1 : -1;
    let best: Trial | undefined;
    for (const { trial } of split) {
      if (trial.state === 'complete' && (!best || sign * trial.value! < sign * best.value!)) best = trial;
    }
    if (!best) return undefined;
    const below = split.filter((r) => r.below).map((r) => r.trial);
    const params: Params = {};
    for (const def of ctx.space.params) {
      if (!isActive(def, params)) continue;
      const dist = def.dist;
      if (dist.type === 'fixed') {
        params[def.name] = dist.value;
        continue;
      }
      const enc = encoding(dist);
      const encodedIn = (t: Trial) => (Object.hasOwn(t.params, def.name) ? enc.encode(t.params[def.name]) : undefined);
      const x0 = encodedIn(best);
      if (x0 === undefined) {
        // Made active by a stepped parameter (e.g. more layers): TPE's value for it.
        Object.assign(params, this.sampleJoint([{ name: def.name, dist }], split, ctx.random, false));
      } else if (enc.dim.kind === 'categorical') {
        params[def.name] = best.params[def.name];
      } else {
        const xs = below.map(encodedIn).filter((x): x is number => x !== undefined);
        const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
        const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1));
        params[def.name] = enc.decode(truncnormSample(ctx.random(), x0, Math.max(LOCAL_MIN_SIGMA, sd), 0, 1));
      }
    }
    return params;
  }

  /** TPE over the parameters `defs` together: fit l and g, draw candidates from l, keep the best l/g. */
  private sampleJoint(defs: Modelled[], split: Ranked[], random: () => number, multivariate: boolean): Params {
    const encodings = defs.map((def) => encoding(def.dist));
    const below: number[][] = [];
    const above: number[][] = [];
    for (const { trial, below: isBelow } of split) {
      const row: number[] = [];
      for (const [j, def] of defs.entries()) {
        const x = Object.hasOwn(trial.params, def.name) ? encodings[j].encode(trial.params[def.name]) : undefined;
        if (x === undefined) break; // inactive in this trial (or a value outside the current space)
        row.push(x);
      }
      if (row.length === defs.length) (isBelow ? below : above).push(row);
    }
    const dims = encodings.map((e) => e.dim);
    const options: ParzenOptions = { ...this.parzen, multivariate };
    const l = new ParzenEstimator(dims, below, this.weights(below.length), options);
    const g = new ParzenEstimator(dims, above, this.weights(above.length), options);
    const candidates = l.sample(random, this.nEiCandidates);
    const logL = l.logPdf(candidates);
    const logG = g.logPdf(candidates);
    // The first maximum, as numpy's argmax; NaN (both densities zero) never wins.
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      const score = logL[i] - logG[i];
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    const out: Params = {};
    defs.forEach((def, j) => { out[def.name] = encodings[j].decode(candidates[best][j]); });
    return out;
  }
}
