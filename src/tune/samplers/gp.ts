/**
 * Gaussian-process Bayesian optimisation, like Keras Tuner's BayesianOptimization and Optuna's
 * GPSampler: after `nStartupTrials` random trials, fit a GP (Matern 5/2 ARD kernel, standardised
 * objective, MAP hyperparameters; see ../gp/model.ts) to the completed trials and propose the point
 * maximising log expected improvement, found among random candidates and refined by local search.
 *
 * Encoding, one GP dimension per parameter that is not fixed:
 * - int and float: space.ts `toUnit` (linear or log position in [0, 1], step values at their
 *   slices' centres); candidates are decoded with `fromUnit`, so they are always valid values.
 * - choice and bool: the value's index, with a 0/1 mismatch distance (Hamming, as Optuna's GPSampler;
 *   equivalent to a one-hot encoding with one length scale per parameter).
 * - an inactive conditional parameter: for numbers a fixed place one unit away from every active value
 *   (the dimension's squared distance adds 1 when exactly one side is active), for choices an extra
 *   category. Trials with and without the parameter are thus related through the others, and the
 *   kernel stays positive definite. Candidates only carry the parameters their values activate.
 *
 * Only completed trials are modelled (pruned and failed ones say nothing about the final value). With
 * `constantLiar` (default on), running trials of other workers join the data with the worst value
 * seen so far, so parallel workers do not all propose the same point.
 *
 * Each proposal is a function of the trials and the trial's random stream alone: the hyperparameters
 * are refitted from Optuna's initial values every time (Optuna warm-starts from the previous fit,
 * which would make a resumed or multi-worker study sample differently from an uninterrupted one).
 */
import { checkBool, checkInt } from '../checks.ts';
import { fitHyperparameters, GaussianProcess, type Point } from '../gp/model.ts';
import { logExpectedImprovement } from '../gp/log-ei.ts';
import { fromUnit, isActive, toUnit, valueProblem } from '../space.ts';
import type { Distribution, ParamDef, Params, Sampler, SampleContext, SearchSpace } from '../types.ts';
import { sampleUniform } from './random.ts';

export interface GpSamplerOptions {
  /** Random trials before the GP takes over (default 10, as Optuna). */
  nStartupTrials?: number;
  /** Random candidates scored by the acquisition (default 512). */
  candidates?: number;
  /** Best candidates (plus the best trial so far) refined by local search (default 4). */
  localSearches?: number;
  /** Acquisition evaluations per local search (default 25). */
  localSteps?: number;
  /** Random hyperparameter starts besides the default one (default 0). */
  restarts?: number;
  /** Running trials count as the worst value seen (default true). */
  constantLiar?: boolean;
}

/** One GP dimension: a parameter that is not fixed. */
interface Dim {
  def: ParamDef;
  categorical: boolean;
  /** For categorical dims, the values by index. */
  values?: readonly (number | string | boolean)[];
}

function dimensionsOf(space: SearchSpace): Dim[] {
  const dims: Dim[] = [];
  for (const def of space.params) {
    const d = def.dist;
    if (d.type === 'fixed') continue;
    if (d.type === 'choice') dims.push({ def, categorical: true, values: d.values });
    else if (d.type === 'bool') dims.push({ def, categorical: true, values: [false, true] });
    else dims.push({ def, categorical: false });
  }
  return dims;
}

/**
 * Encodes a trial's params; undefined when an active parameter is missing or (with `validate`, for
 * stored trials rather than our own candidates) not a valid value of its distribution.
 */
function encode(dims: readonly Dim[], space: SearchSpace, params: Params, validate = true): Point | undefined {
  const value = new Float64Array(dims.length);
  const active = new Float64Array(dims.length);
  const seen: Params = {};
  for (const def of space.params) {
    if (!isActive(def, seen)) continue;
    const v = params[def.name];
    if (v === undefined || (validate && valueProblem(def.dist, v) !== undefined)) return undefined;
    seen[def.name] = v;
  }
  for (let k = 0; k < dims.length; k++) {
    const { def, categorical, values } = dims[k];
    const v = seen[def.name];
    if (categorical) {
      value[k] = v === undefined ? -1 : values!.indexOf(v);
    } else if (v === undefined) {
      value[k] = 0.5;
    } else {
      value[k] = toUnit(def.dist, v);
      active[k] = 1;
    }
  }
  return { value, active };
}

/** The space's params in order, keeping given values, drawing newly active ones, dropping inactive ones. */
function completeParams(space: SearchSpace, given: Params, random: () => number): Params {
  const out: Params = {};
  for (const def of space.params) {
    if (!isActive(def, out)) continue;
    const v = given[def.name];
    if (v !== undefined) out[def.name] = v;
    else out[def.name] = def.dist.type === 'fixed' ? def.dist.value : fromUnit(def.dist, random());
  }
  return out;
}

/** A standard normal draw (Box–Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A neighbour of `params`: one active, non-fixed parameter moved (numbers by ~N(0, scale) in the encoding). */
function neighbour(space: SearchSpace, params: Params, scale: number, random: () => number): Params {
  const movable = space.params.filter((def) => def.dist.type !== 'fixed' && params[def.name] !== undefined);
  if (movable.length === 0) return params;
  const def = movable[Math.floor(random() * movable.length)];
  const d: Distribution = def.dist;
  const next: Params = { ...params };
  if (d.type === 'choice' || d.type === 'bool') {
    const values = d.type === 'bool' ? [false, true] : d.values;
    const others = values.filter((v) => v !== params[def.name]);
    if (others.length > 0) next[def.name] = others[Math.floor(random() * others.length)];
  } else {
    next[def.name] = fromUnit(d, toUnit(d, params[def.name]) + scale * gaussian(random));
  }
  return completeParams(space, next, random);
}

export class GpSampler implements Sampler {
  readonly name = 'gp';
  private readonly nStartupTrials: number;
  private readonly candidates: number;
  private readonly localSearches: number;
  private readonly localSteps: number;
  private readonly restarts: number;
  private readonly constantLiar: boolean;

  constructor(options: GpSamplerOptions = {}) {
    const owner = 'gp sampler';
    this.nStartupTrials = checkInt(owner, 'nStartupTrials', options.nStartupTrials ?? 10, 0);
    this.candidates = checkInt(owner, 'candidates', options.candidates ?? 512, 1);
    this.localSearches = checkInt(owner, 'localSearches', options.localSearches ?? 4, 0);
    this.localSteps = checkInt(owner, 'localSteps', options.localSteps ?? 25, 0);
    this.restarts = checkInt(owner, 'restarts', options.restarts ?? 0, 0);
    this.constantLiar = checkBool(owner, 'constantLiar', options.constantLiar ?? true);
  }

  sample(ctx: SampleContext): Params {
    const { space, random } = ctx;
    const dims = dimensionsOf(space);
    const sign = ctx.direction === 'maximize' ? -1 : 1; // the GP always minimises
    const points: Point[] = [];
    const values: number[] = [];
    let best = Infinity;
    let bestParams: Params | undefined;
    for (const t of ctx.trials) {
      if (t.state !== 'complete' || t.value === undefined || !Number.isFinite(t.value)) continue;
      const p = encode(dims, space, t.params);
      if (!p) continue;
      points.push(p);
      values.push(sign * t.value);
      if (sign * t.value < best) {
        best = sign * t.value;
        bestParams = t.params;
      }
    }
    if (dims.length === 0 || points.length < Math.max(this.nStartupTrials, 1)) return sampleUniform(space, random);

    if (this.constantLiar) {
      const worst = Math.max(...values);
      for (const t of ctx.trials) {
        if (t.state !== 'running' || t.number === ctx.trialNumber) continue;
        const p = encode(dims, space, t.params);
        if (!p) continue;
        points.push(p);
        values.push(worst);
      }
    }

    // Standardise: the priors on the hyperparameters assume unit-scale targets.
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n) || 1;
    const y = Float64Array.from(values, (v) => (v - mean) / sd);
    const data = { points, y, categorical: dims.map((d) => d.categorical) };

    let gp: GaussianProcess;
    try {
      gp = new GaussianProcess(data, fitHyperparameters(data, { restarts: this.restarts, random }));
    } catch {
      return sampleUniform(space, random); // numerically hopeless data: fall back to random search
    }

    const incumbent = (best - mean) / sd;
    const score = (params: Params): number => {
      const p = encode(dims, space, params, false)!;
      const { mean: mu, variance } = gp.predict(p);
      return logExpectedImprovement(mu, variance, incumbent);
    };

    // Random candidates, then local search from the best few and from the best trial so far.
    const scored: { params: Params; score: number }[] = [];
    for (let i = 0; i < this.candidates; i++) {
      const params = sampleUniform(space, random);
      scored.push({ params, score: score(params) });
    }
    scored.sort((a, b) => b.score - a.score);
    const starts = scored.slice(0, this.localSearches);
    if (bestParams && this.localSearches > 0) {
      const params = completeParams(space, bestParams, random);
      starts.push({ params, score: score(params) });
    }
    let winner = scored[0];
    for (const start of starts) {
      let current = start;
      let scale = 0.1;
      for (let step = 0; step < this.localSteps; step++) {
        const params = neighbour(space, current.params, scale, random);
        const s = score(params);
        if (s > current.score) current = { params, score: s };
        else scale = Math.max(scale * 0.7, 1e-3);
      }
      if (current.score > winner.score) winner = current;
    }
    return winner.params;
  }
}
