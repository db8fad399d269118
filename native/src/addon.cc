// N-API entry points. Every function takes Float32Arrays (views are fine) plus shape numbers, checks
// that each array has the length the shape implies, and computes synchronously on the calling thread,
// which fans out to the OpenMP pool. Outputs are written into arrays the caller allocated.
#include <napi.h>
#include <stdexcept>
#include <string>
#include "kernels.h"

namespace {

using namespace fm;

struct ArgError : std::runtime_error { using std::runtime_error::runtime_error; };

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn) : info_(info), fn_(fn) {}
  float* f32(size_t i, size_t expected, const char* what) const {
    Napi::Value v = info_[i];
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      fail(std::string(what) + " must be a Float32Array");
    auto a = v.As<Napi::Float32Array>();
    if (a.ElementLength() != expected)
      fail(std::string(what) + " has " + std::to_string(a.ElementLength()) + " elements, expected " + std::to_string(expected));
    return a.Data();
  }
  // A Float32Array or null (optional operand).
  float* opt_f32(size_t i, size_t expected, const char* what) const {
    return info_[i].IsNull() || info_[i].IsUndefined() ? nullptr : f32(i, expected, what);
  }
  size_t len(size_t i, const char* what) const {
    if (!info_[i].IsTypedArray()) fail(std::string(what) + " must be a Float32Array");
    return info_[i].As<Napi::TypedArray>().ElementLength();
  }
  long num(size_t i, const char* what) const {
    if (!info_[i].IsNumber()) fail(std::string(what) + " must be a number");
    return info_[i].As<Napi::Number>().Int64Value();
  }
  float real(size_t i, const char* what) const {
    if (!info_[i].IsNumber()) fail(std::string(what) + " must be a number");
    return info_[i].As<Napi::Number>().FloatValue();
  }
  bool flag(size_t i) const { return info_[i].ToBoolean().Value(); }
  std::vector<int> ints(size_t i, size_t count, const char* what) const {
    if (!info_[i].IsArray()) fail(std::string(what) + " must be an array of " + std::to_string(count) + " integers");
    auto arr = info_[i].As<Napi::Array>();
    if (arr.Length() != count) fail(std::string(what) + " must have " + std::to_string(count) + " entries");
    std::vector<int> out(count);
    for (uint32_t k = 0; k < count; ++k) out[k] = arr.Get(k).As<Napi::Number>().Int32Value();
    return out;
  }
  [[noreturn]] void fail(const std::string& msg) const { throw ArgError(std::string("native.") + fn_ + ": " + msg); }

 private:
  const Napi::CallbackInfo& info_;
  const char* fn_;
};

// Runs body, turning C++ exceptions (ours, oneDNN's) into JavaScript errors.
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* fn, F body) {
  Napi::Env env = info.Env();
  try {
    Args args(info, fn);
    return body(args);
  } catch (const ArgError& e) {
    Napi::TypeError::New(env, e.what()).ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    Napi::Error::New(env, std::string("native.") + fn + " failed: " + e.what()).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

ConvShape conv_shape(const Args& a, size_t i) {
  auto d = a.ints(i, 15, "conv dims");
  return {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
}
PoolShape pool_shape(const Args& a, size_t i) {
  auto d = a.ints(i, 12, "pool dims");
  return {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11]};
}
size_t in_size(const ConvShape& s) { return (size_t)s.n * s.h * s.w * s.c; }
size_t out_size(const ConvShape& s) { return (size_t)s.n * s.oh * s.ow * s.o; }
size_t filter_size(const ConvShape& s) { return (size_t)s.kh * s.kw * s.c * s.o; }
// Pooling is memory-bound: an element read or written costs about what 16 multiply-adds of a
// convolution do, so it is weighed as such against the serial threshold.
double pool_work(size_t in, size_t out) { return 16.0 * (in + out); }
// Multiply-adds x 2 of a convolution, forward or either gradient.
double conv_work(const ConvShape& s) { return 2.0 * out_size(s) * s.kh * s.kw * s.c; }

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("threads", omp_threads());
  o.Set("onednn", onednn_version());
  o.Set("openblas", openblas_info());
  o.Set("winograd", winograd_available());
  return o;
}

// convForward(x, filter, bias|null, y, dims, act, alpha)
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  return guarded(info, "convForward", [&](const Args& a) {
    ConvShape s = conv_shape(a, 4);
    SerialIfSmall serial(conv_work(s));
    conv_forward(s, a.f32(0, in_size(s), "x"), a.f32(1, filter_size(s), "filter"), a.opt_f32(2, s.o, "bias"),
                 a.f32(3, out_size(s), "y"), (int)a.num(5, "act"), a.real(6, "alpha"));
    return info.Env().Undefined();
  });
}

// convBackwardData(dy, filter, dx, dims)
Napi::Value ConvBackwardData(const Napi::CallbackInfo& info) {
  return guarded(info, "convBackwardData", [&](const Args& a) {
    ConvShape s = conv_shape(a, 3);
    SerialIfSmall serial(conv_work(s));
    conv_backward_data(s, a.f32(0, out_size(s), "dy"), a.f32(1, filter_size(s), "filter"), a.f32(2, in_size(s), "dx"));
    return info.Env().Undefined();
  });
}

// convBackwardFilter(x, dy, dfilter, dims)
Napi::Value ConvBackwardFilter(const Napi::CallbackInfo& info) {
  return guarded(info, "convBackwardFilter", [&](const Args& a) {
    ConvShape s = conv_shape(a, 3);
    SerialIfSmall serial(conv_work(s));
    conv_backward_filter(s, a.f32(0, in_size(s), "x"), a.f32(1, out_size(s), "dy"), a.f32(2, filter_size(s), "dfilter"));
    return info.Env().Undefined();
  });
}

// matmul(a, b, bias|null, out, batch, m, n, k, batchA, batchB, transA, transB, act, alpha)
// batchA/batchB: how many matrices a and b hold (equal to batch, or 1 to broadcast).
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  return guarded(info, "matmul", [&](const Args& a) {
    long batch = a.num(4, "batch"), m = a.num(5, "m"), n = a.num(6, "n"), k = a.num(7, "k");
    long ba = a.num(8, "batchA"), bb = a.num(9, "batchB");
    if ((ba != batch && ba != 1) || (bb != batch && bb != 1)) a.fail("batchA/batchB must equal batch or 1");
    size_t bias_len = info[2].IsNull() ? 0 : a.len(2, "bias");
    if (bias_len != 0 && bias_len != 1 && bias_len != (size_t)n) a.fail("bias must have 1 or n elements");
    SerialIfSmall serial(2.0 * batch * m * n * k);
    matmul((int)batch, (int)m, (int)n, (int)k, a.f32(0, ba * m * k, "a"), ba == 1 ? 0 : m * k, a.flag(10),
           a.f32(1, bb * k * n, "b"), bb == 1 ? 0 : k * n, a.flag(11), a.opt_f32(2, bias_len, "bias"), (long)bias_len,
           a.f32(3, batch * m * n, "out"), (int)a.num(12, "act"), a.real(13, "alpha"));
    return info.Env().Undefined();
  });
}

// pool(kind, x, y, dims): kind 0 = max, 1 = avg
Napi::Value Pool(const Napi::CallbackInfo& info) {
  return guarded(info, "pool", [&](const Args& a) {
    PoolShape s = pool_shape(a, 3);
    size_t in = (size_t)s.n * s.h * s.w * s.c, out = (size_t)s.n * s.oh * s.ow * s.c;
    SerialIfSmall serial(pool_work(in, out));
    if (a.num(0, "kind") == 0) max_pool(s, a.f32(1, in, "x"), a.f32(2, out, "y"));
    else avg_pool(s, a.f32(1, in, "x"), a.f32(2, out, "y"));
    return info.Env().Undefined();
  });
}

// poolGrad(kind, x|null, dy, dx, dims): x is needed for max pooling only
Napi::Value PoolGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "poolGrad", [&](const Args& a) {
    PoolShape s = pool_shape(a, 4);
    size_t in = (size_t)s.n * s.h * s.w * s.c, out = (size_t)s.n * s.oh * s.ow * s.c;
    SerialIfSmall serial(pool_work(in, out));
    if (a.num(0, "kind") == 0) max_pool_grad(s, a.f32(1, in, "x"), a.f32(2, out, "dy"), a.f32(3, in, "dx"));
    else avg_pool_grad(s, a.f32(2, out, "dy"), a.f32(3, in, "dx"));
    return info.Env().Undefined();
  });
}

// actForward(x, y, act, alpha)
Napi::Value ActForward(const Napi::CallbackInfo& info) {
  return guarded(info, "actForward", [&](const Args& a) {
    size_t n = a.len(0, "x");
    act_forward(a.f32(0, n, "x"), a.f32(1, n, "y"), n, (int)a.num(2, "act"), a.real(3, "alpha"));
    return info.Env().Undefined();
  });
}

// actBackward(dy, src, dx, act, alpha, fromOutput)
Napi::Value ActBackward(const Napi::CallbackInfo& info) {
  return guarded(info, "actBackward", [&](const Args& a) {
    size_t n = a.len(0, "dy");
    act_backward(a.f32(0, n, "dy"), a.f32(1, n, "src"), a.f32(2, n, "dx"), n, (int)a.num(3, "act"), a.real(4, "alpha"),
                 a.flag(5));
    return info.Env().Undefined();
  });
}

// actBackwardBias(dy, src, dx, db, act, alpha, fromOutput): also db[c] = sum of dx over all but the last axis
Napi::Value ActBackwardBias(const Napi::CallbackInfo& info) {
  return guarded(info, "actBackwardBias", [&](const Args& a) {
    size_t n = a.len(0, "dy"), c = a.len(3, "db");
    if (c == 0 || n % c) a.fail("dy's length must be a multiple of db's (the channel count)");
    act_backward_bias(a.f32(0, n, "dy"), a.f32(1, n, "src"), a.f32(2, n, "dx"), n, (int)a.num(4, "act"),
                      a.real(5, "alpha"), a.flag(6), c, a.f32(3, c, "db"));
    return info.Env().Undefined();
  });
}

// binary(op, a, b, out): a and b have out's length or one that divides it (suffix broadcast)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  return guarded(info, "binary", [&](const Args& a) {
    size_t la = a.len(1, "a"), lb = a.len(2, "b"), n = a.len(3, "out");
    if (la == 0 || lb == 0 || n % la || n % lb || (la != n && lb != n)) a.fail("operand lengths must divide the output's");
    binary((int)a.num(0, "op"), a.f32(1, la, "a"), la, a.f32(2, lb, "b"), lb, a.f32(3, n, "out"), n);
    return info.Env().Undefined();
  });
}

// dropout(x, y, rate, seedA, seedB): 0 <= rate < 1, seeds are 32-bit unsigned integers
Napi::Value Dropout(const Napi::CallbackInfo& info) {
  return guarded(info, "dropout", [&](const Args& a) {
    size_t n = a.len(0, "x");
    float rate = a.real(2, "rate");
    if (!(rate >= 0.f && rate < 1.f)) a.fail("rate must be in [0, 1)");
    dropout(a.f32(0, n, "x"), a.f32(1, n, "y"), n, rate, (uint32_t)a.num(3, "seedA"), (uint32_t)a.num(4, "seedB"));
    return info.Env().Undefined();
  });
}

// reduce(op, x, out, outer, mid, inner)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  return guarded(info, "reduce", [&](const Args& a) {
    size_t outer = a.num(3, "outer"), mid = a.num(4, "mid"), inner = a.num(5, "inner");
    reduce((int)a.num(0, "op"), a.f32(1, outer * mid * inner, "x"), outer, mid, inner, a.f32(2, outer * inner, "out"));
    return info.Env().Undefined();
  });
}

// softmax(logits, y, rows, cols)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return guarded(info, "softmax", [&](const Args& a) {
    size_t rows = a.num(2, "rows"), cols = a.num(3, "cols");
    softmax(a.f32(0, rows * cols, "logits"), a.f32(1, rows * cols, "y"), rows, cols);
    return info.Env().Undefined();
  });
}

// softmaxGrad(dy, y, dx, rows, cols)
Napi::Value SoftmaxGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "softmaxGrad", [&](const Args& a) {
    size_t rows = a.num(3, "rows"), cols = a.num(4, "cols"), n = rows * cols;
    softmax_grad(a.f32(0, n, "dy"), a.f32(1, n, "y"), a.f32(2, n, "dx"), rows, cols);
    return info.Env().Undefined();
  });
}

// crossEntropy(labels, probs, rows, cols, eps) -> mean loss
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  return guarded(info, "crossEntropy", [&](const Args& a) -> Napi::Value {
    size_t rows = a.num(2, "rows"), cols = a.num(3, "cols"), n = rows * cols;
    return Napi::Number::New(info.Env(), cross_entropy(a.f32(0, n, "labels"), a.f32(1, n, "probs"), rows, cols, a.real(4, "eps")));
  });
}

// crossEntropyGrad(dy, labels, probs, dprobs, rows, cols, eps)
Napi::Value CrossEntropyGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "crossEntropyGrad", [&](const Args& a) {
    size_t rows = a.num(4, "rows"), cols = a.num(5, "cols"), n = rows * cols;
    cross_entropy_grad(a.real(0, "dy"), a.f32(1, n, "labels"), a.f32(2, n, "probs"), a.f32(3, n, "dprobs"), rows, cols,
                       a.real(6, "eps"));
    return info.Env().Undefined();
  });
}

// batchNorm(x, mean, variance, offset|null, scale|null, eps, y)
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  return guarded(info, "batchNorm", [&](const Args& a) {
    size_t n = a.len(0, "x"), c = a.len(1, "mean");
    if (c == 0 || n % c) a.fail("x's length must be a multiple of the channel count");
    batch_norm(a.f32(0, n, "x"), n, c, a.f32(1, c, "mean"), a.f32(2, c, "variance"), a.opt_f32(3, c, "offset"),
               a.opt_f32(4, c, "scale"), a.real(5, "eps"), false, a.f32(6, n, "y"));
    return info.Env().Undefined();
  });
}

// batchNormTrain(x, scale|null, offset|null, eps, y, mean, variance, relu): mean and variance are outputs
Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
  return guarded(info, "batchNormTrain", [&](const Args& a) {
    size_t n = a.len(0, "x"), c = a.len(5, "mean");
    if (c == 0 || n % c) a.fail("x's length must be a multiple of the channel count");
    batch_norm_train(a.f32(0, n, "x"), n, c, a.opt_f32(1, c, "scale"), a.opt_f32(2, c, "offset"), a.real(3, "eps"),
                     a.flag(7), a.f32(4, n, "y"), a.f32(5, c, "mean"), a.f32(6, c, "variance"));
    return info.Env().Undefined();
  });
}

// batchNormTrainGrad(dy, x, mean, variance, scale|null, eps, dx, dscale, doffset, rectified|null)
Napi::Value BatchNormTrainGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "batchNormTrainGrad", [&](const Args& a) {
    size_t n = a.len(0, "dy"), c = a.len(2, "mean");
    if (c == 0 || n % c) a.fail("dy's length must be a multiple of the channel count");
    batch_norm_train_grad(a.f32(0, n, "dy"), a.opt_f32(9, n, "rectified"), a.f32(1, n, "x"), n, c, a.f32(2, c, "mean"), a.f32(3, c, "variance"),
                          a.opt_f32(4, c, "scale"), a.real(5, "eps"), a.f32(6, n, "dx"), a.f32(7, c, "dscale"),
                          a.f32(8, c, "doffset"));
    return info.Env().Undefined();
  });
}

// adam(param, grad, m, v, out, lr, beta1, beta2, oneMinusAccBeta1, oneMinusAccBeta2, eps); out may be param
Napi::Value Adam(const Napi::CallbackInfo& info) {
  return guarded(info, "adam", [&](const Args& a) {
    size_t n = a.len(0, "param");
    adam_update(a.f32(0, n, "param"), a.f32(1, n, "grad"), a.f32(2, n, "m"), a.f32(3, n, "v"), n, a.real(5, "lr"),
                a.real(6, "beta1"), a.real(7, "beta2"), a.real(8, "oneMinusAccBeta1"), a.real(9, "oneMinusAccBeta2"),
                a.real(10, "epsilon"), a.f32(4, n, "out"));
    return info.Env().Undefined();
  });
}

// sgd(param, grad, out, lr)
Napi::Value Sgd(const Napi::CallbackInfo& info) {
  return guarded(info, "sgd", [&](const Args& a) {
    size_t n = a.len(0, "param");
    sgd_update(a.f32(0, n, "param"), a.f32(1, n, "grad"), n, a.real(3, "lr"), a.f32(2, n, "out"));
    return info.Env().Undefined();
  });
}

// momentum(param, grad, accum, out, lr, momentum, nesterov)
Napi::Value Momentum(const Napi::CallbackInfo& info) {
  return guarded(info, "momentum", [&](const Args& a) {
    size_t n = a.len(0, "param");
    momentum_update(a.f32(0, n, "param"), a.f32(1, n, "grad"), a.f32(2, n, "accum"), n, a.real(4, "lr"),
                    a.real(5, "momentum"), a.flag(6), a.f32(3, n, "out"));
    return info.Env().Undefined();
  });
}

Napi::Value SignalStormStart(const Napi::CallbackInfo& info) {
  return guarded(info, "signalStormStart", [&](const Args& a) {
    signal_storm_start((int)a.num(0, "intervalUs"));
    return info.Env().Undefined();
  });
}

Napi::Value SignalStormStop(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), (double)signal_storm_stop());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tune_malloc();
  warm_up_openblas();
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("convForward", Napi::Function::New(env, ConvForward));
  exports.Set("convBackwardData", Napi::Function::New(env, ConvBackwardData));
  exports.Set("convBackwardFilter", Napi::Function::New(env, ConvBackwardFilter));
  exports.Set("matmul", Napi::Function::New(env, MatMul));
  exports.Set("pool", Napi::Function::New(env, Pool));
  exports.Set("poolGrad", Napi::Function::New(env, PoolGrad));
  exports.Set("actForward", Napi::Function::New(env, ActForward));
  exports.Set("actBackward", Napi::Function::New(env, ActBackward));
  exports.Set("actBackwardBias", Napi::Function::New(env, ActBackwardBias));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("dropout", Napi::Function::New(env, Dropout));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("softmaxGrad", Napi::Function::New(env, SoftmaxGrad));
  exports.Set("crossEntropy", Napi::Function::New(env, CrossEntropy));
  exports.Set("crossEntropyGrad", Napi::Function::New(env, CrossEntropyGrad));
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm));
  exports.Set("batchNormTrain", Napi::Function::New(env, BatchNormTrain));
  exports.Set("batchNormTrainGrad", Napi::Function::New(env, BatchNormTrainGrad));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("sgd", Napi::Function::New(env, Sgd));
  exports.Set("momentum", Napi::Function::New(env, Momentum));
  exports.Set("signalStormStart", Napi::Function::New(env, SignalStormStart));
  exports.Set("signalStormStop", Napi::Function::New(env, SignalStormStop));
  return exports;
}

}  // namespace

NODE_API_MODULE(fmnist_native, Init)
