// 2-D convolution, NHWC activations and HWIO filters (tfjs layouts).
//
// Library choice by measurement (CPU ms on one core, small CNN at batch 128: conv1 3x3x1->32 at 28x28,
// conv2 3x3x32->64 at 14x14; this shared 2-core machine, so +-10 %):
//  - forward and backward-data: oneDNN primitives (jit:avx2) directly on NHWC activations, filters
//    reordered to oneDNN's blocked layout. Letting oneDNN pick blocked activations (plus reorders in and
//    out) cost more here: conv1 fwd 4.8 vs 2.9, conv2 fwd 26.1 vs 24.5, conv2 backward-data 24.7 vs 23.3.
//    (A prototype on another machine found the opposite, with a pathological NHWC backward-data; not so
//    with Debian's oneDNN 2.6.3 on this CPU, which runs jit:avx2 for all three NHWC primitives.)
//  - backward-filter: oneDNN's backward-weights for ordinary shapes (conv2: 32 vs 72-127 wall ms
//    for im2col + OpenBLAS sgemm); a tiled kernel of our own when the filter has few taps (conv1);
//    one sgemm for unpadded 1x1 convolutions.
// oneDNN primitives, reorders and the blocked filter buffers are cached per shape.
#include <dnnl.hpp>
#include <cblas.h>
#include <omp.h>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>
#include "kernels.h"

namespace fm {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

std::string ConvShape::key() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%d,%d,%d,%d|%d,%d,%d|%d,%d|%d,%d,%d,%d|%d,%d", n, h, w, c, kh, kw, o, sh, sw, pt, pl,
                pb, pr, oh, ow);
  return buf;
}

static dnnl::engine& cpu_engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}
static dnnl::stream& cpu_stream() {
  static dnnl::stream strm(cpu_engine());
  return strm;
}

// A buffer in the primitive's preferred layout plus the reorder from/to the user's plain layout.
// When the layouts agree the user's pointer is used directly.
struct Staged {
  memory user, inner;
  dnnl::reorder to_inner, to_user;
  bool direct = true;

  void init(const memory::desc& user_md, const memory::desc& inner_md, bool input) {
    auto& eng = cpu_engine();
    user = memory(user_md, eng, DNNL_MEMORY_NONE);
    direct = user_md == inner_md;
    if (direct) return;
    inner = memory(inner_md, eng);
    if (input) to_inner = dnnl::reorder(user, inner);
    else to_user = dnnl::reorder(inner, user);
  }
  // Points at the user's buffer and returns the memory the primitive should use (input side).
  memory& stage_in(const float* p) {
    user.set_data_handle(const_cast<float*>(p));
    if (direct) return user;
    to_inner.execute(cpu_stream(), user, inner);
    return inner;
  }
  memory& bind_out(float* p) {
    user.set_data_handle(p);
    return direct ? user : inner;
  }
  void finish_out() {
    if (!direct) to_user.execute(cpu_stream(), inner, user);
  }
};

static memory::dims src_dims(const ConvShape& s) { return {s.n, s.c, s.h, s.w}; }
static memory::dims dst_dims(const ConvShape& s) { return {s.n, s.o, s.oh, s.ow}; }
static memory::dims wei_dims(const ConvShape& s) { return {s.o, s.c, s.kh, s.kw}; }

static dnnl::convolution_forward::desc forward_desc(const ConvShape& s, bool bias) {
  memory::desc src(src_dims(s), dt::f32, tag::nhwc), wei(wei_dims(s), dt::f32, tag::any),
      dst(dst_dims(s), dt::f32, tag::nhwc), b({s.o}, dt::f32, tag::x);
  memory::dims strides{s.sh, s.sw}, pad_l{s.pt, s.pl}, pad_r{s.pb, s.pr};
  if (bias)
    return {dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src, wei, b, dst, strides, pad_l, pad_r};
  return {dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src, wei, dst, strides, pad_l, pad_r};
}

// oneDNN's eltwise post-op for our activation code, or false when we apply it ourselves.
static bool post_op_for(int act, float alpha, dnnl::algorithm* alg, float* a, float* b) {
  *b = 0.f;
  switch (act) {
    case kRelu: *alg = dnnl::algorithm::eltwise_relu; *a = 0.f; return true;
    case kLeakyRelu: *alg = dnnl::algorithm::eltwise_relu; *a = alpha; return true;
    case kRelu6: *alg = dnnl::algorithm::eltwise_clip; *a = 0.f; *b = 6.f; return true;
    case kElu: *alg = dnnl::algorithm::eltwise_elu; *a = alpha; return true;
    case kSigmoid: *alg = dnnl::algorithm::eltwise_logistic; *a = 0.f; return true;
    case kTanh: *alg = dnnl::algorithm::eltwise_tanh; *a = 0.f; return true;
    default: return false;
  }
}

struct ForwardPlan {
  dnnl::convolution_forward prim;
  Staged src, wei, dst;
  memory bias;
  bool has_bias = false, act_in_primitive = false;
};

struct BackwardDataPlan {
  dnnl::convolution_backward_data prim;
  Staged diff_dst, wei, diff_src;
};

// Primitives are cached by shape; the cache is small in practice (a model has a handful of conv
// shapes, times the last partial batch) and is cleared if it ever grows past a bound.
template <typename Plan>
struct PlanCache {
  std::unordered_map<std::string, std::unique_ptr<Plan>> plans;
  std::mutex mu;
  template <typename Make>
  Plan& get(const std::string& key, Make make) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = plans.find(key);
    if (it != plans.end()) return *it->second;
    if (plans.size() > 256) plans.clear();
    return *(plans[key] = make());
  }
};

struct BackwardWeightsPlan {
  dnnl::convolution_backward_weights prim;
  Staged src, diff_dst, diff_wei;
};

static PlanCache<ForwardPlan> g_forward;
static PlanCache<BackwardWeightsPlan> g_backward_weights;
static PlanCache<BackwardDataPlan> g_backward_data;

static std::unique_ptr<ForwardPlan> make_forward(const ConvShape& s, bool has_bias, int act, float alpha) {
  auto plan = std::make_unique<ForwardPlan>();
  auto& eng = cpu_engine();
  dnnl::primitive_attr attr;
  dnnl::algorithm alg;
  float a, b;
  if (post_op_for(act, alpha, &alg, &a, &b)) {
    dnnl::post_ops po;
    po.append_eltwise(1.f, alg, a, b);
    attr.set_post_ops(po);
    plan->act_in_primitive = true;
  }
  dnnl::convolution_forward::primitive_desc pd(forward_desc(s, has_bias), attr, eng);
  plan->prim = dnnl::convolution_forward(pd);
  plan->src.init({src_dims(s), dt::f32, tag::nhwc}, pd.src_desc(), true);
  plan->wei.init({wei_dims(s), dt::f32, tag::hwio}, pd.weights_desc(), true);
  plan->dst.init({dst_dims(s), dt::f32, tag::nhwc}, pd.dst_desc(), false);
  plan->has_bias = has_bias;
  if (has_bias) plan->bias = memory({{s.o}, dt::f32, tag::x}, eng, DNNL_MEMORY_NONE);
  return plan;
}

void conv_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y, int act, float alpha) {
  char suffix[48];
  std::snprintf(suffix, sizeof suffix, "|b%d|a%d:%g", bias != nullptr, act, alpha);
  auto& plan = g_forward.get(s.key() + suffix, [&] { return make_forward(s, bias != nullptr, act, alpha); });
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, plan.src.stage_in(x)}, {DNNL_ARG_WEIGHTS, plan.wei.stage_in(w)}, {DNNL_ARG_DST, plan.dst.bind_out(y)}};
  if (plan.has_bias) {
    plan.bias.set_data_handle(const_cast<float*>(bias));
    args[DNNL_ARG_BIAS] = plan.bias;
  }
  plan.prim.execute(cpu_stream(), args);
  plan.dst.finish_out();
  cpu_stream().wait();
  if (!plan.act_in_primitive && act != kLinear) act_forward(y, y, (size_t)s.n * s.oh * s.ow * s.o, act, alpha);
}

static std::unique_ptr<BackwardDataPlan> make_backward_data(const ConvShape& s) {
  auto plan = std::make_unique<BackwardDataPlan>();
  auto& eng = cpu_engine();
  dnnl::convolution_forward::primitive_desc hint(forward_desc(s, false), eng);
  memory::desc diff_src(src_dims(s), dt::f32, tag::nhwc), wei(wei_dims(s), dt::f32, tag::any),
      diff_dst(dst_dims(s), dt::f32, tag::nhwc);
  dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, diff_src, wei, diff_dst, {s.sh, s.sw},
                                          {s.pt, s.pl}, {s.pb, s.pr});
  dnnl::convolution_backward_data::primitive_desc pd(d, eng, hint);
  plan->prim = dnnl::convolution_backward_data(pd);
  plan->diff_dst.init({dst_dims(s), dt::f32, tag::nhwc}, pd.diff_dst_desc(), true);
  plan->wei.init({wei_dims(s), dt::f32, tag::hwio}, pd.weights_desc(), true);
  plan->diff_src.init({src_dims(s), dt::f32, tag::nhwc}, pd.diff_src_desc(), false);
  return plan;
}

void conv_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx) {
  auto& plan = g_backward_data.get(s.key(), [&] { return make_backward_data(s); });
  plan.prim.execute(cpu_stream(), {{DNNL_ARG_DIFF_DST, plan.diff_dst.stage_in(dy)},
                                   {DNNL_ARG_WEIGHTS, plan.wei.stage_in(w)},
                                   {DNNL_ARG_DIFF_SRC, plan.diff_src.bind_out(dx)}});
  plan.diff_src.finish_out();
  cpu_stream().wait();
}

static std::unique_ptr<BackwardWeightsPlan> make_backward_weights(const ConvShape& s) {
  auto plan = std::make_unique<BackwardWeightsPlan>();
  auto& eng = cpu_engine();
  dnnl::convolution_forward::primitive_desc hint(forward_desc(s, false), eng);
  memory::desc src(src_dims(s), dt::f32, tag::nhwc), diff_wei(wei_dims(s), dt::f32, tag::any),
      diff_dst(dst_dims(s), dt::f32, tag::nhwc);
  dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, src, diff_wei, diff_dst, {s.sh, s.sw},
                                             {s.pt, s.pl}, {s.pb, s.pr});
  dnnl::convolution_backward_weights::primitive_desc pd(d, eng, hint);
  plan->prim = dnnl::convolution_backward_weights(pd);
  plan->src.init({src_dims(s), dt::f32, tag::nhwc}, pd.src_desc(), true);
  plan->diff_dst.init({dst_dims(s), dt::f32, tag::nhwc}, pd.diff_dst_desc(), true);
  plan->diff_wei.init({wei_dims(s), dt::f32, tag::hwio}, pd.diff_weights_desc(), false);
  return plan;
}

static void conv_backward_filter_onednn(const ConvShape& s, const float* x, const float* dy, float* dw) {
  auto& plan = g_backward_weights.get(s.key(), [&] { return make_backward_weights(s); });
  plan.prim.execute(cpu_stream(), {{DNNL_ARG_SRC, plan.src.stage_in(x)},
                                   {DNNL_ARG_DIFF_DST, plan.diff_dst.stage_in(dy)},
                                   {DNNL_ARG_DIFF_WEIGHTS, plan.diff_wei.bind_out(dw)}});
  plan.diff_wei.finish_out();
  cpu_stream().wait();
}

// Few filter taps (kh * kw * c, e.g. a first layer on 1-channel images): dw = colᵀ · dy, a tiny
// result (9 x 32) reduced over every output pixel. OpenBLAS and oneDNN's backward-weights are both poor at
// this shape (15 ms and 24+ ms of CPU for the small CNN's first layer). Here the pixels go in tiles: a tile's
// im2col rows are built in a small buffer, then each (tap, 8 output channels) accumulator stays in a
// register across the tile; each thread sums into its own copy of dw.
typedef float v8f __attribute__((vector_size(32)));

__attribute__((target_clones("arch=x86-64-v3", "default")))
static void few_taps_tile(const float* col, const float* g, int rows, int taps, int o, float* acc) {
  const int ov = o / 8 * 8;
  for (int k = 0; k < taps; ++k) {
    float* a = acc + (long)k * o;
    int ob = 0;
    for (; ob + 32 <= ov; ob += 32) {  // 4 accumulators
      v8f s0, s1, s2, s3;
      std::memcpy(&s0, a + ob, 32); std::memcpy(&s1, a + ob + 8, 32);
      std::memcpy(&s2, a + ob + 16, 32); std::memcpy(&s3, a + ob + 24, 32);
      for (int p = 0; p < rows; ++p) {
        const float xv = col[(long)p * taps + k];
        const float* gp = g + (long)p * o + ob;
        v8f g0, g1, g2, g3;
        std::memcpy(&g0, gp, 32); std::memcpy(&g1, gp + 8, 32); std::memcpy(&g2, gp + 16, 32); std::memcpy(&g3, gp + 24, 32);
        s0 += xv * g0; s1 += xv * g1; s2 += xv * g2; s3 += xv * g3;
      }
      std::memcpy(a + ob, &s0, 32); std::memcpy(a + ob + 8, &s1, 32);
      std::memcpy(a + ob + 16, &s2, 32); std::memcpy(a + ob + 24, &s3, 32);
    }
    for (; ob + 8 <= ov; ob += 8) {
      v8f s0;
      std::memcpy(&s0, a + ob, 32);
      for (int p = 0; p < rows; ++p) {
        v8f g0;
        std::memcpy(&g0, g + (long)p * o + ob, 32);
        s0 += col[(long)p * taps + k] * g0;
      }
      std::memcpy(a + ob, &s0, 32);
    }
    for (; ob < o; ++ob)
      for (int p = 0; p < rows; ++p) a[ob] += col[(long)p * taps + k] * g[(long)p * o + ob];
  }
}

static void backward_filter_few_taps(const ConvShape& s, const float* x, const float* dy, float* dw) {
  const long taps = (long)s.kh * s.kw * s.c, size = taps * s.o, total = (long)s.n * s.oh * s.ow;
  constexpr long kTile = 256;
  const int threads = omp_get_max_threads();
  std::vector<float> partial((size_t)threads * size, 0.f);
#pragma omp parallel num_threads(threads)
  {
    float* acc = partial.data() + (size_t)omp_get_thread_num() * size;
    std::vector<float> col((size_t)kTile * taps);
#pragma omp for schedule(static)
    for (long t0 = 0; t0 < total; t0 += kTile) {
      const int rows = (int)std::min(kTile, total - t0);
      int ow = (int)(t0 % s.ow), oh = (int)((t0 / s.ow) % s.oh), n = (int)(t0 / ((long)s.ow * s.oh));
      for (int r = 0; r < rows; ++r) {
        float* dst = col.data() + (long)r * taps;
        for (int i = 0; i < s.kh; ++i) {
          const int ih = oh * s.sh - s.pt + i;
          const bool row_inside = ih >= 0 && ih < s.h;
          const float* xrow = x + ((long)n * s.h + ih) * s.w * s.c;
          for (int j = 0; j < s.kw; ++j) {
            const int iw = ow * s.sw - s.pl + j;
            float* d = dst + ((long)i * s.kw + j) * s.c;
            if (row_inside && iw >= 0 && iw < s.w) {
              const float* src = xrow + (long)iw * s.c;
              for (int ci = 0; ci < s.c; ++ci) d[ci] = src[ci];  // c is small: no memcpy calls
            } else {
              for (int ci = 0; ci < s.c; ++ci) d[ci] = 0.f;
            }
          }
        }
        if (++ow == s.ow) { ow = 0; if (++oh == s.oh) { oh = 0; ++n; } }
      }
      few_taps_tile(col.data(), dy + t0 * s.o, rows, (int)taps, s.o, acc);
    }
  }
  for (long k = 0; k < size; ++k) {
    float sum = 0.f;
    for (int t = 0; t < threads; ++t) sum += partial[(size_t)t * size + k];
    dw[k] = sum;
  }
}

// Backward-filter by shape class (see the top of this file); for 1x1 stride-1 unpadded convolutions the
// input already is the im2col matrix, so one sgemm.
void conv_backward_filter(const ConvShape& s, const float* x, const float* dy, float* dw) {
  const long k = (long)s.kh * s.kw * s.c, total = (long)s.n * s.oh * s.ow;
  const bool pointwise = s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.pt == 0 && s.pl == 0 && s.oh == s.h && s.ow == s.w;
  if (pointwise) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, s.o, (int)total, 1.f, x, (int)k, dy, s.o, 0.f, dw, s.o);
  } else if (k <= 32) {
    backward_filter_few_taps(s, x, dy, dw);
  } else {
    conv_backward_filter_onednn(s, x, dy, dw);
  }
}

}  // namespace fm
