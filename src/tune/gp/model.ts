/**
 * Gaussian-process regression with a Matern 5/2 ARD kernel, fitted the way Optuna's GPSampler
 * does: outputs standardised by the caller, kernel hyperparameters (one inverse squared length scale
 * per dimension, signal variance, noise variance) set to the maximum a posteriori of the log
 * marginal likelihood under weak priors, by L-BFGS on their logs with analytic gradients.
 *
 * Points are encoded per dimension (see `Point`); the kernel only needs each dimension's squared
 * distance between two points, which keeps categorical and inactive (conditional) values
 * Euclidean-embeddable, so the kernel stays positive definite.
 */
import { cholesky, choleskyInverse, choleskySolve, dot, solveLower } from './linalg.ts';
import { minimizeLbfgs } from './lbfgs.ts';

/**
 * An encoded point of `d` dimensions: `value[k]` and, for continuous dimensions, `active[k]` (1 or
 * 0). Squared distance in a continuous dimension: (v − v')² + (a − a')², i.e. an inactive value sits
 * at a fixed place one unit away from every active one; in a categorical dimension: 0 when the
 * category indices match, else 1 (Hamming, as Optuna; an inactive categorical is its own category).
 */
export interface Point {
  value: Float64Array;
  active: Float64Array;
}

export interface Hyperparameters {
  /** Per dimension, 1 / length scale². */
  inverseSquaredLengthScales: Float64Array;
  signalVariance: number;
  noiseVariance: number;
}

/** The noise floor added to every fitted noise variance: keeps the Cholesky factor well conditioned. */
export const MIN_NOISE = 1e-6;

const SQRT5 = Math.sqrt(5);

/** Matern 5/2 correlation at squared distance r²: (1 + √5r + 5r²/3)·e^(−√5r). */
export function matern52(r2: number): number {
  const r = Math.sqrt(r2);
  return (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/** d(matern52)/d(r²) = −5/6·(1 + √5r)·e^(−√5r), finite at r = 0. */
function matern52Derivative(r2: number): number {
  const r = Math.sqrt(r2);
  return (-5 / 6) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

/** Squared distance between a and b in each dimension, written into `out`. */
export function squaredDistances(a: Point, b: Point, categorical: readonly boolean[], out: Float64Array): Float64Array {
  for (let k = 0; k < categorical.length; k++) {
    if (categorical[k]) {
      out[k] = a.value[k] === b.value[k] ? 0 : 1;
    } else {
      const dv = a.value[k] - b.value[k];
      const da = a.active[k] - b.active[k];
      out[k] = dv * dv + da * da;
    }
  }
  return out;
}

/** The data a GP is fitted to: points, standardised targets and each dimension's kind. */
export interface TrainingData {
  points: readonly Point[];
  y: Float64Array;
  categorical: readonly boolean[];
}

/** Pairwise squared distances per dimension: entry (i·n + j)·d + k, both triangles filled. */
function pairwiseDistances(data: TrainingData): Float64Array {
  const n = data.points.length;
  const d = data.categorical.length;
  const out = new Float64Array(n * n * d);
  const tmp = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      squaredDistances(data.points[i], data.points[j], data.categorical, tmp);
      out.set(tmp, (i * n + j) * d);
      out.set(tmp, (j * n + i) * d);
    }
  }
  return out;
}

/**
 * Log prior of the hyperparameters, Optuna GPSampler's heuristic one (constants dropped): per
 * dimension −(0.1/λ + 0.1·λ) on the inverse squared length scale λ, Gamma(2, 1) on the signal
 * variance and Gamma(1.1, 30) on the noise variance (above the floor).
 */
function logPrior(lambda: Float64Array, signal: number, noiseExcess: number): number {
  let p = 0;
  for (const l of lambda) p -= 0.1 / l + 0.1 * l;
  p += Math.log(signal) - signal;
  p += 0.1 * Math.log(noiseExcess) - 30 * noiseExcess;
  return p;
}

/**
 * Negative log posterior (negative log marginal likelihood − log prior, constants dropped) and its
 * gradient in θ = (log λ₁ … log λ_d, log signal, log (noise − floor)).
 */
export function negativeLogPosterior(
  theta: Float64Array,
  data: TrainingData,
  distances: Float64Array = pairwiseDistances(data),
): { value: number; gradient: () => Float64Array } {
  const n = data.points.length;
  const d = data.categorical.length;
  const lambda = theta.subarray(0, d).map(Math.exp);
  const signal = Math.exp(theta[d]);
  const noiseExcess = Math.exp(theta[d + 1]);
  const noise = MIN_NOISE + noiseExcess;

  // K and, per entry, the kernel's derivative with respect to r² (for the length-scale gradients).
  const k = new Float64Array(n * n);
  const dk = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    k[i * n + i] = signal + noise;
    dk[i * n + i] = signal * matern52Derivative(0);
    for (let j = 0; j < i; j++) {
      const base = (i * n + j) * d;
      let r2 = 0;
      for (let q = 0; q < d; q++) r2 += lambda[q] * distances[base + q];
      const kij = signal * matern52(r2);
      const dkij = signal * matern52Derivative(r2);
      k[i * n + j] = k[j * n + i] = kij;
      dk[i * n + j] = dk[j * n + i] = dkij;
    }
  }
  const l = cholesky(k, n);
  if (!l) return { value: Infinity, gradient: () => new Float64Array(d + 2) };
  const alpha = choleskySolve(l, n, data.y);
  let value = 0;
  for (let i = 0; i < n; i++) value += 0.5 * data.y[i] * alpha[i] + Math.log(l[i * n + i]);
  value -= logPrior(lambda, signal, noiseExcess);
  return { value, gradient: () => gradientOf(l, alpha, k, dk, distances, n, d, lambda, signal, noiseExcess) };
}

/** The gradient of `negativeLogPosterior`, from its Cholesky factor, α = K⁻¹y, K and dK/dr². */
function gradientOf(
  l: Float64Array,
  alpha: Float64Array,
  k: Float64Array,
  dk: Float64Array,
  distances: Float64Array,
  n: number,
  d: number,
  lambda: Float64Array,
  signal: number,
  noiseExcess: number,
): Float64Array {
  const gradient = new Float64Array(d + 2);
  // d(log marginal likelihood)/dθ = ½·tr(W·dK/dθ) with W = ααᵀ − K⁻¹.
  const inv = choleskyInverse(l, n);
  let traceSignal = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const w = alpha[i] * alpha[j] - inv[i * n + j];
      const twice = i === j ? 1 : 2; // W and dK are symmetric: count each off-diagonal pair twice
      const kSignal = i === j ? signal : k[i * n + j];
      traceSignal += twice * w * kSignal;
      if (i !== j) {
        const base = (i * n + j) * d;
        const c = twice * w * dk[i * n + j];
        for (let q = 0; q < d; q++) gradient[q] += c * distances[base + q];
      }
    }
  }
  let traceNoise = 0;
  for (let i = 0; i < n; i++) traceNoise += alpha[i] * alpha[i] - inv[i * n + i];
  // Chain rule to log parameters, sign flipped (we minimise), prior gradient subtracted.
  for (let q = 0; q < d; q++) {
    gradient[q] = -0.5 * gradient[q] * lambda[q] - (0.1 / lambda[q] - 0.1 * lambda[q]);
  }
  gradient[d] = -0.5 * traceSignal - (1 - signal);
  gradient[d + 1] = -0.5 * traceNoise * noiseExcess - (0.1 - 30 * noiseExcess);
  return gradient;
}

export function hyperparametersFromTheta(theta: Float64Array, d: number): Hyperparameters {
  return {
    inverseSquaredLengthScales: theta.slice(0, d).map(Math.exp),
    signalVariance: Math.exp(theta[d]),
    noiseVariance: MIN_NOISE + Math.exp(theta[d + 1]),
  };
}

/** θ as `negativeLogPosterior` takes it; a noise at the floor maps to a tiny excess. */
export function thetaFromHyperparameters(h: Hyperparameters): Float64Array {
  const d = h.inverseSquaredLengthScales.length;
  const theta = new Float64Array(d + 2);
  for (let q = 0; q < d; q++) theta[q] = Math.log(h.inverseSquaredLengthScales[q]);
  theta[d] = Math.log(h.signalVariance);
  theta[d + 1] = Math.log(Math.max(h.noiseVariance - MIN_NOISE, 1e-12));
  return theta;
}

export interface FitOptions {
  /** Where the first L-BFGS run starts (default Optuna's: λ = 1, signal 1, noise 1). */
  start?: Hyperparameters;
  /** Extra L-BFGS starts from random hyperparameters (default 1). */
  restarts?: number;
  random?: () => number;
  maxIterations?: number;
}

/**
 * Hyperparameters maximising the log posterior: the best of L-BFGS runs from `start` and from
 * `restarts` random starts (log λ and log signal uniform in [−2, 2], log noise excess in [−8, 0]).
 * Each run stops at a largest gradient component below 0.01 (Optuna's gtol) or an iteration gaining
 * less than 1e-5 relatively: the proposal hardly moves with the last digits of the hyperparameters.
 */
export function fitHyperparameters(data: TrainingData, options: FitOptions = {}): Hyperparameters {
  const d = data.categorical.length;
  const distances = pairwiseDistances(data);
  const f = (theta: Float64Array) => negativeLogPosterior(theta, data, distances);
  const starts: Float64Array[] = [options.start ? thetaFromHyperparameters(options.start) : new Float64Array(d + 2)];
  const random = options.random ?? Math.random;
  for (let s = 0; s < (options.restarts ?? 1); s++) {
    const t = new Float64Array(d + 2);
    for (let q = 0; q <= d; q++) t[q] = -2 + 4 * random();
    t[d + 1] = -8 + 8 * random();
    starts.push(t);
  }
  let best: { x: Float64Array; value: number } | undefined;
  for (const start of starts) {
    const result = minimizeLbfgs(f, start, {
      maxIterations: options.maxIterations ?? 60,
      gradientTolerance: 1e-2,
      relativeTolerance: 1e-5,
    });
    if (Number.isFinite(result.value) && (!best || result.value < best.value)) best = result;
  }
  // Fall back to the default start when every run failed (it is positive definite by the noise term).
  return hyperparametersFromTheta(best ? best.x : starts[0], d);
}

/** A fitted GP: the posterior of the latent function at new points. */
export class GaussianProcess {
  private readonly n: number;
  private readonly chol: Float64Array;
  private readonly alpha: Float64Array;
  private readonly kStar: Float64Array;
  private readonly v: Float64Array;

  constructor(
    readonly data: TrainingData,
    readonly hyper: Hyperparameters,
  ) {
    const n = (this.n = data.points.length);
    const distances = pairwiseDistances(data);
    const d = data.categorical.length;
    const k = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      k[i * n + i] = hyper.signalVariance + hyper.noiseVariance;
      for (let j = 0; j < i; j++) {
        const base = (i * n + j) * d;
        let r2 = 0;
        for (let q = 0; q < d; q++) r2 += hyper.inverseSquaredLengthScales[q] * distances[base + q];
        k[i * n + j] = k[j * n + i] = hyper.signalVariance * matern52(r2);
      }
    }
    const l = cholesky(k, n);
    if (!l) throw new Error('Gaussian process: the kernel matrix is not positive definite (noise variance too small?)');
    this.chol = l;
    this.alpha = choleskySolve(l, n, data.y);
    this.kStar = new Float64Array(n);
    this.v = new Float64Array(n);
  }

  /** Posterior mean and variance of the latent function (noise excluded) at `x`. */
  predict(x: Point): { mean: number; variance: number } {
    const { n, kStar, v } = this;
    const { categorical, points } = this.data;
    const lambda = this.hyper.inverseSquaredLengthScales;
    const signal = this.hyper.signalVariance;
    const d = categorical.length;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const p = points[i];
      let r2 = 0;
      for (let q = 0; q < d; q++) {
        if (categorical[q]) {
          if (x.value[q] !== p.value[q]) r2 += lambda[q];
        } else {
          const dv = x.value[q] - p.value[q];
          const da = x.active[q] - p.active[q];
          r2 += lambda[q] * (dv * dv + da * da);
        }
      }
      kStar[i] = signal * matern52(r2);
      mean += kStar[i] * this.alpha[i];
    }
    solveLower(this.chol, n, kStar, v);
    const explained = dot(v, 0, v, 0, n);
    return { mean, variance: Math.max(signal - explained, 0) };
  }
}
