/**
 * The standard normal distribution and its truncation to an interval, accurate in the tails: what
 * the Parzen estimators of TPE sample from and score with (as Optuna's `_truncnorm`, which ports
 * SciPy's).
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Φ(x), the standard normal CDF, to about double precision on the whole line (Hart's algorithm
 * 5666 as given by G. West, "Better approximations to cumulative normal functions", 2005). For
 * x < 0 it is computed directly, never as 1 − Φ(−x), so left tails keep their relative accuracy.
 */
export function normalCdf(x: number): number {
  const ax = Math.abs(x);
  let tail: number;
  if (ax > 37) tail = 0;
  else {
    const e = Math.exp(-ax * ax / 2);
    if (ax < 7.07106781186547) {
      let num = 3.52624965998911e-2 * ax + 0.700383064443688;
      num = num * ax + 6.37396220353165;
      num = num * ax + 33.912866078383;
      num = num * ax + 112.079291497871;
      num = num * ax + 221.213596169931;
      num = num * ax + 220.206867912376;
      let den = 8.83883476483184e-2 * ax + 1.75566716318264;
      den = den * ax + 16.064177579207;
      den = den * ax + 86.7807322029461;
      den = den * ax + 296.564248779674;
      den = den * ax + 637.333633378831;
      den = den * ax + 793.826512519948;
      den = den * ax + 440.413735824752;
      tail = (e * num) / den;
    } else {
      let b = ax + 0.65;
      b = ax + 4 / b;
      b = ax + 3 / b;
      b = ax + 2 / b;
      b = ax + 1 / b;
      tail = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

/** log Φ(x), with an asymptotic series below −20 where Φ underflows (as SciPy's log_ndtr). */
export function logNormalCdf(x: number): number {
  if (x > 6) return -normalCdf(-x); // log(1 − ε) ≈ −ε
  if (x > -20) return Math.log(normalCdf(x));
  const logLhs = -0.5 * x * x - Math.log(-x) - LOG_SQRT_2PI;
  let last = 0;
  let rhs = 1;
  let numerator = 1;
  let denomFactor = 1;
  const denomCons = 1 / (x * x);
  let sign = 1;
  for (let i = 1; Math.abs(last - rhs) > Number.EPSILON && i < 100; i++) {
    last = rhs;
    sign = -sign;
    denomFactor *= denomCons;
    numerator *= 2 * i - 1;
    rhs += sign * numerator * denomFactor;
  }
  return logLhs + Math.log(rhs);
}

/** Φ⁻¹(p) for p in (0, 1) (Wichura's algorithm AS241, PPND16: about 1e-16 relative). */
export function normalPpf(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    const num = (((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r + 6.7265770927008700853e4) * r
      + 4.5921953931549871457e4) * r + 1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r
      + 1.3314166789178437745e2) * r + 3.387132872796366608) * q;
    const den = ((((((5.226495278852854561e3 * r + 2.8729085735721942674e4) * r + 3.930789580009271061e4) * r
      + 2.1213794301586595867e4) * r + 5.3941960214247511077e3) * r + 6.871870074920579083e2) * r
      + 4.2313330701600911252e1) * r + 1;
    return num / den;
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    const num = ((((((7.7454501427834140764e-4 * r + 2.27238449892691845833e-2) * r + 2.4178072517745061177e-1) * r
      + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
      + 4.6303378461565452959) * r + 1.42343711074968357734;
    const den = ((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 1.51986665636164571966e-2) * r
      + 1.4810397642748007459e-1) * r + 6.8976733498510000455e-1) * r + 1.6763848301838038494) * r
      + 2.05319162663775882187) * r + 1;
    x = num / den;
  } else {
    r -= 5;
    const num = ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.2426609473880784386e-3) * r
      + 2.6532189526576123093e-2) * r + 2.9656057182850489123e-1) * r + 1.7848265399172913358) * r
      + 5.4637849111641143699) * r + 6.6579046435011037772;
    const den = ((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
      + 7.868691311456132591e-4) * r + 1.4875361290850614852e-2) * r + 1.3692988092273580531e-1) * r
      + 5.9983220655588793769e-1) * r + 1;
    x = num / den;
  }
  return q < 0 ? -x : x;
}

/** log(e^p − e^q) for p ≥ q. */
function logDiff(p: number, q: number): number {
  return p + Math.log1p(-Math.exp(q - p));
}

/** log(Φ(b) − Φ(a)) for a < b, working in the left tail where Φ is accurate. */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiff(logNormalCdf(b), logNormalCdf(a));
  if (a > 0) return logDiff(logNormalCdf(-a), logNormalCdf(-b));
  return Math.log1p(-normalCdf(a) - normalCdf(-b));
}

/**
 * A draw from N(mu, sigma²) truncated to [low, high], by inverting the CDF at `u` in [0, 1); the
 * inversion runs in whichever tail the interval starts in, so narrow components far from the
 * middle still sample accurately.
 */
export function truncnormSample(u: number, mu: number, sigma: number, low: number, high: number): number {
  const a = (low - mu) / sigma;
  const b = (high - mu) / sigma;
  const mass = Math.exp(logGaussMass(a, b));
  let z: number;
  if (a < 0) z = normalPpf(normalCdf(a) + u * mass);
  else z = -normalPpf(normalCdf(-b) + (1 - u) * mass);
  return Math.min(high, Math.max(low, mu + sigma * z));
}

/** log density at x of N(mu, sigma²) truncated to [low, high] (−∞ outside). */
export function truncnormLogPdf(x: number, mu: number, sigma: number, low: number, high: number): number {
  if (x < low || x > high) return -Infinity;
  const z = (x - mu) / sigma;
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - logGaussMass((low - mu) / sigma, (high - mu) / sigma);
}
