// Matrix products through OpenBLAS sgemm (the OpenMP build, sharing oneDNN's thread pool).
// Why not oneDNN's sgemm: Debian's oneDNN 2.6.3 dnnl_sgemm corrupted the heap when a signal arrived
// mid-call (reproduced with a timer signal and with `node --cpu-prof`); OpenBLAS survived the same test
// (test/engine-native-signals.test.ts) and was as fast on these shapes.
#include <cblas.h>
#include <algorithm>
#include <cstring>
#include <omp.h>
#include <vector>
#include "kernels.h"

namespace fm {

// OpenBLAS 0.3.21 (Zen kernels) on ONE thread is slow when the reduction is much longer than the
// result (256 x 784 x 256: 11.8 GFLOP/s), and faster when the reduction is accumulated in slices of
// <= 192 (16.4). With two threads its own partitioning is much faster than either (61 GFLOP/s; 65
// against 37 for the small CNN's 128 x 3136 x 128 dense layer, where spreading the slices over the
// threads had been the rule), so slicing is for one thread only (small calls, see SerialIfSmall).
static void sgemm_chunked(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                          float beta, float* c, int ldc) {
  const auto op_a = ta ? CblasTrans : CblasNoTrans, op_b = tb ? CblasTrans : CblasNoTrans;
  if (m == 1) {
    // One row (single-image inference): a matrix-vector product reads op(b) once, where sgemm would
    // first pack all of it (the small CNN's 3136 x 128 dense layer: 0.39 ms a call before, under load).
    // c = op(b)^T a; op(a)'s row is contiguous either way (lda is 1 when a is stored transposed).
    cblas_sgemv(CblasRowMajor, tb ? CblasNoTrans : CblasTrans, tb ? n : k, tb ? k : n, 1.f, b, ldb, a, 1, beta, c, 1);
    return;
  }
  constexpr int kSlice = 192;
  const bool slice = omp_get_max_threads() == 1 && k > 2 * std::max(m, n) && k > 2 * kSlice;
  for (int k0 = 0; k0 < k; k0 += slice ? kSlice : k) {
    const int k1 = slice ? std::min(k, k0 + kSlice) : k;
    // Column k0 of op(a) and row k0 of op(b); later slices accumulate onto C.
    cblas_sgemm(CblasRowMajor, op_a, op_b, m, n, k1 - k0, 1.f, ta ? a + (long)k0 * lda : a + k0, lda,
                tb ? b + k0 : b + (long)k0 * ldb, ldb, k0 == 0 ? beta : 1.f, c, ldc);
  }
}

// OpenBLAS 0.3.21 stays about 2x slower on these shapes for the whole process unless its first call
// has a long reduction (k >= 1024; measured: the sliced dense forward pass 6.7 -> 3.2 ms, the weight
// gradient 6.8 -> 3.5 ms in a C++ test; k = 256 or 512 as the first call did not help). Presumably its
// working buffers get set up differently; one such call when the addon loads (~2 ms) is cheap insurance.
void warm_up_openblas() {
  const int m = 128, n = 128, k = 2048;
  std::vector<float> a((size_t)m * k, 0.f), b((size_t)k * n, 0.f), c((size_t)m * n);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.f, a.data(), k, b.data(), n, 0.f, c.data(), n);
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
