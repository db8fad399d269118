/**
 * Log expected improvement, accurate far into the tails: EI underflows to zero a few standard
 * deviations from the incumbent, so the acquisition works with log EI (as Optuna's GPSampler and
 * Ament et al., "Unexpected Improvements to Expected Improvement", 2023).
 */
import { normalCdf } from '../samplers/normal.ts';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/**
 * Mills ratio R(t) = Φ(−t)/φ(t) for t ≥ 3 (where log h below needs 1 − t·R(t), which cancels), by
 * its continued fraction 1/(t + 1/(t + 2/(t + 3/(t + …)))) with the modified Lentz method: full
 * double precision in a few dozen terms there.
 */
function millsRatio(t: number): number {
  const tiny = 1e-300;
  let f = t;
  let c = t;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    d = t + k * d;
    d = d === 0 ? tiny : 1 / d;
    c = t + k / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}

/** log(φ(z) + z·Φ(z)), the log of EI / σ for standardised improvement z, for any finite z. */
export function logH(z: number): number {
  if (z > -3) return Math.log(normalPdf(z) + z * normalCdf(z));
  const t = -z;
  const logPdf = -0.5 * z * z - LOG_SQRT_2PI;
  // φ(z) + zΦ(z) = φ(z)·(1 − t·R(t)) with R the Mills ratio; 1 − t·R(t) ≈ 1/t² − 3/t⁴ + 15/t⁶ for
  // large t, where the subtraction would cancel.
  if (t > 1e3) return logPdf - 2 * Math.log(t) + Math.log1p(-3 / (t * t));
  return logPdf + Math.log(1 - t * millsRatio(t));
}

/**
 * log expected improvement below `best` of a normal posterior with mean `mean` and variance
 * `variance` (minimisation): log σ + log h((best − mean)/σ). −∞ when the variance is zero and the
 * mean is not below best.
 */
export function logExpectedImprovement(mean: number, variance: number, best: number): number {
  const sigma = Math.sqrt(Math.max(variance, 0));
  if (sigma < 1e-300) return mean < best ? Math.log(best - mean) : -Infinity;
  return Math.log(sigma) + logH((best - mean) / sigma);
}
