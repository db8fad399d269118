// Batch-norm inference/training transform with per-channel statistics (channels last).
#include <cmath>
#include <omp.h>
#include <vector>
#include "kernels.h"

namespace fm {

void batch_norm(const float* x, size_t n, size_t c, const float* mean, const float* var, const float* offset,
                const float* scale, float eps, float* y) {
  // Fold everything into y = x * mul[c] + add[c].
  std::vector<float> mul(c), add(c);
  for (size_t j = 0; j < c; ++j) {
    float inv = 1.f / std::sqrt(var[j] + eps);
    float s = scale ? scale[j] * inv : inv;
    mul[j] = s;
    add[j] = (offset ? offset[j] : 0.f) - mean[j] * s;
  }
  const size_t rows = n / c;
#pragma omp parallel for schedule(static) if (n >= (1 << 15))
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < c; ++j) y[r * c + j] = x[r * c + j] * mul[j] + add[j];
}

}  // namespace fm

namespace fm {

// Per-channel sums over the rows of a rows x c matrix, in double, split over threads by row blocks
// (each thread its own partial sums; c is small, a few hundred channels at most).
template <typename F>
static void channel_sums(size_t rows, size_t c, int sums, F add_row, std::vector<double>& out) {
  const int threads = rows * c >= (1 << 15) ? omp_get_max_threads() : 1;
  std::vector<double> partial((size_t)threads * sums * c, 0.0);
#pragma omp parallel num_threads(threads)
  {
    double* mine = partial.data() + (size_t)omp_get_thread_num() * sums * c;
#pragma omp for schedule(static)
    for (size_t r = 0; r < rows; ++r) add_row(r, mine);
  }
  out.assign((size_t)sums * c, 0.0);
  for (int t = 0; t < threads; ++t)
    for (size_t j = 0; j < (size_t)sums * c; ++j) out[j] += partial[(size_t)t * sums * c + j];
}

void batch_norm_train(const float* x, size_t n, size_t c, const float* scale, const float* offset, float eps, float* y,
                      float* mean, float* var) {
  const size_t rows = n / c;
  std::vector<double> s;
  channel_sums(rows, c, 1, [&](size_t r, double* acc) {
    for (size_t j = 0; j < c; ++j) acc[j] += x[r * c + j];
  }, s);
  for (size_t j = 0; j < c; ++j) mean[j] = (float)(s[j] / rows);
  // Two passes (sum of squared deviations from the mean), as tf.moments computes it.
  channel_sums(rows, c, 1, [&](size_t r, double* acc) {
    for (size_t j = 0; j < c; ++j) {
      const float d = x[r * c + j] - mean[j];
      acc[j] += (double)d * d;
    }
  }, s);
  for (size_t j = 0; j < c; ++j) var[j] = (float)(s[j] / rows);
  batch_norm(x, n, c, mean, var, offset, scale, eps, y);
}

void batch_norm_train_grad(const float* dy, const float* x, size_t n, size_t c, const float* mean, const float* var,
                           const float* scale, float eps, float* dx, float* dscale, float* doffset) {
  const size_t rows = n / c;
  std::vector<float> inv(c);
  for (size_t j = 0; j < c; ++j) inv[j] = 1.f / std::sqrt(var[j] + eps);
  // sums[0..c): sum dy; sums[c..2c): sum dy * xhat.
  std::vector<double> s;
  channel_sums(rows, c, 2, [&](size_t r, double* acc) {
    for (size_t j = 0; j < c; ++j) {
      const float g = dy[r * c + j];
      acc[j] += g;
      acc[c + j] += (double)g * ((x[r * c + j] - mean[j]) * inv[j]);
    }
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
#pragma omp parallel for schedule(static) if (n >= (1 << 15))
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < c; ++j) {
      const size_t i = r * c + j;
      dx[i] = k1[j] * dy[i] - k2[j] - (x[i] - mean[j]) * k3[j];
    }
}

}  // namespace fm
