// 2-D convolution, NHWC activations and HWIO filters (tfjs layouts).
//
// Library choice by measurement (CPU ms on one core, small CNN at batch 128: conv1 3x3x1->32 at 28x28,
// conv2 3x3x32->64 at 14x14; this shared 2-core machine, so +-10 %):
//  - forward and backward-data: oneDNN primitives (jit:avx2) directly on NHWC activations, filters
//    reordered to oneDNN's blocked layout. Letting oneDNN pick blocked activations (plus reorders in and
//    out) cost more here: conv1 fwd 4.8 vs 2.9, conv2 fwd 26.1 vs 24.5, conv2 backward-data 24.7 vs 23.3.
//    (A prototype on another machine found the opposite, with a pathological NHWC backward-data; not so
//    with Debian's oneDNN 2.6.3 on this CPU, which runs jit:avx2 for all three NHWC primitives.)
//  - backward-filter: oneDNN's backward-weights on NHWC as well: conv2 31-32 (im2col + OpenBLAS sgemm:
//    83 for the sgemm alone, whose long reduction OpenBLAS handles poorly), conv1 4.1 (a tiled kernel of
//    our own: 10.6; im2col + sgemm: ~15).
//  - on AVX-512 CPUs, 3x3 stride-1 layers with channels in multiples of 16 use oneDNN's Winograd
//    primitives instead (about 2x faster in all three directions; native/README.md has the figures).
// oneDNN primitives, reorders and the blocked filter buffers are cached per shape. Like all of the addon,
// this expects calls from one JavaScript thread at a time (not concurrent worker threads).
#include <dnnl.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>
#include "kernels.h"
#include "onednn.h"

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

dnnl::engine& cpu_engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}
dnnl::stream& cpu_stream() {
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

// Winograd F(4x4, 3x3) (oneDNN's jit_wino_4x3, AVX-512 only) for 3x3 stride-1 convolutions with
// channel counts in multiples of 16: measured about 2x faster than the direct primitives in all three
// directions on the CNN shapes here, and still well ahead with its blocked activations reordered from
// and to NHWC around each call. Where oneDNN has no Winograd kernel (AVX2 CPUs, other shapes) a plan
// falls back to the direct algorithm. FMNIST_NATIVE_WINOGRAD=0 turns it off.
static bool winograd_enabled() {
  static const bool on = [] {
    const char* e = std::getenv("FMNIST_NATIVE_WINOGRAD");
    return e == nullptr || std::string(e) != "0";
  }();
  return on;
}

// Symmetric padding only: oneDNN 2.6.3's Winograd backward-data returned wrong values for a 3x3
// convolution padded on the top and right only (caught by test/engine-native-kernels.test.ts).
static bool winograd_fits(const ConvShape& s) {
  return winograd_enabled() && s.kh == 3 && s.kw == 3 && s.sh == 1 && s.sw == 1 && s.c % 16 == 0 && s.o % 16 == 0 &&
         s.pt == s.pb && s.pl == s.pr && s.pt <= 1 && s.pl <= 1;
}

// Convolution descriptors of one algorithm: direct runs on NHWC activations as they are, Winograd
// lets oneDNN pick its (blocked) activation layout.
struct Algo {
  dnnl::algorithm alg;
  tag act;
};
static const Algo kDirect{dnnl::algorithm::convolution_direct, tag::nhwc};
static const Algo kWinograd{dnnl::algorithm::convolution_winograd, tag::any};

// Builds a plan with Winograd where the shape fits and oneDNN implements it, else direct.
template <typename Make>
static auto make_plan(const ConvShape& s, Make make) {
  if (winograd_fits(s)) {
    try {
      return make(kWinograd);
    } catch (const dnnl::error&) {
      // unimplemented on this CPU or for this shape: the direct algorithm below
    }
  }
  return make(kDirect);
}

static dnnl::convolution_forward::desc forward_desc(const ConvShape& s, bool bias, const Algo& a) {
  memory::desc src(src_dims(s), dt::f32, a.act), wei(wei_dims(s), dt::f32, tag::any),
      dst(dst_dims(s), dt::f32, a.act), b({s.o}, dt::f32, tag::x);
  memory::dims strides{s.sh, s.sw}, pad_l{s.pt, s.pl}, pad_r{s.pb, s.pr};
  if (bias)
    return {dnnl::prop_kind::forward_training, a.alg, src, wei, b, dst, strides, pad_l, pad_r};
  return {dnnl::prop_kind::forward_training, a.alg, src, wei, dst, strides, pad_l, pad_r};
}

bool winograd_available() {
  static const bool ok = [] {
    if (!winograd_enabled()) return false;
    ConvShape s{2, 8, 8, 16, 3, 3, 16, 1, 1, 1, 1, 1, 1, 8, 8};
    try {
      dnnl::convolution_forward::primitive_desc pd(forward_desc(s, true, kWinograd), cpu_engine());
      return true;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return ok;
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

static std::unique_ptr<ForwardPlan> make_forward(const ConvShape& s, bool has_bias, int act, float alpha,
                                                 const Algo& algo) {
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
  dnnl::convolution_forward::primitive_desc pd(forward_desc(s, has_bias, algo), attr, eng);
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
  auto& plan = g_forward.get(s.key() + suffix, [&] {
    return make_plan(s, [&](const Algo& a) { return make_forward(s, bias != nullptr, act, alpha, a); });
  });
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

static std::unique_ptr<BackwardDataPlan> make_backward_data(const ConvShape& s, const Algo& algo) {
  auto plan = std::make_unique<BackwardDataPlan>();
  auto& eng = cpu_engine();
  dnnl::convolution_forward::primitive_desc hint(forward_desc(s, false, algo), eng);
  memory::desc diff_src(src_dims(s), dt::f32, algo.act), wei(wei_dims(s), dt::f32, tag::any),
      diff_dst(dst_dims(s), dt::f32, algo.act);
  dnnl::convolution_backward_data::desc d(algo.alg, diff_src, wei, diff_dst, {s.sh, s.sw},
                                          {s.pt, s.pl}, {s.pb, s.pr});
  dnnl::convolution_backward_data::primitive_desc pd(d, eng, hint);
  plan->prim = dnnl::convolution_backward_data(pd);
  plan->diff_dst.init({dst_dims(s), dt::f32, tag::nhwc}, pd.diff_dst_desc(), true);
  plan->wei.init({wei_dims(s), dt::f32, tag::hwio}, pd.weights_desc(), true);
  plan->diff_src.init({src_dims(s), dt::f32, tag::nhwc}, pd.diff_src_desc(), false);
  return plan;
}

void conv_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx) {
  auto& plan = g_backward_data.get(s.key(), [&] {
    return make_plan(s, [&](const Algo& a) { return make_backward_data(s, a); });
  });
  plan.prim.execute(cpu_stream(), {{DNNL_ARG_DIFF_DST, plan.diff_dst.stage_in(dy)},
                                   {DNNL_ARG_WEIGHTS, plan.wei.stage_in(w)},
                                   {DNNL_ARG_DIFF_SRC, plan.diff_src.bind_out(dx)}});
  plan.diff_src.finish_out();
  cpu_stream().wait();
}

static std::unique_ptr<BackwardWeightsPlan> make_backward_weights(const ConvShape& s, const Algo& algo) {
  auto plan = std::make_unique<BackwardWeightsPlan>();
  auto& eng = cpu_engine();
  dnnl::convolution_forward::primitive_desc hint(forward_desc(s, false, algo), eng);
  memory::desc src(src_dims(s), dt::f32, algo.act), diff_wei(wei_dims(s), dt::f32, tag::any),
      diff_dst(dst_dims(s), dt::f32, algo.act);
  dnnl::convolution_backward_weights::desc d(algo.alg, src, diff_wei, diff_dst, {s.sh, s.sw},
                                             {s.pt, s.pl}, {s.pb, s.pr});
  dnnl::convolution_backward_weights::primitive_desc pd(d, eng, hint);
  plan->prim = dnnl::convolution_backward_weights(pd);
  plan->src.init({src_dims(s), dt::f32, tag::nhwc}, pd.src_desc(), true);
  plan->diff_dst.init({dst_dims(s), dt::f32, tag::nhwc}, pd.diff_dst_desc(), true);
  plan->diff_wei.init({wei_dims(s), dt::f32, tag::hwio}, pd.diff_weights_desc(), false);
  return plan;
}

void conv_backward_filter(const ConvShape& s, const float* x, const float* dy, float* dw) {
  auto& plan = g_backward_weights.get(s.key(), [&] {
    return make_plan(s, [&](const Algo& a) { return make_backward_weights(s, a); });
  });
  plan.prim.execute(cpu_stream(), {{DNNL_ARG_SRC, plan.src.stage_in(x)},
                                   {DNNL_ARG_DIFF_DST, plan.diff_dst.stage_in(dy)},
                                   {DNNL_ARG_DIFF_WEIGHTS, plan.diff_wei.bind_out(dw)}});
  plan.diff_wei.finish_out();
  cpu_stream().wait();
}

}  // namespace fm
