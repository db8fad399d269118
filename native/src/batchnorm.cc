// Batch-norm inference/training transform with per-channel statistics (channels last).
#include <algorithm>
#include <cmath>
#include <omp.h>
#include <vector>
#include "kernels.h"

namespace fm {

// y = x * mul[c] + add[c], then max(0, .) when relu.
FM_WIDE_CLONES static void affine(const float* x, size_t n, size_t c, const float* mul, const float* add, bool relu,
                                  float* y) {
  const size_t rows = n / c;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < c; ++j) {
      const float v = x[r * c + j] * mul[j] + add[j];
      y[r * c + j] = relu ? std::max(v, 0.f) : v;
    }
}

void batch_norm(const float* x, size_t n, size_t c, const float* mean, const float* var, const float* offset,
                const float* scale, float eps, bool relu, float* y) {
  // Fold everything into y = x * mul[c] + add[c].
  std::vector<float> mul(c), add(c);
  for (size_t j = 0; j < c; ++j) {
    float inv = 1.f / std::sqrt(var[j] + eps);
    float s = scale ? scale[j] * inv : inv;
    mul[j] = s;
    add[j] = (offset ? offset[j] : 0.f) - mean[j] * s;
  }
  affine(x, n, c, mul.data(), add.data(), relu, y);
}

}  // namespace fm

namespace fm {

// Per-channel sums over the rows of a rows x c matrix, in double, split over threads by row blocks:
// add_rows(r0, r1, acc) adds rows [r0, r1) into that thread's own `sums` x c accumulators (c is
// small, a few hundred channels at most), which are then added up.
template <typename F>
static void channel_sums(size_t rows, size_t c, int sums, F add_rows, std::vector<double>& out) {
  const int threads = rows * c >= kParallelMin ? omp_get_max_threads() : 1;
  std::vector<double> partial((size_t)threads * sums * c, 0.0);
#pragma omp parallel num_threads(threads)
  {
    const size_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    add_rows(rows * t / nt, rows * (t + 1) / nt, partial.data() + t * sums * c);
  }
  out.assign((size_t)sums * c, 0.0);
  for (int t = 0; t < threads; ++t)
    for (size_t j = 0; j < (size_t)sums * c; ++j) out[j] += partial[(size_t)t * sums * c + j];
}

// The row loops below accumulate in double, which is compute-bound at SSE width: hence the clones.
// Sums of d = x - shift and of d^2 per channel.
FM_WIDE_CLONES static void moment_rows(const float* x, const float* shift, size_t r0, size_t r1, size_t c, double* s1,
                                       double* s2) {
  for (size_t r = r0; r < r1; ++r) {
    const float* xr = x + r * c;
    for (size_t j = 0; j < c; ++j) {
      const double d = (double)xr[j] - (double)shift[j];
      s1[j] += d;
      s2[j] += d * d;
    }
  }
}

// dy where a fused relu let it through (its output `rectified` > 0), or dy itself without one. Written
// as a product with the 0/1 step, as tfjs's relu gradient computes it: the conditional form compiled
// to scalar branchy code here (10x slower on random signs).
static inline float passed(const float* dy, const float* rectified, size_t i) {
  return rectified == nullptr ? dy[i] : dy[i] * (rectified[i] > 0.f ? 1.f : 0.f);
}

// Sums of (passed) dy and of dy * xhat per channel.
FM_WIDE_CLONES static void grad_rows(const float* dy, const float* rectified, const float* x, const float* mean,
                                     const float* inv, size_t r0, size_t r1, size_t c, double* s1, double* s2) {
  for (size_t r = r0; r < r1; ++r)
    for (size_t j = 0; j < c; ++j) {
      const size_t i = r * c + j;
      const float g = passed(dy, rectified, i);
      s1[j] += g;
      s2[j] += (double)g * ((x[i] - mean[j]) * inv[j]);
    }
}

void batch_norm_train(const float* x, size_t n, size_t c, const float* scale, const float* offset, float eps, bool relu,
                      float* y, float* mean, float* var) {
  const size_t rows = n / c;
  // One pass for both moments, of x minus its first row: with the sums in double and the shift a
  // sample of each channel, E[d^2] - E[d]^2 loses nothing that matters (the two-pass version it
  // replaced read x once more: 7.4 ms a batch-128 step of the fast CNN's five layers).
  const float* shift = x;
  std::vector<double> s;
  channel_sums(rows, c, 2, [&](size_t r0, size_t r1, double* acc) { moment_rows(x, shift, r0, r1, c, acc, acc + c); }, s);
  for (size_t j = 0; j < c; ++j) {
    const double m = s[j] / rows;
    mean[j] = (float)(m + shift[j]);
    var[j] = (float)std::max(0.0, s[c + j] / rows - m * m);
  }
  batch_norm(x, n, c, mean, var, offset, scale, eps, relu, y);
}

FM_WIDE_CLONES void batch_norm_train_grad(const float* dy, const float* rectified, const float* x, size_t n, size_t c,
                                          const float* mean, const float* var, const float* scale, float eps, float* dx,
                                          float* dscale, float* doffset) {
  const size_t rows = n / c;
  std::vector<float> inv(c);
  for (size_t j = 0; j < c; ++j) inv[j] = 1.f / std::sqrt(var[j] + eps);
  // sums[0..c): sum dy; sums[c..2c): sum dy * xhat.
  std::vector<double> s;
  channel_sums(rows, c, 2, [&](size_t r0, size_t r1, double* acc) {
    grad_rows(dy, rectified, x, mean, inv.data(), r0, r1, c, acc, acc + c);
  }, s);
  // dx = scale * inv / N * (N dy - sum dy - xhat * sum(dy xhat)), with the batch statistics' own
  // gradients folded in: x -> mean and x -> variance both depend on x.
  std::vector<float> k1(c), k2(c), k3(c);
  for (size_t j = 0; j < c; ++j) {
    const float g = (scale ? scale[j] : 1.f) * inv[j];
    doffset[j] = (float)s[j];
    dscale[j] = (float)s[c + j];
    k1[j] = g;
    k2[j] = (float)(g * s[j] / rows);
    k3[j] = (float)(g * s[c + j] / rows) * inv[j];
  }
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < c; ++j) {
      const size_t i = r * c + j;
      dx[i] = k1[j] * passed(dy, rectified, i) - k2[j] - (x[i] - mean[j]) * k3[j];
    }
}

}  // namespace fm
