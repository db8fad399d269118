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
 * Pruned trials are ranked as Optuna ranks them: after every complete trial, deeper ones (a later
 * last step) first, then by their last intermediate value; a pruned trial that reported nothing
 * comes last. So a trial stopped early still counts as evidence against its region, and one that
 * survived long enough can still land in "below" when few trials completed. Running, waiting and
 * failed trials are ignored.
 */
import { fromUnit, isActive, toUnit, unitStep } from '../space.ts';
import type { Distribution, Params, Sampler, SampleContext, Trial } from '../types.ts';
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
}

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

  constructor(options: TpeOptions = {}) {
    this.multivariate = options.multivariate ?? false;
    this.name = this.multivariate ? 'tpe-mv' : 'tpe';
    this.nStartupTrials = options.nStartupTrials ?? 10;
    this.nEiCandidates = options.nEiCandidates ?? 24;
    this.gamma = options.gamma ?? defaultGamma;
    this.weights = options.weights ?? defaultWeights;
    this.parzen = {
      considerPrior: options.considerPrior ?? true,
      priorWeight: options.priorWeight ?? 1,
      considerMagicClip: options.considerMagicClip ?? true,
      considerEndpoints: options.considerEndpoints ?? false,
      normalizedDensity: options.normalizedDensity ?? false,
    };
  }

  sample(ctx: SampleContext): Params {
    const split = splitTrials(ctx.trials, ctx.direction, this.gamma);
    const startup = split.length < this.nStartupTrials;
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
