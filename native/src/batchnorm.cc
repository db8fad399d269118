// Batch-norm inference/training transform with per-channel statistics (channels last).
#include <cmath>
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
