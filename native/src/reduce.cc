// Reductions over one contiguous block of axes (x viewed as [outer, mid, inner]) and softmax.
#include <algorithm>
#include <cmath>
#include <omp.h>
#include <vector>
#include "kernels.h"

namespace fm {

static inline float start_value(int op) { return op == kMax ? -INFINITY : op == kMin ? INFINITY : 0.f; }
static inline float combine(int op, float acc, float v) {
  switch (op) {
    case kMax: return v > acc || std::isnan(v) ? v : acc;
    case kMin: return v < acc || std::isnan(v) ? v : acc;
    default: return acc + v;
  }
}

// Reduces rows [m0, m1) of one [mid, inner] slab into acc[inner].
static void reduce_rows(int op, const float* slab, size_t m0, size_t m1, size_t inner, float* acc) {
  if (inner == 1) {
    float a = acc[0];
    if (op == kSum || op == kMean) {
      for (size_t m = m0; m < m1; ++m) a += slab[m];
    } else {
      for (size_t m = m0; m < m1; ++m) a = combine(op, a, slab[m]);
    }
    acc[0] = a;
    return;
  }
  for (size_t m = m0; m < m1; ++m) {
    const float* row = slab + m * inner;
    if (op == kSum || op == kMean) {
      for (size_t j = 0; j < inner; ++j) acc[j] += row[j];
    } else {
      for (size_t j = 0; j < inner; ++j) acc[j] = combine(op, acc[j], row[j]);
    }
  }
}

void reduce(int op, const float* x, size_t outer, size_t mid, size_t inner, float* out) {
  const size_t total = outer * mid * inner;
  const int threads = total >= (1 << 15) ? omp_get_max_threads() : 1;
  if (outer >= (size_t)threads * 4 || threads == 1) {
#pragma omp parallel for schedule(static) if (threads > 1)
    for (size_t o = 0; o < outer; ++o) {
      float* acc = out + o * inner;
      std::fill(acc, acc + inner, start_value(op));
      reduce_rows(op, x + o * mid * inner, 0, mid, inner, acc);
    }
  } else {
    // Few outputs: split the reduced axis across threads and combine their partial results (slots
    // start neutral, should OpenMP give fewer threads than asked).
    std::vector<float> partial((size_t)threads * inner, start_value(op));
    for (size_t o = 0; o < outer; ++o) {
      const float* slab = x + o * mid * inner;
#pragma omp parallel num_threads(threads)
      {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        size_t m0 = mid * t / nt, m1 = mid * (t + 1) / nt;
        float* acc = partial.data() + (size_t)t * inner;
        std::fill(acc, acc + inner, start_value(op));
        reduce_rows(op, slab, m0, m1, inner, acc);
      }
      float* res = out + o * inner;
      std::fill(res, res + inner, start_value(op));
      for (int t = 0; t < threads; ++t)
        for (size_t j = 0; j < inner; ++j) res[j] = combine(op == kMean ? kSum : op, res[j], partial[(size_t)t * inner + j]);
    }
  }
  if (op == kMean) {
    const float inv = 1.f / (float)mid;
    for (size_t i = 0; i < outer * inner; ++i) out[i] *= inv;
  }
}

void softmax(const float* logits, float* y, size_t rows, size_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= (1 << 15))
  for (size_t r = 0; r < rows; ++r) {
    const float* x = logits + r * cols;
    float* out = y + r * cols;
    float mx = -INFINITY;
    for (size_t j = 0; j < cols; ++j) mx = std::max(mx, x[j]);
    float sum = 0.f;
    for (size_t j = 0; j < cols; ++j) sum += (out[j] = std::exp(x[j] - mx));
    const float inv = 1.f / sum;
    for (size_t j = 0; j < cols; ++j) out[j] *= inv;
  }
}

void softmax_grad(const float* dy, const float* y, float* dx, size_t rows, size_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= (1 << 15))
  for (size_t r = 0; r < rows; ++r) {
    const float *g = dy + r * cols, *p = y + r * cols;
    float dot = 0.f;
    for (size_t j = 0; j < cols; ++j) dot += g[j] * p[j];
    float* out = dx + r * cols;
    for (size_t j = 0; j < cols; ++j) out[j] = p[j] * (g[j] - dot);
  }
}

float cross_entropy(const float* t, const float* p, size_t rows, size_t cols, float eps) {
  double total = 0.0;
  for (size_t r = 0; r < rows; ++r) {
    float row = 0.f;
    for (size_t j = 0; j < cols; ++j) {
      const size_t i = r * cols + j;
      row += t[i] * std::log(std::fmin(std::fmax(p[i], eps), 1.f - eps));
    }
    total += row;
  }
  return (float)(-total / (double)rows);
}

void cross_entropy_grad(float dy, const float* t, const float* p, float* dp, size_t rows, size_t cols, float eps) {
  const float scale = -dy / (float)rows;
  for (size_t i = 0; i < rows * cols; ++i)
    dp[i] = p[i] >= eps && p[i] <= 1.f - eps ? scale * t[i] / p[i] : 0.f;
}

}  // namespace fm
