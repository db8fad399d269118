// Matrix products: oneDNN's matmul primitive for single products of a million multiply-adds or more,
// OpenBLAS sgemm (the OpenMP build, sharing oneDNN's pool) for smaller, batched and one-row products.
//
// Why the matmul primitive (brgemm kernels): on the MLP's and the CNNs' dense shapes it measured 10-40 %
// faster than OpenBLAS 0.3.21 on one AVX-512 thread and up to 1.7x on two (128 x 784 x 256: 270 against
// 393-468 us; OpenBLAS splits such short-M products poorly); native/README.md has the table.
// Why not oneDNN's sgemm API: Debian's oneDNN 2.6.3 dnnl_sgemm corrupted the heap when a signal arrived
// mid-call (reproduced with a timer signal and with `node --cpu-prof`); the matmul primitive and
// OpenBLAS survive the same test (test/engine-native-runtime.test.ts).
// FMNIST_NATIVE_GEMM=openblas sends every product to OpenBLAS (for measuring).
#include <cblas.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <omp.h>
#include <string>
#include <unordered_map>
#include <vector>
#include "kernels.h"
#include "onednn.h"

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

static bool onednn_gemm_enabled() {
  static const bool on = [] {
    const char* e = std::getenv("FMNIST_NATIVE_GEMM");
    return e == nullptr || std::string(e) != "openblas";
  }();
  return on;
}

// A matmul primitive for one shape, transposition, bias and thread count, with its memory objects
// (their data handles are pointed at the caller's arrays on each call).
struct MatmulPlan {
  dnnl::matmul prim;
  dnnl::memory a, b, bias, c;
};

static MatmulPlan& matmul_plan(int m, int n, int k, bool ta, bool tb, bool bias) {
  using dnnl::memory;
  static std::unordered_map<std::string, std::unique_ptr<MatmulPlan>> cache;
  char key[96];
  std::snprintf(key, sizeof key, "%d,%d,%d,%d,%d,%d,%d", m, n, k, ta, tb, bias, omp_get_max_threads());
  auto& slot = cache[key];
  if (slot) return *slot;
  auto& eng = cpu_engine();
  const auto f32 = memory::data_type::f32;
  // Transposed operands are described by their strides, so nothing is copied.
  memory::desc a_md({m, k}, f32, ta ? memory::dims{1, m} : memory::dims{k, 1});
  memory::desc b_md({k, n}, f32, tb ? memory::dims{1, k} : memory::dims{n, 1});
  memory::desc c_md({m, n}, f32, memory::format_tag::ab);
  memory::desc bias_md = bias ? memory::desc({1, n}, f32, memory::format_tag::ab) : memory::desc();
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_md, bias_md, c_md), eng);
  slot = std::make_unique<MatmulPlan>(MatmulPlan{dnnl::matmul(pd), memory(a_md, eng, DNNL_MEMORY_NONE),
                                                 memory(b_md, eng, DNNL_MEMORY_NONE),
                                                 bias ? memory(bias_md, eng, DNNL_MEMORY_NONE) : memory(),
                                                 memory(c_md, eng, DNNL_MEMORY_NONE)});
  return *slot;
}

static void onednn_matmul(int m, int n, int k, const float* a, bool ta, const float* b, bool tb, const float* bias,
                          float* c) {
  MatmulPlan& p = matmul_plan(m, n, k, ta, tb, bias != nullptr);
  p.a.set_data_handle(const_cast<float*>(a));
  p.b.set_data_handle(const_cast<float*>(b));
  p.c.set_data_handle(c);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, p.a}, {DNNL_ARG_WEIGHTS, p.b}, {DNNL_ARG_DST, p.c}};
  if (bias != nullptr) {
    p.bias.set_data_handle(const_cast<float*>(bias));
    args.emplace(DNNL_ARG_BIAS, p.bias);
  }
  p.prim.execute(cpu_stream(), args);
  cpu_stream().wait();
}

void matmul(int batch, int m, int n, int k, const float* a, long stride_a, bool trans_a, const float* b, long stride_b,
            bool trans_b, const float* bias, long bias_len, float* out, int act, float alpha) {
  const long out_size = (long)m * n;
  // Below ~1 M multiply-adds the primitive's fixed cost shows (128 x 10 x 128: 9-17 us against 6-9).
  if (batch == 1 && m > 1 && (double)m * n * k >= 1e6 && bias_len != 1 && onednn_gemm_enabled()) {
    onednn_matmul(m, n, k, a, trans_a, b, trans_b, bias_len > 0 ? bias : nullptr, out);
    if (act != kLinear) act_forward(out, out, (size_t)out_size, act, alpha);
    return;
  }
  const int lda = trans_a ? m : k, ldb = trans_b ? k : n;
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
