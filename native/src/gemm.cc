// Matrix products through OpenBLAS sgemm (the OpenMP build, sharing oneDNN's thread pool).
// Why not oneDNN's sgemm: Debian's oneDNN 2.6.3 dnnl_sgemm corrupted the heap when a signal arrived
// mid-call (reproduced with a timer signal and with `node --cpu-prof`); OpenBLAS survived the same test
// (test/engine-native-signals.test.ts) and was as fast on these shapes.
#include <cblas.h>
#include <cstring>
#include "kernels.h"

namespace fm {

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
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k, 1.f,
                a + i * stride_a, lda, b + i * stride_b, ldb, beta, c, n);
  }
  if (act != kLinear) act_forward(out, out, (size_t)batch * out_size, act, alpha);
}

}  // namespace fm
