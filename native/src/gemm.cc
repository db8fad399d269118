// Matrix products through OpenBLAS sgemm (the OpenMP build, sharing oneDNN's thread pool).
// Why not oneDNN's sgemm: Debian's oneDNN 2.6.3 dnnl_sgemm corrupted the heap when a signal arrived
// mid-call (reproduced with a timer signal and with `node --cpu-prof`); OpenBLAS survived the same test
// (test/engine-native-signals.test.ts) and was as fast on these shapes.
#include <cblas.h>
#include <algorithm>
#include <cstring>
#include "kernels.h"

namespace fm {

// OpenBLAS 0.3.21 (Zen kernels) is slow when the reduction is much longer than the result: a dense
// layer's forward pass, 128 x 3136 x 128, ran at 11 GFLOP/s on one core. Accumulating slices of the
// reduction into C measured 32 GFLOP/s for slices of 128-192 or 384-392 columns but 11-16 for 256-320
// or 512 (consistently, tmp benchmark of OpenBLAS alone), so long reductions run in slices of <= 192.
static void sgemm_chunked(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                          float beta, float* c, int ldc) {
  const int slices = k > 2 * std::max(m, n) && k > 384 ? (k + 191) / 192 : 1;
  for (int s = 0; s < slices; ++s) {
    const int k0 = (int)((long)k * s / slices), k1 = (int)((long)k * (s + 1) / slices);
    // Column k0 of op(a) and row k0 of op(b).
    const float* as = ta ? a + (long)k0 * lda : a + k0;
    const float* bs = tb ? b + k0 : b + (long)k0 * ldb;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k1 - k0, 1.f, as,
                lda, bs, ldb, s == 0 ? beta : 1.f, c, ldc);
  }
}

void matmul(int batch, int m, int n, int k, const float* a, long stride_a, bool trans_a, const float* b, long stride_b,
            bool trans_b, const float* bias, long bias_len, float* out, int act, float alpha) {
  const int lda = trans_a ? m : k, ldb = trans_b ? k : n;
  const long out_size = (long)m * n;
  for (int i = 0; i < batch; ++i) {
    float* c = out + i * out_size;
    float beta = 0.f;
    if (bias != nullptr) {
      // Start from the bias broadcast over rows, then accumulate the product onto it (beta = 1).
      if (bias_len == 1) {
        for (long j = 0; j < out_size; ++j) c[j] = bias[0];
      } else {
        for (int r = 0; r < m; ++r) std::memcpy(c + (long)r * n, bias, sizeof(float) * n);
      }
      beta = 1.f;
    }
    sgemm_chunked(trans_a, trans_b, m, n, k, a + i * stride_a, lda, b + i * stride_b, ldb, beta, c, n);
  }
  if (act != kLinear) act_forward(out, out, (size_t)batch * out_size, act, alpha);
}

}  // namespace fm
