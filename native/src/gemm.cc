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

// OpenBLAS 0.3.21 (Zen kernels) is slow when the reduction is much longer than the result: a dense
// layer's forward pass, 128 x 3136 x 128, ran at 11 GFLOP/s on one core. Accumulating slices of the
// reduction into C measured 32 GFLOP/s for slices of 128-192 or 384-392 columns but 11-16 for 256-320
// or 512 (consistently, tmp benchmark of OpenBLAS alone), so long reductions run in slices of <= 192.
static void sgemm_chunked(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                          float beta, float* c, int ldc) {
  const auto op_a = ta ? CblasTrans : CblasNoTrans, op_b = tb ? CblasTrans : CblasNoTrans;
  if (m == 1) {
    // One row (single-image inference): a matrix-vector product reads op(b) once, where sgemm would
    // first pack all of it (measured: a 3136 x 128 dense layer 0.39 -> ms per call under load).
    // c = op(b)^T a; op(a)'s row is contiguous either way (lda is 1 when a is stored transposed).
    cblas_sgemv(CblasRowMajor, tb ? CblasNoTrans : CblasTrans, tb ? n : k, tb ? k : n, 1.f, b, ldb, a, 1, beta, c, 1);
    return;
  }
  constexpr int kSlice = 192;
  const int slices = k > 2 * std::max(m, n) && k > 2 * kSlice ? (k + kSlice - 1) / kSlice : 1;
  if (slices == 1) {
    cblas_sgemm(CblasRowMajor, op_a, op_b, m, n, k, 1.f, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  // Column k0 of op(a) and row k0 of op(b).
  // Slices start at multiples of 192 columns, keeping op(a)'s slices as aligned as a itself.
  auto slice = [&](int s, float* dst, float slice_beta) {
    const int k0 = s * kSlice, k1 = std::min(k, k0 + kSlice);
    cblas_sgemm(CblasRowMajor, op_a, op_b, m, n, k1 - k0, 1.f, ta ? a + (long)k0 * lda : a + k0, lda,
                tb ? b + k0 : b + (long)k0 * ldb, ldb, slice_beta, dst, n);
  };
  // One parallel region over the slices (OpenBLAS runs single-threaded inside it), each thread into
  // its own result, summed at the end: many small multi-threaded calls cost a fork/join each.
  const int threads = std::min(omp_get_max_threads(), slices);

  std::vector<float> partial((size_t)std::max(0, threads - 1) * m * n);
  std::vector<float> own((size_t)m * n);
  for (int i = 0; i < m; ++i) std::memcpy(own.data() + (size_t)i * n, c + (size_t)i * ldc, sizeof(float) * n);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    float* dst = t == 0 ? own.data() : partial.data() + (size_t)(t - 1) * m * n;
    bool first = true;
#pragma omp for schedule(static)
    for (int s = 0; s < slices; ++s) {
      slice(s, dst, first ? (t == 0 ? beta : 0.f) : 1.f);
      first = false;
    }
    if (first && t > 0) std::fill(dst, dst + (size_t)m * n, 0.f);  // a thread without slices
  }
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float v = own[(size_t)i * n + j];
      for (int t = 1; t < threads; ++t) v += partial[(size_t)(t - 1) * m * n + (size_t)i * n + j];
      c[(size_t)i * ldc + j] = v;
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
