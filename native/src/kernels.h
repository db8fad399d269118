// Declarations of the addon's kernels. All tensors are dense float32 in tfjs's layouts
// (NHWC activations, HWIO conv filters, row-major matrices); no kernel writes into its inputs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace fm {

// Activation codes shared with src/engine/native/activations.ts.
enum Act : int {
  kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kElu = 4, kSigmoid = 5, kTanh = 6, kSelu = 7, kErf = 8,
};

struct ConvShape {
  int n, h, w, c;          // input, NHWC
  int kh, kw, o;           // filter HWIO: [kh, kw, c, o]
  int sh, sw;              // strides
  int pt, pl, pb, pr;      // padding (tfjs padInfo; bottom/right recomputed for the output size)
  int oh, ow;              // output spatial size
  std::string key() const;
};

// Element-wise passes (activations, dropout, optimizer updates) below this many elements run on the
// calling thread: waking the pool's sleeping thread (passive waiting) took 50-250 us inside this VM's
// training steps, more than splitting saves on a memory-bound pass of ~0.1 ms (measured on the MLP:
// 1 << 15 -> 1 << 17 was a few % faster).
constexpr size_t kParallelMin = 1 << 17;

// For loops that are compute-bound at the build's x86-64-v2 (SSE) width: also compiled for AVX2 and
// AVX-512, the CPU picks at load.
#define FM_WIDE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// runtime.cc
void tune_malloc();
int omp_threads();

// Runs one kernel call on the calling thread alone when its work (floating-point operations) is below
// the serial threshold: waking the pool costs tens of microseconds when idle and far more when other
// processes hold the cores, more than a small call (single-image inference, tiny layers) saves by
// splitting. oneDNN and OpenBLAS read the thread count per call (and oneDNN bakes it into the plans
// created under it, which are cached per shape, so a shape always runs the same way).
class SerialIfSmall {
 public:
  explicit SerialIfSmall(double work);
  ~SerialIfSmall();
  SerialIfSmall(const SerialIfSmall&) = delete;
  SerialIfSmall& operator=(const SerialIfSmall&) = delete;

 private:
  int restore_ = 0;
};
std::string onednn_version();
std::string openblas_info();

// conv.cc: y = act(conv(x, w) + b); dx = conv_backward_data(dy, w); dw = conv_backward_filter(x, dy)
void conv_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y, int act, float alpha);
void conv_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx);
void conv_backward_filter(const ConvShape& s, const float* x, const float* dy, float* dw);
// Whether 3x3 stride-1 convolutions with channels in multiples of 16 run Winograd here (AVX-512 CPUs).
bool winograd_available();

// gemm.cc: warm_up_openblas() once at load (see gemm.cc).
void warm_up_openblas();
// out[b] = act(op(a[b]) x op(bb[b]) + bias); batch strides of 0 broadcast an operand.
void matmul(int batch, int m, int n, int k, const float* a, long stride_a, bool trans_a, const float* b, long stride_b,
            bool trans_b, const float* bias, long bias_len, float* out, int act, float alpha);

// pool.cc (NHWC, tfjs Pool2DInfo semantics: max picks the first maximum; avg divides by in-bounds count)
struct PoolShape { int n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow; };
void max_pool(const PoolShape& s, const float* x, float* y);
void avg_pool(const PoolShape& s, const float* x, float* y);
void max_pool_grad(const PoolShape& s, const float* x, const float* dy, float* dx);
void avg_pool_grad(const PoolShape& s, const float* dy, float* dx);

// eltwise.cc
void act_forward(const float* x, float* y, size_t n, int act, float alpha);
// dx = dy * act'(.) where `src` is the activation's input x, or its output y when from_output.
void act_backward(const float* dy, const float* src, float* dx, size_t n, int act, float alpha, bool from_output);
// The same, also summing dx per channel (the last axis, `channels` long) into db: a fused layer's
// bias gradient in the same pass.
void act_backward_bias(const float* dy, const float* src, float* dx, size_t n, int act, float alpha, bool from_output,
                       size_t channels, float* db);
enum BinOp : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };
// out[i] = a[i % len_a] op b[i % len_b] for i < n, where len_a and len_b divide n (broadcast of a suffix).
void binary(int op, const float* a, size_t len_a, const float* b, size_t len_b, float* out, size_t n);

// Inverted dropout: y = x * keep / (1 - rate), where keep is a pseudo-random 0/1 per element drawn
// from (seed_a, seed_b, i) by a counter-based hash: the same seeds give the same mask whatever the
// thread count, and the gradient is the same call on dy (no mask is stored).
void dropout(const float* x, float* y, size_t n, float rate, uint32_t seed_a, uint32_t seed_b);

// reduce.cc: x viewed as [outer, mid, inner], reduced over mid into [outer, inner].
enum ReduceOp : int { kSum = 0, kMean = 1, kMax = 2, kMin = 3 };
void reduce(int op, const float* x, size_t outer, size_t mid, size_t inner, float* out);
void softmax(const float* logits, float* y, size_t rows, size_t cols);
// Softmax's gradient from its output y, per row of `cols`: dx = y * (dy - sum(dy * y)).
void softmax_grad(const float* dy, const float* y, float* dx, size_t rows, size_t cols);
// Keras's categorical cross-entropy on probabilities: the mean over rows of -sum(t * log(clip(p, eps, 1 - eps))),
// and its gradient with respect to p for an upstream gradient dy (zero where the clip is active, as tfjs's).
float cross_entropy(const float* t, const float* p, size_t rows, size_t cols, float eps);
void cross_entropy_grad(float dy, const float* t, const float* p, float* dp, size_t rows, size_t cols, float eps);

// batchnorm.cc: y = (x - mean) * scale / sqrt(var + eps) + offset, per channel (last axis, size c), then
// max(0, y) when relu (a batch-norm layer followed by a relu layer, fused).
void batch_norm(const float* x, size_t n, size_t c, const float* mean, const float* var, const float* offset,
                const float* scale, float eps, bool relu, float* y);
// Training mode: the batch's per-channel mean and (biased) variance, then the same transform.
void batch_norm_train(const float* x, size_t n, size_t c, const float* scale, const float* offset, float eps, bool relu,
                      float* y, float* mean, float* var);
// Its gradient with respect to x (through the batch statistics too), scale and offset. With the fused
// relu, `rectified` is the forward output y (dy passes where y > 0); else null.
void batch_norm_train_grad(const float* dy, const float* rectified, const float* x, size_t n, size_t c,
                           const float* mean, const float* var, const float* scale, float eps, float* dx, float* dscale,
                           float* doffset);

// optim.cc: in-place updates of a parameter and its optimizer state (float32 math, as tfjs does).
void adam_update(float* param, const float* grad, float* m, float* v, size_t n, float lr, float beta1, float beta2,
                 float one_minus_acc_beta1, float one_minus_acc_beta2, float eps, float* out);
void sgd_update(float* param, const float* grad, size_t n, float lr, float* out);
void momentum_update(float* param, const float* grad, float* accum, size_t n, float lr, float momentum, bool nesterov,
                     float* out);

// signal_probe.cc: a profiling-like signal storm (SIGPROF every interval_us) to test signal safety.
void signal_storm_start(int interval_us);
long signal_storm_stop();

}  // namespace fm
