/**
 * The little dense linear algebra a Gaussian process needs: Cholesky factorisation of a symmetric
 * positive-definite matrix and the triangular solves and inverse built on it. Matrices are n×n,
 * row-major in a Float64Array; only the lower triangle of the input is read.
 */

/**
 * Σ a[ao + k]·b[bo + k] for k < len, with four accumulators: JavaScript does not vectorise, and
 * one running sum would wait on every addition.
 */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ao + k] * b[bo + k];
    s1 += a[ao + k + 1] * b[bo + k + 1];
    s2 += a[ao + k + 2] * b[bo + k + 2];
    s3 += a[ao + k + 3] * b[bo + k + 3];
  }
  for (; k < len; k++) s0 += a[ao + k] * b[bo + k];
  return s0 + s1 + (s2 + s3);
}

/**
 * The lower-triangular L with L·Lᵀ = A, or undefined when A is not (numerically) positive
 * definite. The upper triangle of the result is zero.
 */
export function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      const s = a[ri + j] - dot(l, ri, l, rj, j);
      if (i === j) {
        if (!(s > 0)) return undefined; // also catches NaN
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j];
      }
    }
  }
  return l;
}

/** Solves L·x = b for lower-triangular L (forward substitution), into `out` (default: a new array). */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    out[i] = (b[i] - dot(l, ri, out, 0, i)) / l[ri + i];
  }
  return out;
}

/** Solves Lᵀ·x = b for lower-triangular L (back substitution); returns a new x. */
export function solveLowerTransposed(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b);
  for (let i = n - 1; i >= 0; i--) {
    x[i] /= l[i * n + i];
    const xi = x[i];
    // Column i of Lᵀ above the diagonal is row i of L left of it.
    for (let k = 0; k < i; k++) x[k] -= l[i * n + k] * xi;
  }
  return x;
}

/** Solves A·x = b given A's Cholesky factor L. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  return solveLowerTransposed(l, n, solveLower(l, n, b));
}

/** A⁻¹ from A's Cholesky factor L, as (L⁻¹)ᵀ·L⁻¹ (symmetric, both triangles filled). */
export function choleskyInverse(l: Float64Array, n: number): Float64Array {
  // M = L⁻¹ (lower triangular), row by row: M[i][j] = −(Σ_{j≤k<i} L[i][k]·M[k][j]) / L[i][i].
  const m = new Float64Array(n * n);
  const acc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    acc.fill(0, 0, i);
    for (let k = 0; k < i; k++) {
      const lik = l[ri + k];
      const rk = k * n;
      for (let j = 0; j <= k; j++) acc[j] += lik * m[rk + j];
    }
    const d = l[ri + i];
    for (let j = 0; j < i; j++) m[ri + j] = -acc[j] / d;
    m[ri + i] = 1 / d;
  }
  // A⁻¹[i][j] = Σ_{k ≥ max(i, j)} M[k][i]·M[k][j]: dot products of rows of Mᵀ.
  const mt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) mt[j * n + i] = m[i * n + j];
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = dot(mt, i * n + i, mt, j * n + i, n - i);
      inv[i * n + j] = v;
      inv[j * n + i] = v;
    }
  }
  return inv;
}
