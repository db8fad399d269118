// Element-wise activations, their gradients and broadcasting binary arithmetic. Formulas follow
// tfjs's cpu kernels and gradient definitions exactly (e.g. relu'(0) = 0, relu6' includes 0 and 6).
// Small tensors run on the calling thread: an OpenMP fork costs more than they do.
#include <algorithm>
#include <cmath>
#include <omp.h>
#include <vector>
#include "kernels.h"

namespace fm {

static constexpr float kSeluScale = 1.0507009873554804934193349852946f;
static constexpr float kSeluScaleAlpha = 1.7580993408473768599402175208123f;
static constexpr float kTwoOverSqrtPi = 1.1283791670955126f;

// y[i] = f(x[i]) and out[i] = f(a[i], b[i]). The pointers are locals and f captures scalars only,
// so the loops vectorise (a closure capturing the arrays by reference defeated that: 6x slower).
template <typename F>
static inline void map1(const float* x, float* y, size_t n, F f) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (size_t i = 0; i < n; ++i) y[i] = f(x[i]);
}
template <typename F>
static inline void map2(const float* a, const float* b, float* out, size_t n, F f, bool parallel = true) {
#pragma omp parallel for schedule(static) if (parallel && n >= kParallelMin)
  for (size_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
}

void act_forward(const float* x, float* y, size_t n, int act, float alpha) {
  switch (act) {
    case kRelu: map1(x, y, n, [](float v) { return v < 0.f ? 0.f : v; }); break;
    case kRelu6: map1(x, y, n, [](float v) { return std::fmin(std::fmax(v, 0.f), 6.f); }); break;
    case kLeakyRelu: map1(x, y, n, [alpha](float v) { return v < 0.f ? alpha * v : v; }); break;
    case kElu: map1(x, y, n, [alpha](float v) { return v >= 0.f ? v : alpha * (std::exp(v) - 1.f); }); break;
    case kSigmoid: map1(x, y, n, [](float v) { return 1.f / (1.f + std::exp(-v)); }); break;
    case kTanh: map1(x, y, n, [](float v) { return std::tanh(v); }); break;
    case kSelu:
      map1(x, y, n, [](float v) { return v >= 0.f ? kSeluScale * v : kSeluScaleAlpha * (std::exp(v) - 1.f); });
      break;
    case kErf: map1(x, y, n, [](float v) { return std::erf(v); }); break;
    default: map1(x, y, n, [](float v) { return v; }); break;
  }
}

static void act_backward_impl(const float* dy, const float* s, float* dx, size_t n, int act, float alpha, bool from_output,
                              bool p) {
  switch (act) {
    case kRelu: map2(dy, s, dx, n, [](float g, float v) { return v > 0.f ? g : 0.f; }, p); break;
    case kRelu6:
      if (from_output) map2(dy, s, dx, n, [](float g, float v) { return v > 0.f && v < 6.f ? g : 0.f; }, p);
      else map2(dy, s, dx, n, [](float g, float v) { return v >= 0.f && v <= 6.f ? g : 0.f; }, p);
      break;
    case kLeakyRelu: map2(dy, s, dx, n, [alpha](float g, float v) { return v > 0.f ? g : alpha * g; }, p); break;
    case kElu:
      if (from_output) map2(dy, s, dx, n, [alpha](float g, float v) { return v >= 0.f ? g : g * (v + alpha); }, p);
      else map2(dy, s, dx, n, [alpha](float g, float v) { return v >= 0.f ? g : g * alpha * std::exp(v); }, p);
      break;
    case kSigmoid:
      if (from_output) map2(dy, s, dx, n, [](float g, float v) { return g * v * (1.f - v); }, p);
      else map2(dy, s, dx, n, [](float g, float v) { float y = 1.f / (1.f + std::exp(-v)); return g * y * (1.f - y); }, p);
      break;
    case kTanh:
      if (from_output) map2(dy, s, dx, n, [](float g, float v) { return g * (1.f - v * v); }, p);
      else map2(dy, s, dx, n, [](float g, float v) { float y = std::tanh(v); return g * (1.f - y * y); }, p);
      break;
    case kSelu:
      map2(dy, s, dx, n, [](float g, float v) { return v > 0.f ? g * kSeluScale : g * kSeluScaleAlpha * std::exp(v); }, p);
      break;
    case kErf: map2(dy, s, dx, n, [](float g, float v) { return g * kTwoOverSqrtPi * std::exp(-v * v); }, p); break;
    default: map2(dy, s, dx, n, [](float g, float) { return g; }, p); break;
  }
}

void act_backward(const float* dy, const float* s, float* dx, size_t n, int act, float alpha, bool from_output) {
  act_backward_impl(dy, s, dx, n, act, alpha, from_output, true);
}

static inline void add_row(const float* __restrict row, float* __restrict acc, size_t n) {
  for (size_t c = 0; c < n; ++c) acc[c] += row[c];
}

void act_backward_bias(const float* dy, const float* s, float* dx, size_t n, int act, float alpha, bool from_output,
                       size_t channels, float* db) {
  const size_t rows = n / channels;
  const int threads = n >= kParallelMin ? omp_get_max_threads() : 1;
  std::vector<float> partial((size_t)threads * channels, 0.f);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const size_t r0 = rows * t / nt, r1 = rows * (t + 1) / nt;
    float* acc = partial.data() + (size_t)t * channels;
    // Row blocks small enough to stay in cache between the gradient and the sum.
    constexpr size_t kBlock = 64;
    for (size_t r = r0; r < r1; r += kBlock) {
      const size_t end = std::min(r1, r + kBlock), off = r * channels, len = (end - r) * channels;
      act_backward_impl(dy + off, s + off, dx + off, len, act, alpha, from_output, false);
      for (size_t q = r; q < end; ++q) add_row(dx + q * channels, acc, channels);
    }
  }
  for (size_t c = 0; c < channels; ++c) {
    float sum = 0.f;
    for (int t = 0; t < threads; ++t) sum += partial[(size_t)t * channels + c];
    db[c] = sum;
  }
}

template <typename Op>
static void broadcast(const float* a, size_t la, const float* b, size_t lb, float* out, size_t n, Op op) {
  if (la == n && lb == n) {
    map2(a, b, out, n, op);
  } else if (la == n) {
    size_t blocks = n / lb;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (size_t k = 0; k < blocks; ++k)
      for (size_t j = 0; j < lb; ++j) out[k * lb + j] = op(a[k * lb + j], b[j]);
  } else {
    size_t blocks = n / la;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (size_t k = 0; k < blocks; ++k)
      for (size_t j = 0; j < la; ++j) out[k * la + j] = op(a[j], b[k * la + j]);
  }
}

void binary(int op, const float* a, size_t la, const float* b, size_t lb, float* out, size_t n) {
  switch (op) {
    case kAdd: broadcast(a, la, b, lb, out, n, [](float p, float q) { return p + q; }); break;
    case kSub: broadcast(a, la, b, lb, out, n, [](float p, float q) { return p - q; }); break;
    case kMul: broadcast(a, la, b, lb, out, n, [](float p, float q) { return p * q; }); break;
    default: broadcast(a, la, b, lb, out, n, [](float p, float q) { return p / q; }); break;
  }
}

// murmur3's 32-bit finaliser: a bijection that mixes every input bit into every output bit.
static inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

// Hashing two rounds per element is compute-bound at SSE width.
FM_WIDE_CLONES void dropout(const float* x, float* y, size_t n, float rate, uint32_t seed_a, uint32_t seed_b) {
  const float scale = 1.f / (1.f - rate);
  // Element i is kept when its uniform u (24 bits) is >= rate, as tfjs's floor(u + keepProb) keeps it.
  const uint32_t threshold = (uint32_t)std::ceil((double)rate * 16777216.0);
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (size_t i = 0; i < n; ++i) {
    const uint32_t u = fmix32(fmix32((uint32_t)i * 0x9e3779b9u ^ seed_a) + seed_b) >> 8;
    y[i] = x[i] * (u >= threshold ? scale : 0.f);
  }
}

}  // namespace fm
