// Fused optimizer updates: one pass over each parameter instead of ~10 tfjs kernels per variable.
// The arithmetic mirrors tfjs's Adam/SGD/Momentum optimizers step by step, in float32.
#include <cmath>
#include "kernels.h"

namespace fm {

// Adam's update divides and takes a square root per element: compute-bound at SSE width.
FM_WIDE_CLONES void adam_update(float* param, const float* grad, float* m, float* v, size_t n, float lr, float beta1, float beta2,
                 float one_minus_acc_beta1, float one_minus_acc_beta2, float eps, float* out) {
  const float c1 = 1.f - beta1, c2 = 1.f - beta2, neg_lr = -lr;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (size_t i = 0; i < n; ++i) {
    float g = grad[i];
    float mi = m[i] * beta1 + g * c1;
    float vi = v[i] * beta2 + (g * g) * c2;
    m[i] = mi;
    v[i] = vi;
    float mhat = mi / one_minus_acc_beta1, vhat = vi / one_minus_acc_beta2;
    out[i] = (neg_lr * mhat) / (std::sqrt(vhat) + eps) + param[i];
  }
}

void sgd_update(float* param, const float* grad, size_t n, float lr, float* out) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (size_t i = 0; i < n; ++i) out[i] = param[i] - lr * grad[i];
}

void momentum_update(float* param, const float* grad, float* accum, size_t n, float lr, float momentum, bool nesterov,
                     float* out) {
  const float neg_lr = -lr;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (size_t i = 0; i < n; ++i) {
    float a = accum[i] * momentum + grad[i];
    accum[i] = a;
    out[i] = nesterov ? neg_lr * (grad[i] + a * momentum) + param[i] : neg_lr * a + param[i];
  }
}

}  // namespace fm
