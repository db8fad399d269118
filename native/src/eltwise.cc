// Element-wise activations, their gradients and broadcasting binary arithmetic. Formulas follow
// tfjs's cpu kernels and gradient definitions exactly (e.g. relu'(0) = 0, relu6' includes 0 and 6).
// Small tensors run on the calling thread: an OpenMP fork costs more than they do.
#include <cmath>
#include "kernels.h"

namespace fm {

static constexpr size_t kParallelMin = 1 << 15;
static constexpr float kSeluScale = 1.0507009873554804934193349852946f;
static constexpr float kSeluScaleAlpha = 1.7580993408473768599402175208123f;
static constexpr float kTwoOverSqrtPi = 1.1283791670955126f;

template <typename F>
static inline void each(size_t n, F f) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (size_t i = 0; i < n; ++i) f(i);
}

void act_forward(const float* x, float* y, size_t n, int act, float alpha) {
  switch (act) {
    case kRelu: each(n, [&](size_t i) { y[i] = x[i] < 0.f ? 0.f : x[i]; }); break;
    case kRelu6: each(n, [&](size_t i) { y[i] = std::fmin(std::fmax(x[i], 0.f), 6.f); }); break;
    case kLeakyRelu: each(n, [&](size_t i) { y[i] = x[i] < 0.f ? alpha * x[i] : x[i]; }); break;
    case kElu: each(n, [&](size_t i) { y[i] = x[i] >= 0.f ? x[i] : alpha * (std::exp(x[i]) - 1.f); }); break;
    case kSigmoid: each(n, [&](size_t i) { y[i] = 1.f / (1.f + std::exp(-x[i])); }); break;
    case kTanh: each(n, [&](size_t i) { y[i] = std::tanh(x[i]); }); break;
    case kSelu:
      each(n, [&](size_t i) { y[i] = x[i] >= 0.f ? kSeluScale * x[i] : kSeluScaleAlpha * (std::exp(x[i]) - 1.f); });
      break;
    case kErf: each(n, [&](size_t i) { y[i] = std::erf(x[i]); }); break;
    default: each(n, [&](size_t i) { y[i] = x[i]; }); break;
  }
}

void act_backward(const float* dy, const float* s, float* dx, size_t n, int act, float alpha, bool from_output) {
  switch (act) {
    case kRelu: each(n, [&](size_t i) { dx[i] = s[i] > 0.f ? dy[i] : 0.f; }); break;
    case kRelu6:
      if (from_output) each(n, [&](size_t i) { dx[i] = s[i] > 0.f && s[i] < 6.f ? dy[i] : 0.f; });
      else each(n, [&](size_t i) { dx[i] = s[i] >= 0.f && s[i] <= 6.f ? dy[i] : 0.f; });
      break;
    case kLeakyRelu: each(n, [&](size_t i) { dx[i] = s[i] > 0.f ? dy[i] : alpha * dy[i]; }); break;
    case kElu:
      if (from_output) each(n, [&](size_t i) { dx[i] = s[i] >= 0.f ? dy[i] : dy[i] * (s[i] + alpha); });
      else each(n, [&](size_t i) { dx[i] = s[i] >= 0.f ? dy[i] : dy[i] * alpha * std::exp(s[i]); });
      break;
    case kSigmoid:
      if (from_output) each(n, [&](size_t i) { dx[i] = dy[i] * s[i] * (1.f - s[i]); });
      else each(n, [&](size_t i) { float y = 1.f / (1.f + std::exp(-s[i])); dx[i] = dy[i] * y * (1.f - y); });
      break;
    case kTanh:
      if (from_output) each(n, [&](size_t i) { dx[i] = dy[i] * (1.f - s[i] * s[i]); });
      else each(n, [&](size_t i) { float y = std::tanh(s[i]); dx[i] = dy[i] * (1.f - y * y); });
      break;
    case kSelu:
      each(n, [&](size_t i) { dx[i] = s[i] > 0.f ? dy[i] * kSeluScale : dy[i] * kSeluScaleAlpha * std::exp(s[i]); });
      break;
    case kErf: each(n, [&](size_t i) { dx[i] = dy[i] * kTwoOverSqrtPi * std::exp(-s[i] * s[i]); }); break;
    default: each(n, [&](size_t i) { dx[i] = dy[i]; }); break;
  }
}

template <typename Op>
static void broadcast(const float* a, size_t la, const float* b, size_t lb, float* out, size_t n, Op op) {
  if (la == n && lb == n) {
    each(n, [&](size_t i) { out[i] = op(a[i], b[i]); });
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

}  // namespace fm
