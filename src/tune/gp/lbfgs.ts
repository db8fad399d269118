/**
 * A small unconstrained L-BFGS minimiser (two-loop recursion, backtracking Armijo line search) for
 * the handful of GP hyperparameters. An objective may return Infinity for points it cannot
 * evaluate (a kernel matrix that is not positive definite); the line search then backs off.
 */

/** The value at x, and its gradient on demand (rejected line-search points never need one). */
export type Objective = (x: Float64Array) => { value: number; gradient: () => Float64Array };

export interface LbfgsOptions {
  maxIterations?: number;
  /** Stop when the largest gradient component falls below this (default 1e-5). */
  gradientTolerance?: number;
  /** Stop when an iteration improves the value by less than this, relatively (default 1e-9). */
  relativeTolerance?: number;
  /** Correction pairs kept (default 8). */
  memory?: number;
}

export function minimizeLbfgs(f: Objective, x0: Float64Array, options: LbfgsOptions = {}): { x: Float64Array; value: number; iterations: number } {
  const maxIterations = options.maxIterations ?? 100;
  const gtol = options.gradientTolerance ?? 1e-5;
  const rtol = options.relativeTolerance ?? 1e-9;
  const memory = options.memory ?? 8;
  const n = x0.length;
  let x = Float64Array.from(x0);
  const first = f(x);
  let value = first.value;
  if (!Number.isFinite(value)) return { x, value, iterations: 0 };
  let gradient = first.gradient();
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const rhos: number[] = [];
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i] * b[i];
    return s;
  };
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let gmax = 0;
    for (const g of gradient) gmax = Math.max(gmax, Math.abs(g));
    if (gmax < gtol) break;

    // Direction −H·g by the two-loop recursion, scaled by sᵀy/yᵀy of the latest pair.
    const q = Float64Array.from(gradient);
    const alphas = new Array<number>(ss.length);
    for (let i = ss.length - 1; i >= 0; i--) {
      alphas[i] = rhos[i] * dot(ss[i], q);
      for (let j = 0; j < n; j++) q[j] -= alphas[i] * ys[i][j];
    }
    if (ss.length > 0) {
      const last = ss.length - 1;
      const gamma = dot(ss[last], ys[last]) / dot(ys[last], ys[last]);
      for (let j = 0; j < n; j++) q[j] *= gamma;
    } else {
      // First step: at most unit length in the largest coordinate.
      const scale = 1 / Math.max(1, gmax);
      for (let j = 0; j < n; j++) q[j] *= scale;
    }
    for (let i = 0; i < ss.length; i++) {
      const beta = rhos[i] * dot(ys[i], q);
      for (let j = 0; j < n; j++) q[j] += ss[i][j] * (alphas[i] - beta);
    }
    let direction = q.map((v) => -v);
    let slope = dot(direction, gradient);
    if (!(slope < 0)) {
      // Not a descent direction (curvature information went bad): restart from steepest descent.
      ss.length = ys.length = rhos.length = 0;
      const scale = 1 / Math.max(1, gmax);
      direction = gradient.map((v) => -v * scale);
      slope = dot(direction, gradient);
    }

    let step = 1;
    let next: { value: number; gradient: () => Float64Array } | undefined;
    let xNext = x;
    for (let tries = 0; tries < 30; tries++) {
      xNext = x.map((v, j) => v + step * direction[j]);
      const trial = f(xNext);
      if (Number.isFinite(trial.value) && trial.value <= value + 1e-4 * step * slope) {
        next = trial;
        break;
      }
      step *= 0.5;
    }
    if (!next) break; // no progress possible along this direction

    const nextGradient = next.gradient();
    const s = xNext.map((v, j) => v - x[j]);
    const y = nextGradient.map((v, j) => v - gradient[j]);
    const sy = dot(s, y);
    if (sy > 1e-12) {
      ss.push(s);
      ys.push(y);
      rhos.push(1 / sy);
      if (ss.length > memory) {
        ss.shift();
        ys.shift();
        rhos.shift();
      }
    }
    const improvement = value - next.value;
    x = xNext;
    value = next.value;
    gradient = nextGradient;
    if (improvement <= rtol * Math.max(1, Math.abs(value))) {
      iterations++;
      break;
    }
  }
  return { x, value, iterations };
}
